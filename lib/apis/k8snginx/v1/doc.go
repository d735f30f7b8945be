// Package v1 holds the Go types of NGINX Inc's Policy custom resource
// (group k8s.nginx.org, version v1), with NGINX's own JSON field names, so a
// Policy written for NGINX Ingress Controller decodes here unchanged.
//
// portcullis understands only the ingressMTLS and egressMTLS policy types. The
// other types NGINX defines are kept as raw JSON, so they round-trip and can be
// refused by name; what any field means is decided in lib/nginxpolicy, not here.
//
// +groupName=k8s.nginx.org
// +kubebuilder:object:generate=true
package v1

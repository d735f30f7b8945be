// Package webhook owns portcullis's admission webhooks: validating Ingresses,
// Secrets, ConfigMaps and k8s.nginx.org Policies with lib and the Rego
// policies, and mutating Ingresses to fill in cert-manager issuer defaults.
// The handlers have no side effects: they never write files or run programs.
// Outside the request path, the serving-certificate rotator keeps the
// webhook's own certificate in a Secret, on disk and in caBundle, and
// ClassConditions keeps the Ingress webhooks' class condition naming every
// class the controller serves. Cluster access shared with the controller is
// package cluster's.
package webhook

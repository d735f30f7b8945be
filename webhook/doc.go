// Package webhook owns portcullis's admission webhooks: validating Ingresses,
// Secrets, ConfigMaps and k8s.nginx.org Policies with lib (and Rego), and
// mutating Ingresses to fill in cert-manager issuer defaults. It has no side
// effects: it never writes files or runs nginx.
package webhook

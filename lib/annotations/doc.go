// Package annotations owns the meaning of every Ingress annotation portcullis
// reads: the ingress-nginx dialect (nginx.ingress.kubernetes.io/, prefix
// configurable), the NGINX Inc dialect (nginx.org/, nginx.com/ and
// ingress.kubernetes.io/ssl-redirect) and cert-manager's ingress-shim
// annotations. Each dialect is one table of rows (key, grammar, default,
// scope, documentation, where the typed value goes); Parse, the did-you-mean
// candidates and docs/annotations.md are all derived from those tables.
package annotations

// Package gen builds the Kubernetes objects tests feed portcullis (Ingresses,
// Secrets, Services, ConfigMaps, IngressClasses and Policies) with functional
// options, so a fixture reads as the object it describes:
//
//	gen.Ingress("web", gen.InNamespace("team-a"), gen.Host("a.example"),
//		gen.Path("/", "app", 80), gen.TLS("web-tls"),
//		gen.Annotation("nginx.ingress.kubernetes.io/ssl-redirect", "true"))
//
// Options apply in order. The metadata options (InNamespace, Annotation,
// Label, Created) work with every builder; the others with the builder of
// their kind. A builder returns a new object each call, so a test may change
// it freely.
package gen

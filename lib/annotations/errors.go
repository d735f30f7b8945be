package annotations

import (
	"github.com/seed-d040b84d/portcullis/lib/annotations/grammar"
)

// Error-page keys: a default backend of the Ingress's own namespace that
// answers for a path whose Service has no address, and the status codes whose
// responses it replaces (docs/reference.md#default-backend-and-error-pages).
const (
	KeyDefaultBackend              = "default-backend"
	KeyCustomHTTPErrors            = "custom-http-errors"
	KeyDisableProxyInterceptErrors = "disable-proxy-intercept-errors"

	KeyOrgCustomHTTPErrors = "nginx.org/custom-http-errors"
)

// ErrorPages are the error-page keys of ingress-nginx: nil or empty when
// absent (or refused).
type ErrorPages struct {
	// DefaultBackend is a Service name of the Ingress's namespace, "" if absent.
	DefaultBackend string
	// Codes are sorted, without duplicates.
	Codes []int
	// DisableIntercept is disable-proxy-intercept-errors.
	DisableIntercept *bool
}

// ingressNginxErrorRows are ingress-nginx's error-page rows.
var ingressNginxErrorRows = []Row{
	{
		Key: KeyDefaultBackend, Scope: ScopePath,
		Doc:   "A Service of the Ingress's namespace (a name, no `namespace/`) that answers for this Ingress's paths while their own Service has no address (none ready, not found), with `X-Code: 503`, and that answers the `custom-http-errors` codes. It is spoken to over plain HTTP on its first port. No effect on gRPC backends.",
		Value: grammar.Bind(grammar.ServiceName, func(p *Parsed, v string) { p.Nginx.Errors.DefaultBackend = v }),
		Examples: Examples{Good: good("error-pages", "default-http-backend"), Bad: bad("other/error-pages", "must name a Service in the Ingress's own namespace",
			"Error-Pages", "not a valid service name", "error-pages;", "not a valid service name")},
	},
	{
		Key: KeyCustomHTTPErrors, Scope: ScopePath,
		Doc:   "Status codes (400–599, not 499) whose responses, the backend's and nginx's own, are replaced by the `default-backend`'s answer to a request for `/` carrying `X-Code`, `X-Format`, `X-Original-URI`, `X-Namespace`, `X-Ingress-Name`, `X-Service-Name`, `X-Service-Port` and `X-Request-ID`; the client gets the default backend's status. Needs `default-backend`: portcullis has no controller-wide one.",
		Value: grammar.Bind(grammar.HTTPErrors, func(p *Parsed, v []int) { p.Nginx.Errors.Codes = v }),
		Examples: Examples{Good: good("404", "404,503", "500, 502, 503"), Bad: bad("404,", "entry 2", "302", "not from 400 to 599",
			"499", "nginx's error_page refuses it", "4xx", "is not a status code", "404;", "is not a status code")},
	},
	{
		Key: KeyDisableProxyInterceptErrors, Default: "false", Scope: ScopePath,
		Doc:      "`true`: the backend's own responses pass unchanged; only the error responses nginx makes itself (502, 504, 413, …) with a `custom-http-errors` code go to the `default-backend`.",
		Value:    grammar.Bind(grammar.Bool, func(p *Parsed, v bool) { p.Nginx.Errors.DisableIntercept = &v }),
		Examples: Examples{Good: good("true", "false"), Bad: bad("yes", `must be "true" or "false"`)},
	},
}

// nginxOrgErrorRows are NGINX Inc's error-page rows.
var nginxOrgErrorRows = []Row{
	{
		Key: KeyOrgCustomHTTPErrors, Scope: ScopePath,
		Doc:   "Status codes (300–599 but 499, or `4xx`, `5xx`) whose responses, the backend's and nginx's own, are replaced by the answer of the Ingress's `spec.defaultBackend` (a Service of its namespace, plain HTTP) to the same request; the client keeps the original status. A minion uses its master's `spec.defaultBackend`. Needs `spec.defaultBackend`; no effect on gRPC backends.",
		Value: grammar.Bind(grammar.NGINXHTTPErrors, func(p *Parsed, v []int) { p.Org.CustomHTTPErrors = v }),
		Examples: Examples{Good: good("404, 500, 5xx", "404", "4xx"), Bad: bad("abc", `is not a status code, "4xx" or "5xx"`, "299", "not from 300 to 599",
			"499", "nginx's error_page refuses it", "404,,500", "entry 2")},
	},
}

// Package intent is the normalized TLS/mTLS model portcullis builds from
// Kubernetes objects: per host, how TLS is terminated and with which certificate,
// client authentication, redirects and HSTS; per path, the backend protocol and
// backend TLS. It knows nothing about nginx; the controller's renderers and the
// Rego input both read it, and it serializes to stable JSON.
package intent

import (
	"fmt"
	"time"
)

// Termination says where a host's TLS ends.
type Termination string

const (
	// TerminateHTTP serves the host over plain HTTP only (no TLS entry).
	TerminateHTTP Termination = "http"
	// TerminateTLS terminates TLS at the controller.
	TerminateTLS Termination = "tls"
	// Passthrough forwards the TLS connection by SNI, untouched, to the backend.
	Passthrough Termination = "passthrough"
)

// CertificateSource says which certificate a TLS host is served with.
type CertificateSource string

const (
	// CertSecret is the host's own, validated certificate secret.
	CertSecret CertificateSource = "secret"
	// CertDefault is the controller's default certificate (a TLS entry without
	// secretName, or a secret that does not exist yet).
	CertDefault CertificateSource = "default"
	// CertPending is a secret cert-manager is expected to issue; the default
	// certificate is served until it exists.
	CertPending CertificateSource = "pending"
)

// ObjectRef names a namespaced object.
type ObjectRef struct {
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
}

// String renders the reference as namespace/name.
func (r ObjectRef) String() string { return r.Namespace + "/" + r.Name }

// Ingress is the intent of one Ingress object: what it asks for, normalized.
type Ingress struct {
	ObjectRef
	// Class is the ingress class the Ingress selected.
	Class string `json:"class"`
	// Mergeable is "master", "minion" or empty (nginx.org/mergeable-ingress-type).
	Mergeable string `json:"mergeable,omitempty"`
	Hosts     []Host `json:"hosts"`
}

// Host is the TLS/mTLS intent for one host name.
type Host struct {
	// Name is the host as written in the rule ("" for the catch-all rule).
	Name        string      `json:"name"`
	Termination Termination `json:"termination"`
	TLS         *HostTLS    `json:"tls,omitempty"`
	ClientAuth  *ClientAuth `json:"clientAuth,omitempty"`
	Redirect    Redirect    `json:"redirect"`
	HSTS        *HSTS       `json:"hsts,omitempty"`
	// ServerTokens sends the server's version in the Server header and
	// error pages; off unless the owner of the host sets it.
	ServerTokens bool   `json:"serverTokens,omitempty"`
	Paths        []Path `json:"paths,omitempty"`
	// PassthroughBackend is where a passthrough host's connections go.
	PassthroughBackend *Backend `json:"passthroughBackend,omitempty"`
	// AppRoot is where a request for "/" is redirected (302), "" for none
	// (app-root, nginx.org/app-root).
	AppRoot string `json:"appRoot,omitempty"`
	// WWWRedirect is the host's other name ("www." added or removed) whose
	// requests are redirected to it (from-to-www-redirect), "" for none.
	// It is set only when no other Ingress serves that name and no other
	// namespace owns it.
	WWWRedirect string `json:"wwwRedirect,omitempty"`
	// FailClosed is set when the controller cannot honour what the host asked
	// for (a missing client CA, a missing policy): it refuses the host's TLS
	// handshakes or answers with an error status, never serves it open.
	FailClosed *FailClosed `json:"failClosed,omitempty"`
}

// FailClosed says why and how a host or path is refused.
type FailClosed struct {
	Reason string `json:"reason"`
	// Status is the HTTP status answered (500, 503); 0 refuses the TLS handshake.
	Status int `json:"status,omitempty"`
}

// HostTLS is how TLS is terminated for a host.
type HostTLS struct {
	Certificate CertificateSource `json:"certificate"`
	// Secret is the certificate secret (absent for CertDefault without a name).
	Secret *ObjectRef `json:"secret,omitempty"`
	// Issuer is the cert-manager issuer expected to fill Secret, "Kind/name".
	Issuer              string   `json:"issuer,omitempty"`
	Protocols           []string `json:"protocols"`
	Ciphers             string   `json:"ciphers"`
	PreferServerCiphers bool     `json:"preferServerCiphers"`
}

// ClientAuth is TLS client-certificate authentication for a host.
type ClientAuth struct {
	// CA is the secret holding ca.crt (and optionally ca.crl): the
	// certificates a client's is verified against, and those revoked.
	CA ObjectRef `json:"ca"`
	// Certificate is what the host asks of a client's certificate. In the
	// JSON (the policies' input) it is "verify", in the words users write
	// in annotations and Policies (see ClientCertificate.MarshalText).
	Certificate ClientCertificate `json:"verify"`
	// Depth is how many intermediate certificates a client's chain may
	// have between it and a CA certificate.
	Depth           int    `json:"depth"`
	ErrorPage       string `json:"errorPage,omitempty"`
	PassCertificate bool   `json:"passCertificate"`
	// MatchCN is a regular expression the subject CN must match (anchored).
	MatchCN string `json:"matchCN,omitempty"`
	// Source is where the setting came from: "annotation" or "policy:ns/name".
	Source string `json:"source"`
}

// ClientCertificate is what a TLS host asks of a client's certificate (as
// Contour's peer validation; no proxy's words).
type ClientCertificate string

const (
	// ClientCertRequired: a client must present a certificate the CA verifies.
	ClientCertRequired ClientCertificate = "required"
	// ClientCertOptional: a certificate is asked for and, when presented,
	// verified against the CA; a client without one is let through.
	ClientCertOptional ClientCertificate = "optional"
	// ClientCertOptionalUntrusted: a certificate is asked for and accepted
	// without verification against a CA (the backend judges it).
	ClientCertOptionalUntrusted ClientCertificate = "optionalUntrusted"
	// ClientCertNone: no certificate is asked for.
	ClientCertNone ClientCertificate = "none"
)

// ClientCertificateFor is the ClientCertificate a user's word asks for:
// ingress-nginx's auth-tls-verify-client and the nginx.org Policy's
// ingressMTLS.verifyClient take the same four, "on", "optional",
// "optional_no_ca" and "off". False for any other word.
func ClientCertificateFor(word string) (ClientCertificate, bool) {
	switch word {
	case "on":
		return ClientCertRequired, true
	case "optional":
		return ClientCertOptional, true
	case "optional_no_ca":
		return ClientCertOptionalUntrusted, true
	case "off":
		return ClientCertNone, true
	}
	return "", false
}

// MarshalText writes c as users write it (ClientCertificateFor), so the
// policies' input reads as the annotations do.
func (c ClientCertificate) MarshalText() ([]byte, error) {
	switch c {
	case ClientCertRequired:
		return []byte("on"), nil
	case ClientCertOptional:
		return []byte("optional"), nil
	case ClientCertOptionalUntrusted:
		return []byte("optional_no_ca"), nil
	case ClientCertNone:
		return []byte("off"), nil
	}
	return nil, fmt.Errorf("client certificate policy %q is not one of the model's", string(c))
}

// UnmarshalText reads c as users write it (ClientCertificateFor).
func (c *ClientCertificate) UnmarshalText(b []byte) error {
	v, ok := ClientCertificateFor(string(b))
	if !ok {
		return fmt.Errorf("client certificate verification %q: want on, off, optional or optional_no_ca", string(b))
	}
	*c = v
	return nil
}

// Redirect is the HTTP→HTTPS redirect for a host.
type Redirect struct {
	// ToHTTPS redirects plain-HTTP requests to HTTPS.
	ToHTTPS bool `json:"toHTTPS"`
	// Force redirects even when the host has no TLS entry (TLS offloaded in front).
	Force bool `json:"force"`
	Code  int  `json:"code"`
	// Exempt are path prefixes never redirected (ACME HTTP-01 challenges).
	Exempt []string `json:"exempt,omitempty"`
}

// HSTS is the Strict-Transport-Security header for a host.
type HSTS struct {
	MaxAge            int64 `json:"maxAge"`
	IncludeSubdomains bool  `json:"includeSubdomains"`
	Preload           bool  `json:"preload"`
	// BehindProxy sends the header only when X-Forwarded-Proto is https.
	BehindProxy bool `json:"behindProxy,omitempty"`
}

// Backend protocols.
const (
	ProtocolHTTP  = "HTTP"
	ProtocolHTTPS = "HTTPS"
	ProtocolGRPC  = "GRPC"
	ProtocolGRPCS = "GRPCS"
)

// Path is the intent for one path of a host.
type Path struct {
	Path     string  `json:"path"`
	PathType string  `json:"pathType"`
	Backend  Backend `json:"backend"`
	// Regex says Path is a regular expression (use-regex, rewrite-target;
	// docs/reference.md#regex-paths).
	Regex bool `json:"regex,omitempty"`
	// RegexCaseSensitive matches the regular expression case-sensitively
	// (nginx.org/path-regex: case_sensitive); otherwise case-insensitively.
	RegexCaseSensitive bool `json:"regexCaseSensitive,omitempty"`
	// RegexPathOnly says only this path is a regular expression
	// (nginx.org/path-regex); ingress-nginx's make every path of the host one.
	RegexPathOnly bool `json:"regexPathOnly,omitempty"`
	// RewriteTarget replaces the matched path before proxying, "" for none.
	RewriteTarget string `json:"rewriteTarget,omitempty"`
	// Protocol is HTTP, HTTPS, GRPC or GRPCS.
	Protocol   string      `json:"protocol"`
	BackendTLS *BackendTLS `json:"backendTLS,omitempty"`
	// Source is the Ingress this path came from (minions of a mergeable host differ).
	Source ObjectRef `json:"source"`
	// Access limits which clients may use the path; nil: every client.
	Access *Access `json:"access,omitempty"`
	// BasicAuth requires a user and password; nil: none.
	BasicAuth *BasicAuth `json:"basicAuth,omitempty"`
	// ExternalAuth asks an authentication service about every request; nil: none.
	ExternalAuth *ExternalAuth `json:"externalAuth,omitempty"`
	// SatisfyAny admits a client that passes Access or the authentication
	// (BasicAuth, ExternalAuth) (satisfy any); otherwise both are required.
	SatisfyAny bool `json:"satisfyAny,omitempty"`
	// Traffic is the request body limit and backend timeouts the Ingress
	// sets; nil: the controller's defaults.
	Traffic *Traffic `json:"traffic,omitempty"`
	// Errors is the default backend answering for the path; nil: none.
	Errors *ErrorPages `json:"errors,omitempty"`
	// Redirect answers every request of the path with a redirect instead
	// of proxying it; nil: proxied.
	Redirect *PathRedirect `json:"redirect,omitempty"`
	// Forwarding changes how requests reach the backend; nil: unchanged.
	Forwarding *Forwarding `json:"forwarding,omitempty"`
	// Headers are the response headers the Ingress adds, hides or passes,
	// its CORS answers and its rewrite of backend redirects; nil: none.
	Headers *Headers `json:"headers,omitempty"`
	// FailClosed is set when the path's backend TLS cannot be honoured.
	FailClosed *FailClosed `json:"failClosed,omitempty"`
}

// PathRedirect is a fixed redirect (permanent-redirect, temporal-redirect).
type PathRedirect struct {
	// URL is an absolute http(s) URL without variables, sent as is.
	URL  string `json:"url"`
	Code int    `json:"code"`
}

// Forwarding is how a path's requests are passed to its backend, and how
// the proxy writes redirects of its own there. Zero fields are unchanged.
type Forwarding struct {
	// Host is sent as the Host header instead of the request's host.
	Host string `json:"host,omitempty"`
	// Prefix is sent as the X-Forwarded-Prefix header.
	Prefix string `json:"prefix,omitempty"`
	// PathRewrite replaces the part of the request path the path matched
	// (nginx.org/rewrites).
	PathRewrite string `json:"pathRewrite,omitempty"`
	// RelativeRedirects: the proxy's own redirects carry a relative
	// Location.
	RelativeRedirects bool `json:"relativeRedirects,omitempty"`
	// PortInRedirects: the proxy's own absolute redirects name the port
	// it was reached on.
	PortInRedirects bool `json:"portInRedirects,omitempty"`
}

// Traffic is how a path's requests are proxied. A nil field is unset: the
// controller's default (its ConfigMap) applies.
type Traffic struct {
	// BodySize is the largest request body in bytes; 0: no limit.
	BodySize *int64 `json:"bodySize,omitempty"`
	// The backend timeouts, in nanoseconds (time.Duration): to connect, and
	// between two reads and two writes.
	ConnectTimeout *time.Duration `json:"connectTimeout,omitempty"`
	ReadTimeout    *time.Duration `json:"readTimeout,omitempty"`
	SendTimeout    *time.Duration `json:"sendTimeout,omitempty"`
	// Buffering of the backend's responses and RequestBuffering of request
	// bodies; BodyBufferSize in bytes; HTTPVersion to the backend, "1.0" or
	// "1.1" ("" unset).
	Buffering        *bool  `json:"buffering,omitempty"`
	RequestBuffering *bool  `json:"requestBuffering,omitempty"`
	BodyBufferSize   *int64 `json:"bodyBufferSize,omitempty"`
	HTTPVersion      string `json:"httpVersion,omitempty"`
	// BufferSize (the response header's buffer), Buffers, BusyBuffersSize
	// and MaxTempFileSize are the location's response buffers in bytes
	// (nginx's proxy_buffer_size, proxy_buffers, proxy_busy_buffers_size,
	// proxy_max_temp_file_size; BufferSize is grpc_buffer_size on gRPC
	// backends); MaxTempFileSize 0: no temporary files.
	BufferSize      *int64   `json:"bufferSize,omitempty"`
	Buffers         *Buffers `json:"buffers,omitempty"`
	BusyBuffersSize *int64   `json:"busyBuffersSize,omitempty"`
	MaxTempFileSize *int64   `json:"maxTempFileSize,omitempty"`
	// NextUpstream are the conditions in which a request is passed to the
	// next backend (nginx's proxy_next_upstream), ["off"] for never;
	// NextUpstreamTimeout and NextUpstreamTries bound the passing, 0: no
	// limit.
	NextUpstream        []string       `json:"nextUpstream,omitempty"`
	NextUpstreamTimeout *time.Duration `json:"nextUpstreamTimeout,omitempty"`
	NextUpstreamTries   *int           `json:"nextUpstreamTries,omitempty"`
}

// ErrorPages is a default backend answering for a path
// (docs/reference.md#default-backend-and-error-pages): a Service of the
// path's own namespace, spoken to over plain HTTP.
type ErrorPages struct {
	Backend Backend `json:"backend"`
	// WhenUnavailable: Backend answers the path's requests, with X-Code
	// 503, while the path's own Service has no address.
	WhenUnavailable bool `json:"whenUnavailable,omitempty"`
	// Codes are the statuses (300–599 but 499, sorted, unique) of the
	// responses Backend replaces: the data plane's own and, with
	// InterceptBackend, the path's backend's.
	Codes            []int `json:"codes,omitempty"`
	InterceptBackend bool  `json:"interceptBackend,omitempty"`
	// KeepStatus keeps the original status and request URI (NGINX Inc's
	// way); otherwise Backend is asked for "/" and its status is the
	// client's (ingress-nginx's).
	KeepStatus bool `json:"keepStatus,omitempty"`
}

// Headers are what a path does to response headers, for any protocol.
type Headers struct {
	// Add are headers added to responses.
	Add []Header `json:"add,omitempty"`
	// Hide are backend response headers not passed on; Pass are headers
	// the proxy hides by default that are passed on.
	Hide []string `json:"hide,omitempty"`
	Pass []string `json:"pass,omitempty"`
	// CORS answers cross-origin requests; nil: no CORS headers.
	CORS *CORS `json:"cors,omitempty"`
	// Redirect rewrites the start of the backend's Location and Refresh
	// headers; nil: the proxy's default.
	Redirect *ProxyRedirect `json:"redirect,omitempty"`
	// Request are headers sent to the backend with every request (Always
	// unused).
	Request []Header `json:"request,omitempty"`
}

// Header is one added response header; Always adds it to error responses
// too.
type Header struct {
	Name   string `json:"name"`
	Value  string `json:"value"`
	Always bool   `json:"always,omitempty"`
}

// CORS is how a path answers cross-origin requests
// (docs/reference.md#cors). A request whose Origin is allowed gets
// Access-Control-Allow-Origin (AnyOrigin: "*"; else its own origin, with
// Vary: Origin) and, as a preflight (OPTIONS), 204 with the Allow-* headers
// and MaxAge; any other request gets no CORS header.
type CORS struct {
	// AnyOrigin allows every origin, answered "*" and never with
	// credentials; else Origins are the allowed origins, lower-case
	// scheme://host[:port], the host's first label possibly "*" (one label).
	AnyOrigin   bool     `json:"anyOrigin,omitempty"`
	Origins     []string `json:"origins,omitempty"`
	Methods     []string `json:"methods"`
	Headers     []string `json:"headers,omitempty"`
	Expose      []string `json:"expose,omitempty"`
	Credentials bool     `json:"credentials,omitempty"`
	MaxAge      int      `json:"maxAge"`
}

// ProxyRedirect rewrites backend redirects: From is "off" (no rewrite),
// "default" (the proxy's own), or a URL or path prefix replaced by To.
type ProxyRedirect struct {
	From string `json:"from"`
	To   string `json:"to,omitempty"`
}

// Access is which client addresses may use a path: those in Deny get 403
// first; then, when Allow is not empty, every client not in it gets 403.
type Access struct {
	// Allow and Deny are canonical CIDRs ("10.0.0.0/8", "192.0.2.7/32").
	Allow []string `json:"allow,omitempty"`
	Deny  []string `json:"deny,omitempty"`
	// Source is where the rule came from: "annotation", "configmap" or
	// "policy:ns/name".
	Source string `json:"source"`
}

// BasicAuth is HTTP basic authentication on a path.
type BasicAuth struct {
	// Secret holds the users: an htpasswd file in Key (Format "file"), or
	// one key per user (Format "map").
	Secret ObjectRef `json:"secret"`
	Format string    `json:"format"`
	Key    string    `json:"key,omitempty"`
	Realm  string    `json:"realm"`
	// Source is "annotation", "nginx.org annotation" or "policy:ns/name".
	Source string `json:"source"`
}

// ExternalAuth is ingress-nginx's external authentication (auth-url).
type ExternalAuth struct {
	// URL is an absolute http(s) URL without variables.
	URL    string `json:"url"`
	Method string `json:"method"`
	// SignIn is where a 401 is redirected, "" to pass the 401 on.
	SignIn string `json:"signIn,omitempty"`
	// ResponseHeaders are copied from the service's answer to the backend.
	ResponseHeaders []string `json:"responseHeaders,omitempty"`
}

// Backend is the Service a path proxies to.
type Backend struct {
	Service  string `json:"service"`
	Port     int32  `json:"port,omitempty"`
	PortName string `json:"portName,omitempty"`
	// ServiceUpstream proxies to the ClusterIP instead of endpoints.
	ServiceUpstream bool `json:"serviceUpstream,omitempty"`
}

// BackendTLS is how the controller talks TLS to a backend.
type BackendTLS struct {
	Verify bool `json:"verify"`
	// TrustedCA is the CA secret the backend's certificate is verified against.
	TrustedCA *ObjectRef `json:"trustedCA,omitempty"`
	// ClientCertificate is a kubernetes.io/tls secret presented to the backend.
	ClientCertificate *ObjectRef `json:"clientCertificate,omitempty"`
	Depth             int        `json:"depth"`
	// Name is the name the backend certificate is verified against.
	Name string `json:"name,omitempty"`
	// ServerName sends Name (or the upstream host) as SNI.
	ServerName   bool     `json:"serverName"`
	Protocols    []string `json:"protocols"`
	Ciphers      string   `json:"ciphers"`
	SessionReuse bool     `json:"sessionReuse"`
	// Source is "annotation" or "policy:ns/name".
	Source string `json:"source"`
}

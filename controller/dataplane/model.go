// Package dataplane owns the whole-world model the data plane serves: from the
// validated intent of every Ingress it builds servers per host, locations,
// upstreams and the certificate, CA and CRL files they reference (named by a
// hash of their content), the default server, and the fail-closed hosts. The
// model is deterministic (sorted), so the same world renders the same bytes.
// It knows nothing about nginx syntax; controller/nginx renders it.
package dataplane

import (
	"net/netip"
	"time"

	"github.com/seed-d040b84d/portcullis/lib/intent"
)

// Model is everything the data plane serves.
type Model struct {
	TLS     Global
	Default DefaultServer
	// Servers are the named hosts terminated or served over HTTP, sorted by Host.
	Servers []Server
	// Upstreams are sorted by Name.
	Upstreams []Upstream
	// Files are the certificate, key, CA and CRL files referenced by name,
	// sorted by Name. Names are hashes of the content.
	Files []File
	// Passthrough are the hosts whose TLS goes untouched to a backend (served
	// by the passthrough proxy, not by nginx), sorted by Host.
	Passthrough []PassthroughRoute
	// Refused are the Ingresses left out of the model, with why, sorted.
	Refused []Refusal
}

// Global are the TLS settings of the whole data plane (the ConfigMap's).
type Global struct {
	Protocols           []string
	Ciphers             string
	PreferServerCiphers bool
	ECDHCurve           string
	SessionCache        bool
	SessionCacheSize    int64 // bytes
	SessionTimeout      time.Duration
	SessionTickets      bool
	BufferSize          int64 // bytes
	// ForwardedFrom, when not empty, are the load balancers whose
	// X-Forwarded-For gives the client address (use-forwarded-headers,
	// proxy-real-ip-cidr).
	ForwardedFrom []netip.Prefix
	// ProxyProtocolFrom, when not empty, makes every listener require a
	// PROXY header and take the client address from it when the
	// connection comes from these load balancers (use-proxy-protocol,
	// proxy-real-ip-cidr).
	ProxyProtocolFrom []netip.Prefix
	// GenerateRequestID sends nginx's own request ID as X-Request-ID when
	// the client sent none (generate-request-id).
	GenerateRequestID bool
	// AccessLog turns nginx's access log on, with LogFields (known names,
	// config.LogFieldNames) as text pairs or, with LogJSON, JSON objects.
	AccessLog bool
	LogFields []string
	LogJSON   bool
	// Workers: the count (0: one per CPU), each one's connection and
	// open-file limits (0: computed), and how long a previous
	// configuration's workers keep their connections after a reload.
	WorkerProcesses       int
	WorkerConnections     int
	WorkerOpenFiles       int
	WorkerShutdownTimeout time.Duration
	// StaticCertificates: every host's certificate is loaded when the
	// configuration is, not at each handshake (ssl-certificate-mode).
	StaticCertificates bool
	// Traffic is every location's request body limit and backend timeouts,
	// unless the location sets its own (the ConfigMap's proxy-body-size and
	// proxy-*-timeout).
	Traffic Traffic
}

// DefaultServer answers requests for unknown hosts, without SNI, and for the
// rules of Ingresses that name no host.
type DefaultServer struct {
	Cert KeyPair
	// RejectHandshake refuses TLS handshakes for unknown SNI (ssl-reject-handshake).
	RejectHandshake bool
	// Locations are the paths of rules without a host, sorted.
	Locations []Location
}

// KeyPair names a certificate chain file and its private key file. A
// certificate a host serves is one file holding both (Cert == Key, kind
// "tls-"), so that replacing it is one rename.
type KeyPair struct {
	Cert string
	Key  string
}

// Server is one host.
type Server struct {
	// Host is a validated RFC 1123 name, possibly with one leading "*.".
	Host string
	// Reject refuses the host's TLS handshakes and answers 503 on plain HTTP:
	// what it asked for cannot be honoured.
	Reject bool
	// Status, when not 0, answers every request of the host with it.
	Status int
	// Reason says why the host is refused (Reject or Status); for events and logs.
	Reason string
	// TLS is nil for a plain-HTTP host.
	TLS        *TLS
	ClientAuth *ClientAuth
	Redirect   Redirect
	// HSTS is nil when the header is not sent.
	HSTS *intent.HSTS
	// AppRoot is where a request for "/" is redirected (302); "" for none
	// (app-root, nginx.org/app-root). Never set when the host has an
	// exact "/" path of its own.
	AppRoot string
	// WWWRedirect is the host's other name ("www." added or removed) that
	// is answered with a redirect to the host (from-to-www-redirect); ""
	// for none. Never set when any Ingress names that host. The redirect
	// is answered with WWWRedirectCode (301, 302, 307 or 308; the
	// ConfigMap's http-redirect-code).
	WWWRedirect     string
	WWWRedirectCode int
	// ServerTokens sends nginx's version (server_tokens on).
	ServerTokens bool
	// Locations are sorted by Path, then Match, then Regex.
	Locations []Location
	// Sources are the Ingresses that contributed to the host, sorted.
	Sources []intent.ObjectRef
}

// TLS is how a host terminates TLS.
type TLS struct {
	Cert KeyPair
	// Default says Cert is the default certificate (no HSTS is sent then).
	Default bool
	// NotAfter is the end of the certificate's validity (for metrics; not
	// rendered).
	NotAfter            time.Time
	Protocols           []string
	Ciphers             string
	PreferServerCiphers bool
}

// ClientAuth is client-certificate verification for a host.
type ClientAuth struct {
	// CA is the CA bundle file ("" only with ClientCertOptionalUntrusted).
	CA string
	// CRL is the CRL file, "" without one.
	CRL string
	// Certificate is required, optional or optionalUntrusted (never none:
	// then the server has no ClientAuth).
	Certificate intent.ClientCertificate
	Depth       int
	// ErrorPage is an absolute http(s) URL clients are redirected to when their
	// certificate is missing or refused; "" answers 400.
	ErrorPage       string
	PassCertificate bool
	// MatchCN is a regular expression the subject CN must match (403 otherwise).
	MatchCN string
}

// Redirect is the plain-HTTP behaviour of a host.
type Redirect struct {
	// ToHTTPS answers plain-HTTP requests with Code to the https:// URL.
	ToHTTPS bool
	Code    int
	// Exempt are path prefixes served over plain HTTP anyway (ACME HTTP-01).
	Exempt []string
}

// Match is how a location matches a request path.
type Match string

const (
	// MatchPrefix matches the path and every path under it, by whole segments.
	MatchPrefix Match = "prefix"
	// MatchExact matches the path only.
	MatchExact Match = "exact"
)

// Location is one path of a host.
type Location struct {
	// Path is validated: "/" followed by [A-Za-z0-9._~%/-], or with Regex
	// a regular expression in the bounded grammar
	// (docs/reference.md#regex-paths).
	Path  string
	Match Match
	// Regex says Path is a regular expression. When one location of a
	// server is, without PathOnly, the renderer writes all of them as
	// regular expressions.
	Regex bool
	// CaseSensitive matches the regular expression case-sensitively ("~").
	CaseSensitive bool
	// PathOnly says only this location is a regular expression
	// (nginx.org/path-regex): the server's other locations stay literal.
	PathOnly bool
	// Rewrite is the rewrite-target replacing the matched path, "" for none.
	Rewrite string
	// Status, when not 0, answers every request with it (fail closed).
	Status int
	Reason string
	// Upstream names the upstream; "" when Status is set.
	Upstream string
	// Protocol is HTTP, HTTPS, GRPC or GRPCS.
	Protocol   string
	BackendTLS *BackendTLS
	// Access limits the clients that may use the location; nil: every client.
	Access *Access
	// BasicAuth requires a user and password; nil: none.
	BasicAuth *BasicAuth
	// ExternalAuth asks an authentication service first; nil: none.
	ExternalAuth *ExternalAuth
	// SatisfyAny admits a client that passes Access or the authentication
	// (BasicAuth, ExternalAuth).
	SatisfyAny bool
	// Traffic is the location's own request body limit and backend
	// timeouts; nil: the http level's (Global.Traffic).
	Traffic *Traffic
	// ErrorPages sends the responses with one of its codes to the
	// location's default backend; nil: none. On a location with Status
	// (its backend has no address), it answers that status.
	ErrorPages *ErrorPages
	// Redirect answers every request with a fixed redirect instead of
	// proxying it (permanent-redirect, temporal-redirect); nil: proxied.
	Redirect *PathRedirect
	// Forwarding changes the Host and X-Forwarded-Prefix headers, the path
	// passed on and nginx's own redirects; nil: unchanged.
	Forwarding *Forwarding
	// Headers are the location's response headers and CORS; nil: none.
	Headers *Headers
	Source  intent.ObjectRef
}

// PathRedirect is a fixed redirect: Code (300–308) to URL, an absolute
// http(s) URL in grammar.RedirectURL (no "$", white space, quotes, ";").
type PathRedirect struct {
	URL  string
	Code int
}

// Forwarding is how a location passes requests on. Every string is in its
// lib grammar, checked again: Host in grammar.UpstreamHost, Prefix in
// grammar.ForwardedPrefix, PathRewrite in grammar.ValidRewritePath.
type Forwarding struct {
	// Host is sent as the Host header; "" sends the request's.
	Host string
	// Prefix is sent as X-Forwarded-Prefix; "" sends none.
	Prefix string
	// PathRewrite replaces the part of the path the location matched
	// (nginx.org/rewrites); "" passes the path unchanged.
	PathRewrite string
	// RelativeRedirects: nginx's own redirects carry a relative Location.
	RelativeRedirects bool
	// PortInRedirects: nginx's own absolute redirects name the port it was
	// reached on (otherwise none, the server's default).
	PortInRedirects bool
}

// ExternalAuth is an authentication subrequest before each request.
type ExternalAuth struct {
	// Name is a hash of the other fields, naming the internal location.
	Name string
	// URL is an absolute http(s) URL of plain characters (no "$").
	URL    string
	Method string
	// SignIn is where a 401 is redirected, with rd; "" passes the 401 on.
	SignIn string
	// Headers are copied from the service's answer; letters, digits, "-".
	Headers []string
}

// BasicAuth is HTTP basic authentication on a location.
type BasicAuth struct {
	// File is the htpasswd file (private, 0600).
	File string
	// Realm is printable ASCII without `"`, `\` or `$`.
	Realm string
}

// Access is which client addresses may use a location: those in Deny get
// 403, then, when Allow is not empty, every client outside it does.
type Access struct {
	Allow, Deny []netip.Prefix
}

// BackendTLS is how TLS is spoken to a location's backend.
type BackendTLS struct {
	Verify    bool
	TrustedCA string // file, "" without
	// Client is the certificate presented to the backend, nil without.
	Client *KeyPair
	Depth  int
	// Name is the name the backend certificate is verified against and sent as
	// SNI when ServerName is set; never empty.
	Name         string
	ServerName   bool
	Protocols    []string
	Ciphers      string
	SessionReuse bool
}

// Upstream is a set of backend addresses.
type Upstream struct {
	// Name is derived from a hash of namespace, service and port.
	Name string
	// Servers are "host:port" with a validated host name or IP, sorted.
	Servers []string
}

// File is one file the data plane reads.
type File struct {
	// Name is a hash with a kind prefix: of the content for "crt-", "key-",
	// "ca-", "crl-", "htpasswd-"; for "tls-" (a served certificate's chain
	// followed by its key) of the secret it came from and the key, so a
	// certificate renewed with the same key keeps its name and may be
	// replaced in place (see Replaceable).
	Name string
	Data []byte
	// Private marks key material: never logged, written 0600 like every file.
	Private bool
	// Replaceable says the content may change under the same name
	// ("tls-" files); every other name is a hash of its content.
	Replaceable bool
}

// String never prints the content of a file.
func (f File) String() string { return f.Name }

// GoString never prints the content of a file.
func (f File) GoString() string { return "dataplane.File{" + f.Name + "}" }

// PassthroughRoute sends a host's TLS connections, by SNI, to an upstream.
type PassthroughRoute struct {
	Host string
	// Servers are "host:port", sorted; empty refuses the host.
	Servers []string
	// Reason says why Servers is empty.
	Reason string
	Source intent.ObjectRef
}

// Refusal is an Ingress left out of the model: its hosts fail closed.
type Refusal struct {
	Ingress intent.ObjectRef
	Reason  string
}

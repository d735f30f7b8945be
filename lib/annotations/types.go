package annotations

import (
	"time"

	cmapi "github.com/cert-manager/cert-manager/pkg/apis/certmanager/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/seed-d040b84d/portcullis/lib/annotations/grammar"
)

// DefaultPrefix is ingress-nginx's default annotation prefix (its flag
// --annotations-prefix).
const DefaultPrefix = "nginx.ingress.kubernetes.io"

// Ref names a namespaced object; an empty Namespace means the Ingress's own.
type Ref = grammar.Ref

// Parsed is what an Ingress's annotations say, per dialect. A nil pointer, an
// empty string or a nil slice means the annotation was absent (or refused: the
// findings say which).
type Parsed struct {
	Nginx       IngressNginx
	Org         NginxOrg
	CertManager CertManager

	// Prefix is the ingress-nginx prefix the annotations were read with.
	Prefix string
	// Present holds the full key of every annotation portcullis implements that
	// the Ingress carries, whether or not its value was accepted.
	Present map[string]bool
}

// NginxKey returns the full key of an ingress-nginx annotation, e.g.
// NginxKey(KeyAuthTLSSecret) = "nginx.ingress.kubernetes.io/auth-tls-secret".
func (p Parsed) NginxKey(short string) string {
	prefix := p.Prefix
	if prefix == "" {
		prefix = DefaultPrefix
	}
	return prefix + "/" + short
}

// Key returns the full key of an annotation of dialect d: the ingress-nginx
// prefix is added to short keys; other dialects' keys are already full.
func (p Parsed) Key(d Dialect, key string) string {
	if d == DialectIngressNginx {
		return p.NginxKey(key)
	}
	return key
}

// Has reports whether the Ingress carries the annotation with this full key
// (and portcullis implements it).
func (p Parsed) Has(fullKey string) bool { return p.Present[fullKey] }

// Path is the field path of an annotation, for findings about it.
func Path(fullKey string) *field.Path {
	return field.NewPath("metadata", "annotations").Key(fullKey)
}

// IngressNginx holds the ingress-nginx annotations portcullis implements.
type IngressNginx struct {
	SSLRedirect      *bool
	ForceSSLRedirect *bool
	SSLPassthrough   *bool
	// BackendProtocol is HTTP, HTTPS, GRPC or GRPCS (upper case), "" if absent.
	BackendProtocol string
	// UseRegex says the paths are regular expressions (docs/reference.md#regex-paths).
	UseRegex *bool
	// RewriteTarget is the rewrite replacement, "" if absent.
	RewriteTarget string

	ProxySSLSecret      *Ref
	ProxySSLVerify      *bool // "on" = true
	ProxySSLVerifyDepth *int
	ProxySSLName        string
	ProxySSLServerName  *bool // "on" = true
	// ProxySSLProtocols is ordered oldest first.
	ProxySSLProtocols []string
	// ProxySSLCiphers is ":"-separated whatever separators the user wrote.
	ProxySSLCiphers string

	AuthTLSSecret *Ref
	// AuthTLSVerifyClient is on, off, optional or optional_no_ca; "" if absent.
	AuthTLSVerifyClient              string
	AuthTLSVerifyDepth               *int
	AuthTLSErrorPage                 string
	AuthTLSPassCertificateToUpstream *bool
	// AuthTLSMatchCN is the regular expression after "CN=".
	AuthTLSMatchCN string

	SSLCiphers             string
	SSLPreferServerCiphers *bool
	ServiceUpstream        *bool
	// Source ranges, canonical CIDRs; nil when the key is absent.
	AllowlistSourceRange []string
	WhitelistSourceRange []string
	DenylistSourceRange  []string
	// Basic authentication: AuthType is "basic" or ""; AuthSecretType is
	// auth-file, auth-map or "" (auth-file).
	AuthType       string
	AuthSecret     *Ref
	AuthSecretType string
	AuthRealm      string
	// Satisfy is all, any or "" (all).
	Satisfy string
	// External authentication: AuthURL is "" when absent; AuthMethod is ""
	// (GET) or a method.
	AuthURL             string
	AuthMethod          string
	AuthSignin          string
	AuthResponseHeaders []string

	// Traffic is proxy-body-size, the proxy timeouts and buffering.
	Traffic Traffic

	// Errors are default-backend, custom-http-errors and
	// disable-proxy-intercept-errors.
	Errors ErrorPages
	// Redirects are the redirect, app-root, www. and upstream Host keys.
	Redirects Redirects
	// CORS is enable-cors and the cors-* keys; ProxyRedirect is
	// proxy-redirect-from and -to.
	CORS          CORS
	ProxyRedirect ProxyRedirect
}

// NginxOrg holds the NGINX Inc annotations portcullis implements.
type NginxOrg struct {
	Policies     []Ref
	SSLServices  []string
	GRPCServices []string

	// RedirectToHTTPS is nginx.org/redirect-to-https (redirect when
	// X-Forwarded-Proto is http: TLS terminated in front).
	RedirectToHTTPS *bool
	// SSLRedirect is nginx.org/ssl-redirect (redirect plain HTTP on hosts with TLS).
	SSLRedirect *bool
	// LegacySSLRedirect is the deprecated ingress.kubernetes.io/ssl-redirect,
	// read only when nginx.org/ssl-redirect is absent.
	LegacySSLRedirect *bool

	HSTS                  *bool
	HSTSMaxAge            *int64
	HSTSIncludeSubdomains *bool
	HSTSBehindProxy       *bool

	SSLCiphers             string
	SSLPreferServerCiphers *bool
	// BasicAuthSecret is nginx.org/basic-auth-secret, "" if absent.
	BasicAuthSecret string
	BasicAuthRealm  string
	// MergeableIngressType is master or minion; "" if absent.
	MergeableIngressType string
	// PathRegex is case_sensitive, case_insensitive or exact; "" if absent
	// (docs/reference.md#regex-paths).
	PathRegex string

	// Traffic is client-max-body-size, the proxy timeouts and buffering.
	Traffic Traffic

	// CustomHTTPErrors are nginx.org/custom-http-errors's codes, sorted.
	CustomHTTPErrors []int
	// Redirects are nginx.org/app-root and nginx.org/rewrites.
	Redirects Redirects
	// Headers are add-header, add-header-inherit, proxy-hide-headers,
	// proxy-pass-headers and server-tokens; ProxyRedirect is
	// proxy-redirect-from and -to.
	Headers       OrgHeaders
	ProxyRedirect ProxyRedirect
}

// CORS is ingress-nginx's enable-cors and cors-* keys; nil or empty is
// absent.
type CORS struct {
	Enable *bool
	// Origins is "*" alone or lower-case origins (grammar.CORSOrigins).
	Origins, Methods, Headers, Expose []string
	Credentials                       *bool
	MaxAge                            *int
}

// ProxyRedirect is nginx's proxy_redirect in either dialect: From is off,
// default, a URL or a path; To is a URL or a path; "" if absent.
type ProxyRedirect struct{ From, To string }

// OrgHeaders are NGINX Inc's header keys; nil or empty is absent.
type OrgHeaders struct {
	Add []grammar.Header
	// Set are request headers sent to the backends.
	Set []grammar.RequestHeader
	// AddInherit is on, off or merge; "" if absent.
	AddInherit   string
	Hide, Pass   []string
	ServerTokens *bool
}

// Traffic is how a path's requests are proxied, in either dialect: nil is
// absent (or refused), and the ConfigMap's value applies.
type Traffic struct {
	// BodySize is the largest request body in bytes; 0: no limit.
	BodySize       *int64
	ConnectTimeout *time.Duration
	ReadTimeout    *time.Duration
	SendTimeout    *time.Duration
	// Buffering of responses and RequestBuffering of request bodies (on
	// = true); ClientBodyBufferSize in bytes; HTTPVersion "1.0" or "1.1",
	// "" if absent.
	Buffering            *bool
	RequestBuffering     *bool
	ClientBodyBufferSize *int64
	HTTPVersion          string

	// BufferSize, BuffersNumber (ingress-nginx: proxy_buffers of
	// BufferSize each), Buffers (NGINX Inc's "<number> <size>"),
	// BusyBuffersSize and MaxTempFileSize are the response buffers, sizes in
	// bytes (docs/annotations.md).
	BufferSize      *int64
	BuffersNumber   *int
	Buffers         *grammar.Buffers
	BusyBuffersSize *int64
	MaxTempFileSize *int64
	// NextUpstream are the retry conditions, nil if absent;
	// NextUpstreamTimeout and NextUpstreamTries bound retries, 0: no limit.
	NextUpstream        []string
	NextUpstreamTimeout *time.Duration
	NextUpstreamTries   *int
}

// EffectiveSSLRedirect is the ssl-redirect NGINX Inc would use and the key it
// came from: nginx.org/ssl-redirect, else ingress.kubernetes.io/ssl-redirect.
func (o NginxOrg) EffectiveSSLRedirect() (*bool, string) {
	if o.SSLRedirect != nil {
		return o.SSLRedirect, KeyOrgSSLRedirect
	}
	if o.LegacySSLRedirect != nil {
		return o.LegacySSLRedirect, KeyLegacySSLRedirect
	}
	return nil, ""
}

// CertManager holds the annotations cert-manager's ingress-shim reads.
type CertManager struct {
	Issuer        string // cert-manager.io/issuer
	ClusterIssuer string // cert-manager.io/cluster-issuer
	IssuerKind    string
	IssuerGroup   string
	// TLSACME is kubernetes.io/tls-acme.
	TLSACME *bool

	CommonName            *string
	AltNames              []string
	IPSANs                []string
	EmailSANs             []string
	Subject               Subject
	Duration              *time.Duration
	RenewBefore           *time.Duration
	RenewBeforePercentage *int32
	Usages                []cmapi.KeyUsage
	RevisionHistoryLimit  *int32

	PrivateKeyAlgorithm      cmapi.PrivateKeyAlgorithm
	PrivateKeyEncoding       cmapi.PrivateKeyEncoding
	PrivateKeySize           *int
	PrivateKeyRotationPolicy cmapi.PrivateKeyRotationPolicy
	SecretTemplate           *cmapi.CertificateSecretTemplate

	HTTP01EditInPlace      bool
	HTTP01IngressClass     string
	HTTP01IngressClassName string
}

// Subject is the X.509 subject cert-manager builds from subject-* annotations.
type Subject struct {
	Organizations       []string
	OrganizationalUnits []string
	Countries           []string
	Provinces           []string
	Localities          []string
	PostalCodes         []string
	StreetAddresses     []string
	SerialNumber        *string
}

// CertManagerTriggers reports whether the annotations make cert-manager's
// ingress-shim issue certificates for the Ingress: an issuer or cluster-issuer
// annotation (any value), or kubernetes.io/tls-acme: "true".
func (p Parsed) CertManagerTriggers() bool {
	c := p.CertManager
	return p.Has(KeyCMIssuer) || p.Has(KeyCMClusterIssuer) || (c.TLSACME != nil && *c.TLSACME)
}

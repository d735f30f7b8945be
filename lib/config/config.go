package config

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/seed-d040b84d/portcullis/lib/annotations"
	"github.com/seed-d040b84d/portcullis/lib/annotations/grammar"
	"github.com/seed-d040b84d/portcullis/lib/findings"
)

// DefaultSSLCiphers is ingress-nginx's default ssl-ciphers.
const DefaultSSLCiphers = "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:" +
	"ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:" +
	"ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:" +
	"DHE-RSA-AES256-GCM-SHA384:DHE-RSA-AES128-GCM-SHA256"

// Config is the global ConfigMap with defaults applied.
type Config struct {
	// SSLProtocols is ordered oldest first.
	SSLProtocols           []string
	SSLCiphers             string // ":"-separated
	SSLPreferServerCiphers bool
	SSLECDHCurve           string
	SSLSessionCache        bool
	SSLSessionCacheSize    int64 // bytes
	SSLSessionTimeout      time.Duration
	SSLSessionTickets      bool
	SSLBufferSize          int64 // bytes
	SSLRejectHandshake     bool

	HSTS                  bool
	HSTSMaxAge            int64 // seconds
	HSTSIncludeSubdomains bool
	HSTSPreload           bool

	SSLRedirect            bool
	ForceSSLRedirect       bool
	HTTPRedirectCode       int
	NoTLSRedirectLocations []string

	// AllowlistSourceRange and DenylistSourceRange are the client address
	// rules of every path whose Ingress sets none of its own (canonical
	// CIDRs; nil: none). whitelist-source-range is read into
	// AllowlistSourceRange.
	AllowlistSourceRange []string
	DenylistSourceRange  []string

	AllowCrossNamespaceResources bool
	// AllowCrossNamespaceHosts lets Ingresses of any namespace add to a host
	// another namespace owns (ingress-nginx's behaviour).
	AllowCrossNamespaceHosts bool
	AllowLegacyTLS           bool
	UseProxyProtocol         bool
	// UseForwardedHeaders takes the client address from X-Forwarded-For
	// when the connection comes from ProxyRealIPCIDR (an L7 load balancer).
	UseForwardedHeaders bool
	// ProxyRealIPCIDR are the trusted hops (canonical CIDRs).
	ProxyRealIPCIDR []string
	// GenerateRequestID sends a request ID nginx makes when the client
	// sent no X-Request-ID.
	GenerateRequestID bool

	// DisableAccessLog turns nginx's access log off.
	DisableAccessLog bool
	// LogFields are the access log's fields, in order (LogFieldNames).
	LogFields []string
	// LogJSON writes each access log line as a JSON object.
	LogJSON bool

	// WorkerProcesses is nginx's worker count, 0 for one per CPU (auto).
	WorkerProcesses int
	// MaxWorkerConnections is each worker's connection limit.
	MaxWorkerConnections int
	// MaxWorkerOpenFiles is each worker's open-file limit, 0 to compute it
	// from MaxWorkerConnections.
	MaxWorkerOpenFiles int
	// WorkerShutdownTimeout bounds how long the workers of a previous
	// configuration keep serving open connections after a reload.
	WorkerShutdownTimeout time.Duration
	// StaticCertificates loads every host's certificate when nginx
	// reloads (ssl-certificate-mode: static) instead of at each handshake.
	StaticCertificates bool

	// ProxyBodySize is the largest request body in bytes, 0 for no limit;
	// the proxy timeouts are the backends' (annotations override them).
	ProxyBodySize       int64
	ProxyConnectTimeout time.Duration
	ProxyReadTimeout    time.Duration
	ProxySendTimeout    time.Duration

	// The http level's response buffers and retries (docs/annotations.md);
	// sizes in bytes. ProxyBusyBuffersSize 0: nginx's default;
	// ProxyMaxTempFileSize 0: no temporary files; ProxyNextUpstreamTimeout
	// and ProxyNextUpstreamTries 0: no limit.
	ProxyBufferSize          int64
	ProxyBuffersNumber       int
	ProxyBusyBuffersSize     int64
	ProxyMaxTempFileSize     int64
	ProxyNextUpstream        []string
	ProxyNextUpstreamTimeout time.Duration
	ProxyNextUpstreamTries   int

	// DefaultIssuer is nil when there is none.
	DefaultIssuer *IssuerRef
	// DefaultCertificateAnnotations are cert-manager annotations the mutating
	// webhook may add (fill-if-absent) next to the default issuer.
	DefaultCertificateAnnotations map[string]string

	// Policies are the built-in Rego policies turned on.
	Policies []string
	// MinTLSVersion parameterises the min-tls-version policy.
	MinTLSVersion string
	// MaxCertificateLifetime parameterises the max-certificate-lifetime policy.
	MaxCertificateLifetime time.Duration
}

// PolicyEnabled reports whether the built-in policy name is on.
func (c Config) PolicyEnabled(name string) bool { return slices.Contains(c.Policies, name) }

// Row is one ConfigMap key.
type Row struct {
	Key     string
	Default string // parsed by Default(); "" = the zero value
	Doc     string
	Value   grammar.Field[Config]
	// Examples are accepted and refused values, run by the tests; With are
	// other keys of the same ConfigMap they need.
	Examples annotations.Examples
}

// Table returns the ConfigMap's keys in documentation order. The rows are
// shared; do not modify them.
func Table() []Row { return rows }

// Default returns the configuration of an empty ConfigMap.
func Default() Config {
	var c Config
	for _, r := range rows {
		if r.Default == "" {
			continue
		}
		if err := r.Value.Apply(&c, r.Default, grammar.Context{AllowLegacyTLS: true}); err != nil {
			panic(fmt.Sprintf("config: default of %s does not parse: %v", r.Key, err)) // a bug in the table; a test covers it
		}
	}
	return c
}

// Messages of the findings Parse reports about keys rather than values.
const (
	MsgUnknown = "unknown key"
	MsgSnippet = "raw nginx configuration is not accepted"
)

// Parse reads the ConfigMap's data over Default(). Unknown keys and values
// that do not match their grammar are errors on data[<key>] (the caller keeps
// its last good configuration); findings are sorted.
func Parse(data map[string]string) (Config, findings.Set) {
	c := Default()
	var s findings.Set
	ctx := grammar.Context{AllowLegacyTLS: data["allow-legacy-tls"] == "true"}
	for _, k := range sortedKeys(data) {
		v, path := data[k], Path(k)
		i := slices.IndexFunc(rows, func(r Row) bool { return r.Key == k })
		switch {
		case i >= 0:
			if err := rows[i].Value.Apply(&c, v, ctx); err != nil {
				s.Error(path, v, err.Error())
			}
		case strings.HasSuffix(k, "-snippet") || k == "allow-snippet-annotations":
			s.Error(path, v, MsgSnippet)
		default:
			s.Error(path, v, MsgUnknown+suggestKey(k))
		}
	}
	checkConfig(c, data, &s)
	s.Sort()
	return c, s
}

// Path is the field path of a ConfigMap key.
func Path(key string) *field.Path { return field.NewPath("data").Key(key) }

func suggestKey(k string) string {
	keys := make([]string, len(rows))
	for i, r := range rows {
		keys[i] = r.Key
	}
	if hint := grammar.Suggest(k, keys); hint != "" {
		return hint
	}
	return "; see docs/annotations.md for the keys portcullis reads"
}

// checkConfig applies rules between keys.
func checkConfig(c Config, data map[string]string, s *findings.Set) {
	if c.UseProxyProtocol && len(c.ProxyRealIPCIDR) == 0 {
		s.Error(Path("use-proxy-protocol"), "true", "needs proxy-real-ip-cidr: the addresses of the load balancer allowed to send PROXY headers (a client reaching the proxy directly could otherwise name any address)")
	}
	if c.UseProxyProtocol && c.UseForwardedHeaders {
		s.Error(Path("use-forwarded-headers"), "true", "is set with use-proxy-protocol: choose one (a layer-4 load balancer sends PROXY headers, a layer-7 one X-Forwarded-For)")
	}
	if c.UseForwardedHeaders && len(c.ProxyRealIPCIDR) == 0 {
		s.Error(Path("use-forwarded-headers"), "true", "needs proxy-real-ip-cidr: the addresses of the load balancer whose X-Forwarded-For is trusted (ingress-nginx's default, 0.0.0.0/0, would let every client choose its own address)")
	}
	if a, ok := data["allowlist-source-range"]; ok {
		if w, ok := data["whitelist-source-range"]; ok && a != w {
			s.Error(Path("whitelist-source-range"), w, "allowlist-source-range is set to another list; whitelist-source-range is its older name: keep one of them")
		}
	}
	for key, policy := range map[string]string{"min-tls-version": "min-tls-version", "max-certificate-lifetime": "max-certificate-lifetime"} {
		if _, set := data[key]; set && !c.PolicyEnabled(policy) {
			s.Warnf(Path(key), "has no effect unless policies includes %q", policy)
		}
	}
	checkBuffers(c, data, s)
	if _, set := data["hsts-preload"]; set && c.HSTSPreload && (!c.HSTSIncludeSubdomains || c.HSTSMaxAge < 31536000) {
		s.Warn(Path("hsts-preload"), "browsers' preload lists require hsts-include-subdomains: \"true\" and hsts-max-age of at least 31536000")
	}
}

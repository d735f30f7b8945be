package annotations

import "slices"

// known builds Known entries without hints.
func known(keys ...string) []Known {
	out := make([]Known, len(keys))
	for i, k := range keys {
		out[i] = Known{Key: k}
	}
	return out
}

// ingressNginxNotImplemented are the ingress-nginx annotations (v1.15, the
// last release, plus keys older releases read) that portcullis recognises but
// does not implement: they are ignored with a warning, except the access
// control keys, which are refused (cannotEnforce).
var ingressNginxNotImplemented = slices.Concat(known(
	// Aliases.
	"server-alias",
	// Canary.
	"canary", "canary-by-cookie", "canary-by-header", "canary-by-header-pattern",
	"canary-by-header-value", "canary-weight", "canary-weight-total",
	// Headers and cookies.
	"custom-headers", "connection-proxy-header", "proxy-cookie-domain", "proxy-cookie-path",
	// Load balancing and session affinity.
	"load-balance", "upstream-hash-by", "upstream-hash-by-subset", "upstream-hash-by-subset-size",
	"affinity", "affinity-mode", "affinity-canary-behavior",
	"session-cookie-name", "session-cookie-path", "session-cookie-domain",
	"session-cookie-expires", "session-cookie-max-age", "session-cookie-samesite",
	"session-cookie-conditional-samesite-none", "session-cookie-change-on-failure",
	"session-cookie-partitioned", "session-cookie-secure",
	// Rate limiting.
	"limit-connections", "limit-rps", "limit-rpm", "limit-rate", "limit-rate-after",
	"limit-burst-multiplier", "limit-allowlist",
	// Mirroring, FastCGI, logs, tracing, WAF.
	"mirror-target", "mirror-host", "mirror-request-body",
	"fastcgi-index", "fastcgi-params-configmap",
	"enable-access-log", "enable-rewrite-log",
	"enable-opentelemetry", "opentelemetry-operation-name", "opentelemetry-trust-incoming-span",
	"enable-modsecurity", "enable-owasp-core-rules", "modsecurity-transaction-id",
	"http2-push-preload",
	// Keys of older ingress-nginx releases.
	"enable-opentracing", "opentracing-operation-name", "opentracing-location-operation-name",
	"opentracing-trust-incoming-span",
	"enable-influxdb", "influxdb-measurement", "influxdb-port", "influxdb-host", "influxdb-server-name",
	"global-rate-limit", "global-rate-limit-window", "global-rate-limit-key", "global-rate-limit-ignored-cidrs",
	"limit-whitelist", "upstream-max-fails", "upstream-fail-timeout",
	"add-base-url", "base-url-scheme", "session-cookie-hash",
	"lua-resty-waf", "lua-resty-waf-debug", "lua-resty-waf-ignore-rulesets", "lua-resty-waf-extra-rules",
	"lua-resty-waf-allow-unknown-content-types", "lua-resty-waf-score-threshold",
	"lua-resty-waf-process-multipart-body",
),
	// Authentication portcullis does not enforce yet: refused, since
	// ignoring it would serve the host to every client.
	cannotEnforce("auth-signin-redirect-param",
		"auth-request-redirect", "auth-proxy-set-headers",
		"auth-cache-key", "auth-cache-duration", "auth-always-set-cookie",
		"auth-keepalive", "auth-keepalive-requests", "auth-keepalive-share-vars", "auth-keepalive-timeout",
		"enable-global-auth"),
	[]Known{{Key: "secure-backends", Hint: `removed from ingress-nginx in 0.21; use backend-protocol: "HTTPS"`},
		{Key: "grpc-backend", Hint: `removed from ingress-nginx in 0.21; use backend-protocol: "GRPC"`},
		{Key: "secure-verify-ca-secret", Hint: `removed from ingress-nginx; use proxy-ssl-secret with proxy-ssl-verify: "on"`}},
)

// MsgCannotEnforce is the refusal of an access-control key portcullis does
// not implement.
const MsgCannotEnforce = "portcullis cannot enforce this; the host would be served without it, so the Ingress is refused"

// cannotEnforce builds Known entries for access-control keys portcullis does
// not implement: errors, never warnings (docs/security.md).
func cannotEnforce(keys ...string) []Known {
	out := make([]Known, len(keys))
	for i, k := range keys {
		out[i] = Known{Key: k, Deny: true, Hint: MsgCannotEnforce}
	}
	return out
}

// nginxOrgNotImplemented are the NGINX Inc Ingress annotations portcullis
// recognises but does not implement.
var nginxOrgNotImplemented = slices.Concat(known(
	"nginx.org/lb-method", "nginx.org/upstream-zone-size",
	"nginx.org/listen-ports", "nginx.org/listen-ports-ssl",
	"nginx.org/keepalive", "nginx.org/max-fails", "nginx.org/max-conns", "nginx.org/fail-timeout",
	"nginx.org/use-cluster-ip",
	"nginx.org/limit-req-rate", "nginx.org/limit-req-key", "nginx.org/limit-req-zone-size",
	"nginx.org/limit-req-delay", "nginx.org/limit-req-no-delay", "nginx.org/limit-req-burst",
	"nginx.org/limit-req-dry-run", "nginx.org/limit-req-log-level", "nginx.org/limit-req-reject-code",
	"nginx.org/limit-req-scale",
	"nginx.com/health-checks", "nginx.com/health-checks-mandatory", "nginx.com/health-checks-mandatory-queue",
	"nginx.com/slow-start", "nginx.com/sticky-cookie-services",
),
	// NGINX's annotations page lists this spelling too, beside nginx.com/.
	known("nginx.org/sticky-cookie-services"),
	cannotEnforce("nginx.com/jwt-realm", "nginx.com/jwt-key", "nginx.com/jwt-token", "nginx.com/jwt-login-url"),
	[]Known{
		{Key: "nginx.org/http-redirect-code", Hint: "portcullis uses the ConfigMap's http-redirect-code (308)"},
		{Key: "nginx.org/websocket-services", Hint: "not needed: every path of portcullis passes WebSockets"},
		{Key: "nginx.com/policies", Deny: true,
			Hint: "portcullis reads ingressMTLS and egressMTLS policies from nginx.org/policies only; move them there (ignoring this key could silently drop client authentication)"},
	},
)

// certManagerNotImplemented are cert-manager annotation keys that belong on
// other objects (Certificates, Secrets, Gateways, CRDs): cert-manager's
// ingress-shim does not read them on an Ingress.
var certManagerNotImplemented = append(known(
	"cert-manager.io/uri-sans", "cert-manager.io/certificate-name", "cert-manager.io/issue-temporary-certificate",
	"cert-manager.io/private-key-secret-name", "cert-manager.io/certificate-revision",
	"cert-manager.io/next-private-key", "cert-manager.io/ignore-tls-listeners",
	"cert-manager.io/inject-ca-from", "cert-manager.io/inject-ca-from-secret",
	"cert-manager.io/inject-apiserver-ca", "cert-manager.io/allow-direct-injection",
	"acme.cert-manager.io/http01-override-ingress-name", "acme.cert-manager.io/http01-override-ingress-class",
	"acme.cert-manager.io/http01-override-ingress-ingressclassname",
),
	Known{Key: "cert-manager.io/issuer-name", Hint: "on an Ingress, name the issuer with cert-manager.io/issuer or cert-manager.io/cluster-issuer"},
)

package annotations

import (
	"slices"

	"github.com/seed-d040b84d/portcullis/lib/annotations/grammar"
	"github.com/seed-d040b84d/portcullis/lib/nginxpolicy"
)

// NGINX Inc keys portcullis implements.
const (
	KeyOrgPolicies               = "nginx.org/policies"
	KeyOrgSSLServices            = "nginx.org/ssl-services"
	KeyOrgGRPCServices           = "nginx.org/grpc-services"
	KeyOrgRedirectToHTTPS        = "nginx.org/redirect-to-https"
	KeyOrgSSLRedirect            = "nginx.org/ssl-redirect"
	KeyLegacySSLRedirect         = "ingress.kubernetes.io/ssl-redirect"
	KeyOrgHSTS                   = "nginx.org/hsts"
	KeyOrgHSTSMaxAge             = "nginx.org/hsts-max-age"
	KeyOrgHSTSIncludeSubdomains  = "nginx.org/hsts-include-subdomains"
	KeyOrgHSTSBehindProxy        = "nginx.org/hsts-behind-proxy"
	KeyOrgSSLCiphers             = "nginx.org/ssl-ciphers"
	KeyOrgSSLPreferServerCiphers = "nginx.org/ssl-prefer-server-ciphers"
	KeyOrgMergeableIngressType   = "nginx.org/mergeable-ingress-type"
	KeyOrgBasicAuthSecret        = "nginx.org/basic-auth-secret"
	KeyOrgBasicAuthRealm         = "nginx.org/basic-auth-realm"
	KeyOrgPathRegex              = "nginx.org/path-regex"
)

// withHSTS is the context the HSTS detail rows' examples need.
var withHSTS = map[string]string{KeyOrgHSTS: "true"}

var nginxOrgTable = (&Table{
	Dialect:  DialectNginxOrg,
	Title:    "NGINX Inc (`nginx.org/`)",
	Intro:    "NGINX Ingress Controller's annotations (`nginx.org/`, the NGINX Plus `nginx.com/` keys, and the deprecated `ingress.kubernetes.io/ssl-redirect`). portcullis is stricter than NGINX Inc: booleans are exactly `true` or `false` (NGINX Inc also takes `True`, `1`, `t`) and every value is validated.",
	Prefixes: []string{"nginx.org", "nginx.com"},
	Keys:     []string{KeyLegacySSLRedirect},
	Rows: slices.Concat([]Row{
		{
			Key: KeyOrgPolicies, Scope: ScopeIngress,
			Doc:      "Policies (`k8s.nginx.org/v1`) applied to the Ingress; a name without namespace is in the Ingress's namespace. Only `ingressMTLS` (client certificates, host level) and `egressMTLS` (TLS to the backends) policies are supported. A missing policy fails closed.",
			Value:    grammar.Bind(grammar.RefList, func(p *Parsed, v []Ref) { p.Org.Policies = v }),
			Examples: Examples{Good: good("ingress-mtls", "ingress-mtls, other/egress-mtls"), Bad: bad("a,,b", "is empty", "/egress", `must be "name" or "namespace/name"`, "Ingress_MTLS", "not a valid object name")},
		},
		{
			Key: KeyOrgBasicAuthSecret, Scope: ScopePath,
			Doc:      "Secret (type `nginx.org/htpasswd`, key `htpasswd`) in the Ingress's namespace with the users of HTTP basic authentication on this Ingress's paths (401 with `WWW-Authenticate` otherwise). Plaintext and DES crypt lines are refused, MD5 and SHA-1 warned about. Not allowed on a mergeable master: set it on the minions. A missing secret fails the paths closed (503).",
			Value:    grammar.Bind(grammar.Subdomain("secret name"), func(p *Parsed, v string) { p.Org.BasicAuthSecret = v }),
			Examples: Examples{Good: good("htpasswd"), Bad: bad("default/htpasswd", "not a valid secret name", "", "must not be empty")},
		},
		{
			Key: KeyOrgBasicAuthRealm, Default: nginxpolicy.DefaultRealm, Scope: ScopePath,
			Doc:      "The realm sent in `WWW-Authenticate`; requires `nginx.org/basic-auth-secret`.",
			Value:    grammar.Bind(grammar.Realm, func(p *Parsed, v string) { p.Org.BasicAuthRealm = v }),
			Examples: Examples{Good: good("Staff only"), Bad: bad(`x";`, "is not allowed in a realm"), With: map[string]string{KeyOrgBasicAuthSecret: "htpasswd"}},
		},
		{
			Key: KeyOrgSSLServices, Scope: ScopePath,
			Doc:      "Services of this Ingress whose backends are proxied over TLS (HTTPS, or GRPCS with `nginx.org/grpc-services`). Each must be a backend of the Ingress.",
			Value:    grammar.Bind(grammar.ServiceList, func(p *Parsed, v []string) { p.Org.SSLServices = v }),
			Examples: Examples{Good: good("web", "web,api"), Bad: bad("web, api", "not a valid service name", "web,", "is empty", "Web", "not a valid service name")},
		},
		{
			Key: KeyOrgGRPCServices, Scope: ScopePath,
			Doc:      "Services of this Ingress whose backends speak gRPC.",
			Value:    grammar.Bind(grammar.ServiceList, func(p *Parsed, v []string) { p.Org.GRPCServices = v }),
			Examples: Examples{Good: good("grpc-api"), Bad: bad("grpc_api", "not a valid service name")},
		},
		{
			Key: KeyOrgRedirectToHTTPS, Default: "ConfigMap `force-ssl-redirect` (false)", Scope: ScopeHost,
			Doc:      "Redirect to HTTPS when the request's `X-Forwarded-Proto` is `http`, i.e. TLS is terminated by a load balancer in front: the same setting as ingress-nginx's `force-ssl-redirect`. Not allowed on a mergeable minion.",
			Value:    grammar.Bind(grammar.Bool, func(p *Parsed, v bool) { p.Org.RedirectToHTTPS = &v }),
			Examples: Examples{Good: good("true"), Bad: bad("True", `did you mean "true"?`)},
		},
		{
			Key: KeyOrgSSLRedirect, Default: "ConfigMap `ssl-redirect` (true)", Scope: ScopeHost,
			Doc:      "Redirect plain HTTP to HTTPS on hosts that have TLS: the same setting as ingress-nginx's `ssl-redirect`. Not allowed on a mergeable minion.",
			Value:    grammar.Bind(grammar.Bool, func(p *Parsed, v bool) { p.Org.SSLRedirect = &v }),
			Examples: Examples{Good: good("false"), Bad: bad("no", `did you mean "false"?`)},
		},
		{
			Key: KeyLegacySSLRedirect, Default: "ConfigMap `ssl-redirect` (true)", Scope: ScopeHost,
			Doc:      "Deprecated spelling of `nginx.org/ssl-redirect`, read only when that is absent (a warning says so; both set to different values is an error).",
			Value:    grammar.Bind(grammar.Bool, func(p *Parsed, v bool) { p.Org.LegacySSLRedirect = &v }),
			Examples: Examples{Good: good("false"), Bad: bad("False", `did you mean "false"?`)},
		},
		{
			Key: KeyOrgHSTS, Default: "ConfigMap `hsts` (true)", Scope: ScopeHost,
			Doc:      "Send `Strict-Transport-Security` on HTTPS responses of the host (NGINX Inc's default is off, portcullis follows its ConfigMap).",
			Value:    grammar.Bind(grammar.Bool, func(p *Parsed, v bool) { p.Org.HSTS = &v }),
			Examples: Examples{Good: good("true", "false"), Bad: bad("enabled", boolMsg)},
		},
		{
			Key: KeyOrgHSTSMaxAge, Default: "ConfigMap `hsts-max-age` (31536000)", Scope: ScopeHost,
			Doc:      "HSTS `max-age` in seconds. Requires `nginx.org/hsts`.",
			Value:    grammar.Bind(grammar.Int64Min(0), func(p *Parsed, v int64) { p.Org.HSTSMaxAge = &v }),
			Examples: Examples{Good: good("31536000", "0"), Bad: bad("-1", "integer ≥ 0", "1y", `got "1y"`), With: withHSTS},
		},
		{
			Key: KeyOrgHSTSIncludeSubdomains, Default: "ConfigMap `hsts-include-subdomains` (true)", Scope: ScopeHost,
			Doc:      "Add `includeSubDomains` to HSTS. Requires `nginx.org/hsts`.",
			Value:    grammar.Bind(grammar.Bool, func(p *Parsed, v bool) { p.Org.HSTSIncludeSubdomains = &v }),
			Examples: Examples{Good: good("true"), Bad: bad("yes", `did you mean "true"?`), With: withHSTS},
		},
		{
			Key: KeyOrgHSTSBehindProxy, Default: "false", Scope: ScopeHost,
			Doc:      "Decide whether a request was HTTPS from `X-Forwarded-Proto` (TLS terminated in front). Requires `nginx.org/hsts`.",
			Value:    grammar.Bind(grammar.Bool, func(p *Parsed, v bool) { p.Org.HSTSBehindProxy = &v }),
			Examples: Examples{Good: good("false"), Bad: bad("0", `did you mean "false"?`), With: withHSTS},
		},
		{
			Key: KeyOrgSSLCiphers, Default: "ConfigMap `ssl-ciphers`", Scope: ScopeHost,
			Doc:      "OpenSSL cipher list offered to clients of the host; as ingress-nginx's `ssl-ciphers`. Lists that select weak ciphers (NULL, anonymous, export, RC4, DES, 3DES, MD5) or none are refused: see docs/security.md.",
			Value:    grammar.Bind(grammar.Ciphers, func(p *Parsed, v string) { p.Org.SSLCiphers = v }),
			Examples: Examples{Good: good("HIGH:!aNULL"), Bad: bad("HIGH:!aNULL; ssl_protocols SSLv3", "not allowed in a cipher string", "RC4-MD5", `"RC4-MD5" adds RC4 ciphers`)},
		},
		{
			Key: KeyOrgSSLPreferServerCiphers, Default: "ConfigMap `ssl-prefer-server-ciphers` (true)", Scope: ScopeHost,
			Doc:      "Prefer the server's cipher order; as ingress-nginx's `ssl-prefer-server-ciphers`.",
			Value:    grammar.Bind(grammar.Bool, func(p *Parsed, v bool) { p.Org.SSLPreferServerCiphers = &v }),
			Examples: Examples{Good: good("true"), Bad: bad("on", `did you mean "true"?`)},
		},
		{
			Key: KeyOrgMergeableIngressType, Scope: ScopeIngress,
			Doc:      "`master`: one rule with a host and no paths; holds the TLS block, host-level annotations and policies. `minion`: one rule with paths and no TLS block; host-level annotations on a minion are refused (NGINX Inc drops them silently), path-level ones on a master too.",
			Value:    grammar.Bind(grammar.Enum("master", "minion"), func(p *Parsed, v string) { p.Org.MergeableIngressType = v }),
			Examples: Examples{Good: good("master", "minion"), Bad: bad("minon", `did you mean "minion"?`, "Master", `did you mean "master"?`)},
		},
		{
			Key: KeyOrgPathRegex, Scope: ScopePath,
			Doc:      "How the Ingress's paths match: `case_sensitive` (`location ~ \"^<path>\"`) and `case_insensitive` (`~*`) make them regular expressions in portcullis's bounded grammar (docs/reference.md#regex-paths), `exact` (`=`) makes each an exact path. Only this Ingress's paths change; regular expressions are written longest path first and take precedence over prefix paths, as in nginx.",
			Value:    grammar.Bind(grammar.Enum("case_sensitive", "case_insensitive", "exact"), func(p *Parsed, v string) { p.Org.PathRegex = v }),
			Examples: Examples{Good: good("case_sensitive", "case_insensitive", "exact"), Bad: bad("true", `allowed: "case_sensitive"`, "Exact", `did you mean "exact"?`)},
		},
	}, nginxOrgTrafficRows, nginxOrgErrorRows, nginxOrgRedirectRows, nginxOrgBufferRows, nginxOrgHeaderRows),
	Snippets:       []string{"nginx.org/server-snippets", "nginx.org/location-snippets"},
	NotImplemented: nginxOrgNotImplemented,
}).build()

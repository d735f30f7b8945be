package annotations

import (
	"slices"
	"strconv"
	"strings"

	"github.com/seed-d040b84d/portcullis/lib/annotations/grammar"
	"github.com/seed-d040b84d/portcullis/lib/nginxpolicy"
)

// ingress-nginx keys portcullis implements, without the prefix.
const (
	KeySSLRedirect                      = "ssl-redirect"
	KeyForceSSLRedirect                 = "force-ssl-redirect"
	KeySSLPassthrough                   = "ssl-passthrough"
	KeyBackendProtocol                  = "backend-protocol"
	KeyUseRegex                         = "use-regex"
	KeyRewriteTarget                    = "rewrite-target"
	KeyProxySSLSecret                   = "proxy-ssl-secret"
	KeyProxySSLVerify                   = "proxy-ssl-verify"
	KeyProxySSLVerifyDepth              = "proxy-ssl-verify-depth"
	KeyProxySSLName                     = "proxy-ssl-name"
	KeyProxySSLServerName               = "proxy-ssl-server-name"
	KeyProxySSLProtocols                = "proxy-ssl-protocols"
	KeyProxySSLCiphers                  = "proxy-ssl-ciphers"
	KeyAuthTLSSecret                    = "auth-tls-secret"
	KeyAuthTLSVerifyClient              = "auth-tls-verify-client"
	KeyAuthTLSVerifyDepth               = "auth-tls-verify-depth"
	KeyAuthTLSErrorPage                 = "auth-tls-error-page"
	KeyAuthTLSPassCertificateToUpstream = "auth-tls-pass-certificate-to-upstream"
	KeyAuthTLSMatchCN                   = "auth-tls-match-cn"
	KeySSLCiphers                       = "ssl-ciphers"
	KeySSLPreferServerCiphers           = "ssl-prefer-server-ciphers"
	KeyServiceUpstream                  = "service-upstream"
	KeyAllowlistSourceRange             = "allowlist-source-range"
	KeyWhitelistSourceRange             = "whitelist-source-range"
	KeyDenylistSourceRange              = "denylist-source-range"
	KeyAuthType                         = "auth-type"
	KeyAuthSecret                       = "auth-secret"
	KeyAuthSecretType                   = "auth-secret-type"
	KeyAuthRealm                        = "auth-realm"
	KeySatisfy                          = "satisfy"
	KeyAuthURL                          = "auth-url"
	KeyAuthMethod                       = "auth-method"
	KeyAuthSignin                       = "auth-signin"
	KeyAuthResponseHeaders              = "auth-response-headers"
)

// Values of ingress-nginx's backend-protocol that portcullis refuses.
var refusedBackendProtocols = map[string]string{
	"AUTO_HTTP": "not supported by portcullis (it never guesses the protocol of a backend)",
	"FCGI":      "not supported by portcullis (FastCGI backends are out of scope)",
	"AJP":       "not supported by portcullis (removed from ingress-nginx too)",
}

const boolMsg = `must be "true" or "false"`

// Context the examples of rows that depend on another key need.
var (
	withAuthTLSSecret  = map[string]string{DefaultPrefix + "/" + KeyAuthTLSSecret: "default/client-ca"}
	withProxySSLSecret = map[string]string{DefaultPrefix + "/" + KeyProxySSLSecret: "default/backend-ca"}
	withAuthType       = map[string]string{DefaultPrefix + "/" + KeyAuthType: "basic", DefaultPrefix + "/" + KeyAuthSecret: "basic-auth"}
	withAuthSecret     = map[string]string{DefaultPrefix + "/" + KeyAuthSecret: "basic-auth"}
	withAuthURL        = map[string]string{DefaultPrefix + "/" + KeyAuthURL: "http://auth.example.com/check"}
)

var ingressNginxTable = (&Table{
	Dialect:  DialectIngressNginx,
	Title:    "ingress-nginx (`nginx.ingress.kubernetes.io/`)",
	Intro:    "The prefix is `nginx.ingress.kubernetes.io` unless the controller runs with `--annotations-prefix`. Booleans are exactly `true` or `false`; enumerations are exact lower-case words unless said otherwise; values are never trimmed.",
	Prefixes: []string{DefaultPrefix},
	Rows: slices.Concat([]Row{
		{
			Key: KeySSLRedirect, Default: "ConfigMap `ssl-redirect` (true)", Scope: ScopeHost,
			Doc:      "Redirect plain HTTP to HTTPS on hosts that have a TLS block, with ConfigMap `http-redirect-code` (308).",
			Value:    grammar.Bind(grammar.Bool, func(p *Parsed, v bool) { p.Nginx.SSLRedirect = &v }),
			Examples: Examples{Good: good("true", "false"), Bad: bad("True", `must be "true" or "false", got "True"; did you mean "true"?`, " true", boolMsg, "yes", `did you mean "true"?`)},
		},
		{
			Key: KeyForceSSLRedirect, Default: "ConfigMap `force-ssl-redirect` (false)", Scope: ScopeHost,
			Doc:      "Redirect plain HTTP to HTTPS even when the Ingress has no TLS block (TLS terminated in front of portcullis).",
			Value:    grammar.Bind(grammar.Bool, func(p *Parsed, v bool) { p.Nginx.ForceSSLRedirect = &v }),
			Examples: Examples{Good: good("true"), Bad: bad("1", `did you mean "true"?`)},
		},
		{
			Key: KeySSLPassthrough, Default: "false", Scope: ScopeHost,
			Doc:      "Route TLS connections for the host by SNI to the backend of its single `/` path without terminating TLS. Requires `--enable-ssl-passthrough`; other HTTP-level annotations are then ignored.",
			Value:    grammar.Bind(grammar.Bool, func(p *Parsed, v bool) { p.Nginx.SSLPassthrough = &v }),
			Examples: Examples{Good: good("true", "false"), Bad: bad("on", `did you mean "true"?`)},
		},
		{
			Key: KeyBackendProtocol, Default: "HTTP", Scope: ScopePath,
			Doc:      "Protocol spoken to the backends: `HTTPS` and `GRPCS` re-encrypt (see `proxy-ssl-*`). Any case is accepted and stored upper case; `AUTO_HTTP`, `FCGI` and `AJP` are refused.",
			Value:    grammar.Bind(grammar.EnumUpper([]string{"HTTP", "HTTPS", "GRPC", "GRPCS"}, refusedBackendProtocols), func(p *Parsed, v string) { p.Nginx.BackendProtocol = v }),
			Examples: Examples{Good: good("HTTPS", "grpcs", "Http"), Bad: bad("FCGI", "not supported by portcullis", "AUTO_HTTP", "not supported by portcullis", "HTTPSS", `did you mean "HTTPS"?`, "HTTPS ", `did you mean "HTTPS"?`)},
		},
		{
			Key: KeyUseRegex, Default: "false", Scope: ScopeHost,
			Doc:      "The Ingress's paths are case-insensitive regular expressions (`location ~* \"^<path>\"`) in portcullis's bounded grammar (docs/reference.md#regex-paths). Every path of the host, whichever Ingress it comes from, then becomes a regular-expression location, longest path first.",
			Value:    grammar.Bind(grammar.Bool, func(p *Parsed, v bool) { p.Nginx.UseRegex = &v }),
			Examples: Examples{Good: good("true", "false"), Bad: bad("yes", `did you mean "true"?`)},
		},
		{
			Key: KeyRewriteTarget, Scope: ScopePath,
			Doc:      "The path sent to the backend: the request path matched by the path's regular expression is replaced with this, `$1` to `$9` being its captures (`/api/(.*)` with `/$1` sends `/api/users` as `/users`). Implies `use-regex`. A capture the path does not have is refused.",
			Value:    grammar.Bind(grammar.RewriteTarget, func(p *Parsed, v string) { p.Nginx.RewriteTarget = v }),
			Examples: Examples{Good: good("/$1", "/", "/v2/$1/$2", "/$1.html"), Bad: bad("/$host", "must be a capture", "/$1;}", "is not allowed", "$1", "must be an absolute path", "/$10", "must be a capture", "/a b", "is not allowed")},
		},
		{
			Key: KeyProxySSLSecret, Scope: ScopePath,
			Doc:      "Secret with `ca.crt` to verify the backend's certificate, and optionally `tls.crt`/`tls.key`: the client certificate presented to the backend. Another namespace only with ConfigMap `allow-cross-namespace-resources: \"true\"`.",
			Value:    grammar.Bind(grammar.ObjectRef, func(p *Parsed, v Ref) { p.Nginx.ProxySSLSecret = &v }),
			Examples: Examples{Good: good("default/backend-ca", "/backend-ca"), Bad: bad("backend-ca", `must be "namespace/name"`, "a/b/c", `must be "namespace/name"`, "Default/ca", "not a valid namespace name", "ns/", "empty")},
		},
		{
			Key: KeyProxySSLVerify, Default: "off", Scope: ScopePath,
			Doc:      "Verify the backend's certificate against `proxy-ssl-secret`'s `ca.crt`. `on` without `proxy-ssl-secret` is refused; `off` with an HTTPS/GRPCS backend is warned about.",
			Value:    grammar.Bind(grammar.OnOff, func(p *Parsed, v bool) { p.Nginx.ProxySSLVerify = &v }),
			Examples: Examples{Good: good("on", "off"), Bad: bad("true", `must be "on" or "off", got "true"; did you mean "on"?`, "ON", `did you mean "on"?`), With: withProxySSLSecret},
		},
		{
			Key: KeyProxySSLVerifyDepth, Default: strconv.Itoa(DefaultProxySSLVerifyDepth), Scope: ScopePath,
			Doc:      "Maximum length of the backend's certificate chain.",
			Value:    grammar.Bind(grammar.IntRange(1, 10), func(p *Parsed, v int) { p.Nginx.ProxySSLVerifyDepth = &v }),
			Examples: Examples{Good: good("1", "10"), Bad: bad("0", "an integer from 1 to 10", "11", `got "11"`, "+2", "integer")},
		},
		{
			Key: KeyProxySSLName, Default: "the upstream host", Scope: ScopePath,
			Doc:      "Name to verify the backend's certificate against, and to send as SNI with `proxy-ssl-server-name: on`.",
			Value:    grammar.Bind(grammar.DNSName, func(p *Parsed, v string) { p.Nginx.ProxySSLName = v }),
			Examples: Examples{Good: good("backend.default.svc", "api.example.com"), Bad: bad("$host", "not a valid DNS name", "*.example.com", "without wildcard", "Api.example.com", "not a valid DNS name")},
		},
		{
			Key: KeyProxySSLServerName, Default: "off", Scope: ScopePath,
			Doc:      "Send SNI to the backend (`proxy-ssl-name`, else the upstream host).",
			Value:    grammar.Bind(grammar.OnOff, func(p *Parsed, v bool) { p.Nginx.ProxySSLServerName = &v }),
			Examples: Examples{Good: good("on", "off"), Bad: bad("of", `did you mean "off"?`)},
		},
		{
			Key: KeyProxySSLProtocols, Default: strings.Join(nginxpolicy.DefaultProtocols(), " "), Scope: ScopePath,
			Doc:      "TLS versions offered to the backend. `TLSv1` and `TLSv1.1` only with ConfigMap `allow-legacy-tls: \"true\"`.",
			Value:    grammar.Bind(grammar.Protocols, func(p *Parsed, v []string) { p.Nginx.ProxySSLProtocols = v }),
			Examples: Examples{Good: good("TLSv1.3", "TLSv1.2 TLSv1.3", "TLSv1.3 TLSv1.2"), Bad: bad("TLSv1.1 TLSv1.2", "allow-legacy-tls", "TLS1.3", `did you mean "TLSv1.3"?`, "TLSv1.2,TLSv1.3", "unknown protocol", "TLSv1.2  TLSv1.3", "empty entry")},
		},
		{
			Key: KeyProxySSLCiphers, Default: DefaultProxySSLCiphers, Scope: ScopePath,
			Doc:      "OpenSSL cipher list for TLS 1.2 connections to the backend. Lists that select weak ciphers (NULL, anonymous, export, RC4, DES, 3DES, MD5) or none are refused: see docs/security.md.",
			Value:    grammar.Bind(grammar.Ciphers, func(p *Parsed, v string) { p.Nginx.ProxySSLCiphers = v }),
			Examples: Examples{Good: good("DEFAULT", "HIGH:!aNULL:!MD5", "ECDHE-RSA-AES128-GCM-SHA256 @SECLEVEL=2"), Bad: bad("HIGH;", "not allowed in a cipher string", "HIGH::MEDIUM", "empty entry", "@SECLEVEL=9", `"@" may only start`, "HIGH:!aNULL:eNULL", `"eNULL" adds ciphers without encryption`)},
		},
		{
			Key: KeyAuthTLSSecret, Scope: ScopeHost,
			Doc:      "CA secret (`ca.crt`, optional `ca.crl`) that client certificates must chain to: turns on client certificate authentication (mTLS) for the host. Requires a TLS block for the host. A missing secret fails closed.",
			Value:    grammar.Bind(grammar.ObjectRef, func(p *Parsed, v Ref) { p.Nginx.AuthTLSSecret = &v }),
			Examples: Examples{Good: good("default/client-ca", "/client-ca"), Bad: bad("client-ca", `must be "namespace/name"`, "default/Client_CA", "not a valid object name")},
		},
		{
			Key: KeyAuthTLSVerifyClient, Default: DefaultAuthTLSVerifyClient, Scope: ScopeHost,
			Doc:      "`on`: a valid client certificate is required (400 otherwise); `optional`: verified when sent; `optional_no_ca`: requested, not verified; `off`: not requested. Every `auth-tls-*` key except `auth-tls-verify-client: off` requires `auth-tls-secret`.",
			Value:    grammar.Bind(grammar.Enum("on", "off", "optional", "optional_no_ca"), func(p *Parsed, v string) { p.Nginx.AuthTLSVerifyClient = v }),
			Examples: Examples{Good: good("on", "optional", "optional_no_ca", "off"), Bad: bad("optinal", `did you mean "optional"?`, "true", `allowed: "on", "off", "optional" or "optional_no_ca"`, "ON", `did you mean "on"?`), With: withAuthTLSSecret},
		},
		{
			Key: KeyAuthTLSVerifyDepth, Default: strconv.Itoa(DefaultAuthTLSVerifyDepth), Scope: ScopeHost,
			Doc:      "Maximum length of the client certificate chain.",
			Value:    grammar.Bind(grammar.IntRange(1, 10), func(p *Parsed, v int) { p.Nginx.AuthTLSVerifyDepth = &v }),
			Examples: Examples{Good: good("2"), Bad: bad("0", "an integer from 1 to 10", "two", `got "two"`), With: withAuthTLSSecret},
		},
		{
			Key: KeyAuthTLSErrorPage, Scope: ScopeHost,
			Doc:      "Where to redirect a client whose certificate is missing or invalid (nginx's 495/496) instead of answering 400.",
			Value:    grammar.Bind(grammar.HTTPURL, func(p *Parsed, v string) { p.Nginx.AuthTLSErrorPage = v }),
			Examples: Examples{Good: good("https://login.example.com/mtls-error", "http://errors.example.com:8080/x?y=1"), Bad: bad("/error", `must start with "https://"`, "https://example.com/a;b", "not allowed in a URL", "https://", "must name a host", "ftp://example.com/", `must start with "https://"`), With: withAuthTLSSecret},
		},
		{
			Key: KeyAuthTLSPassCertificateToUpstream, Default: "false", Scope: ScopeHost,
			Doc:      "Pass the client certificate to the backends in the `ssl-client-cert` header (URL-escaped PEM).",
			Value:    grammar.Bind(grammar.Bool, func(p *Parsed, v bool) { p.Nginx.AuthTLSPassCertificateToUpstream = &v }),
			Examples: Examples{Good: good("true"), Bad: bad("TRUE", `did you mean "true"?`), With: withAuthTLSSecret},
		},
		{
			Key: KeyAuthTLSMatchCN, Scope: ScopeHost,
			Doc:      "Regular expression the client certificate's subject CN must match (anchored; 403 otherwise). Only letters, digits, space, `. , _ * + ? ( ) | ^ $ \\ = -`, classes `[...]` and counts `{n,m}`.",
			Value:    grammar.Bind(grammar.MatchCN, func(p *Parsed, v string) { p.Nginx.AuthTLSMatchCN = v }),
			Examples: Examples{Good: good("CN=client", "CN=(alice|bob)\\.example\\.com", "CN=^svc-[a-z0-9]{3,8}$"), Bad: bad("client", `must start with "CN="`, `CN=a"; return 200;`, "not allowed in auth-tls-match-cn", "CN=a{x}", "not a count", "CN=(a", "not a valid regular expression", "CN=", "needs a regular expression"), With: withAuthTLSSecret},
		},
		{
			Key: KeySSLCiphers, Default: "ConfigMap `ssl-ciphers`", Scope: ScopeHost,
			Doc:      "OpenSSL cipher list offered to clients of the host (TLS 1.2 and below). Lists that select weak ciphers (NULL, anonymous, export, RC4, DES, 3DES, MD5) or none are refused: see docs/security.md.",
			Value:    grammar.Bind(grammar.Ciphers, func(p *Parsed, v string) { p.Nginx.SSLCiphers = v }),
			Examples: Examples{Good: good("ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256"), Bad: bad("HIGH:'x'", "not allowed in a cipher string", "HIGH:", "empty entry", "ALL:!aNULL:!EXPORT56:RC4+RSA:+HIGH:+MEDIUM:+LOW:+SSLv2:+EXP", `"RC4+RSA" adds RC4 ciphers`, "TLS_AES_128_GCM_SHA256", "leaves no cipher")},
		},
		{
			Key: KeySSLPreferServerCiphers, Default: "ConfigMap `ssl-prefer-server-ciphers` (true)", Scope: ScopeHost,
			Doc:      "Prefer the server's cipher order over the client's.",
			Value:    grammar.Bind(grammar.Bool, func(p *Parsed, v bool) { p.Nginx.SSLPreferServerCiphers = &v }),
			Examples: Examples{Good: good("false"), Bad: bad("off", `did you mean "false"?`)},
		},
		{
			Key: KeyServiceUpstream, Default: "false", Scope: ScopeIngress,
			Doc:      "Proxy to the Service's cluster IP instead of its endpoints.",
			Value:    grammar.Bind(grammar.Bool, func(p *Parsed, v bool) { p.Nginx.ServiceUpstream = &v }),
			Examples: Examples{Good: good("true"), Bad: bad("y", `did you mean "true"?`)},
		},
		{
			Key: KeyAllowlistSourceRange, Default: "ConfigMap `allowlist-source-range`", Scope: ScopePath,
			Doc:      "Client addresses allowed on this Ingress's paths; every other client gets 403. Replaces the ConfigMap's `allowlist-source-range`. `whitelist-source-range` is its older name: both set to different lists is refused. Not allowed on a passthrough Ingress (nginx never sees its connections).",
			Value:    grammar.Bind(grammar.SourceRanges, func(p *Parsed, v []string) { p.Nginx.AllowlistSourceRange = v }),
			Examples: Examples{Good: good("10.0.0.0/8,192.168.0.1", "10.0.0.0/8, 2001:db8::/32", "0.0.0.0/0,::/0"), Bad: bad("10.0.0.0/33", `entry "10.0.0.0/33"`, "10.0.0.0/8;", "is not an IP address or CIDR", "example.com", "is not an IP address or CIDR", "10.0.0.1,", "entry an empty value", "fe80::1%eth0", "is not an IP address or CIDR")},
		},
		{
			Key: KeyWhitelistSourceRange, Default: "ConfigMap `whitelist-source-range`", Scope: ScopePath,
			Doc:      "The older name of `allowlist-source-range`, same meaning.",
			Value:    grammar.Bind(grammar.SourceRanges, func(p *Parsed, v []string) { p.Nginx.WhitelistSourceRange = v }),
			Examples: Examples{Good: good("192.0.2.0/24"), Bad: bad("192.0.2.0/24 192.0.2.7", "is not an IP address or CIDR")},
		},
		{
			Key: KeyDenylistSourceRange, Default: "ConfigMap `denylist-source-range`", Scope: ScopePath,
			Doc:      "Client addresses refused on this Ingress's paths with 403 (checked before the allowlist). Replaces the ConfigMap's `denylist-source-range`.",
			Value:    grammar.Bind(grammar.SourceRanges, func(p *Parsed, v []string) { p.Nginx.DenylistSourceRange = v }),
			Examples: Examples{Good: good("203.0.113.0/24,2001:db8:bad::/48"), Bad: bad("203.0.113.0/24,,10.0.0.1", "entry an empty value")},
		},
		{
			Key: KeyAuthType, Scope: ScopePath,
			Doc:      "`basic`: HTTP basic authentication on this Ingress's paths, with the users of `auth-secret` (401 with `WWW-Authenticate` otherwise). `digest` is refused: nginx has no digest authentication. Requires `auth-secret`.",
			Value:    grammar.Bind(grammar.AuthType, func(p *Parsed, v string) { p.Nginx.AuthType = v }),
			Examples: Examples{Good: good("basic"), Bad: bad("digest", "not supported by portcullis", "Basic", `did you mean "basic"?`), With: withAuthSecret},
		},
		{
			Key: KeyAuthSecret, Scope: ScopePath,
			Doc:      "Secret with the users of `auth-type: basic`: `name` (the Ingress's namespace) or `namespace/name` (another namespace only with ConfigMap `allow-cross-namespace-resources: \"true\"`). Each line `user:hash`: plaintext and DES crypt are refused, MD5 (`$apr1$`, `$1$`) and SHA-1 (`{SHA}`) warned about; use bcrypt (`htpasswd -B`). A missing secret fails the paths closed (503).",
			Value:    grammar.Bind(grammar.NameOrRef, func(p *Parsed, v Ref) { p.Nginx.AuthSecret = &v }),
			Examples: Examples{Good: good("basic-auth", "default/basic-auth"), Bad: bad("/basic-auth", `must be "name" or "namespace/name"`, "Basic_Auth", "not a valid object name"), With: withAuthType},
		},
		{
			Key: KeyAuthSecretType, Default: "auth-file", Scope: ScopePath,
			Doc:      "How `auth-secret` holds its users: `auth-file`, an htpasswd file in key `auth`; `auth-map`, one key per user whose value is the hash.",
			Value:    grammar.Bind(grammar.Enum("auth-file", "auth-map"), func(p *Parsed, v string) { p.Nginx.AuthSecretType = v }),
			Examples: Examples{Good: good("auth-file", "auth-map"), Bad: bad("file", `allowed: "auth-file" or "auth-map"`), With: withAuthType},
		},
		{
			Key: KeyAuthRealm, Default: nginxpolicy.DefaultRealm, Scope: ScopePath,
			Doc:      "The realm sent in `WWW-Authenticate`.",
			Value:    grammar.Bind(grammar.Realm, func(p *Parsed, v string) { p.Nginx.AuthRealm = v }),
			Examples: Examples{Good: good("Authentication Required - admin", "Staff only"), Bad: bad(`a"b`, "is not allowed in a realm", "$host", "is not allowed in a realm", "", "must not be empty"), With: withAuthType},
		},
		{
			Key: KeyAuthURL, Scope: ScopePath,
			Doc:      "External authentication: before each request to this Ingress's paths, nginx sends a subrequest (no body; `X-Original-URI`, `X-Original-Method`, `X-Original-URL`, `X-Forwarded-*`) to this URL. 2xx lets the request through; 401 and 403 reach the client; anything else, or no answer, is 500. An absolute `http(s)://` URL without white space, quotes, `;`, braces or `$` (no nginx variables; CVE-2025-24514 came from this key). An `https://` service's certificate is not verified (warned).",
			Value:    grammar.Bind(grammar.HTTPURL, func(p *Parsed, v string) { p.Nginx.AuthURL = v }),
			Examples: Examples{Good: good("http://oauth2-proxy.auth.svc.cluster.local/oauth2/auth", "https://auth.example.com/check?x=1"), Bad: bad("http://x/;}\nssl_engine x;#", "is not allowed in a URL", "https://$host/oauth2/auth", "is not allowed in a URL", "/oauth2/auth", `must start with "https://"`)},
		},
		{
			Key: KeyAuthMethod, Default: "GET", Scope: ScopePath,
			Doc:      "Method of the authentication subrequest. Requires `auth-url`.",
			Value:    grammar.Bind(grammar.Enum("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"), func(p *Parsed, v string) { p.Nginx.AuthMethod = v }),
			Examples: Examples{Good: good("GET", "POST"), Bad: bad("get", `did you mean "GET"?`, "GET;}", "allowed"), With: withAuthURL},
		},
		{
			Key: KeyAuthSignin, Scope: ScopePath,
			Doc:      "Where a client the authentication service answers 401 is redirected (302), with `rd` set to the URL it asked for. Requires `auth-url`.",
			Value:    grammar.Bind(grammar.HTTPURL, func(p *Parsed, v string) { p.Nginx.AuthSignin = v }),
			Examples: Examples{Good: good("https://auth.example.com/oauth2/start"), Bad: bad("https://auth.example.com/oauth2/start?rd=$escaped_request_uri", "is not allowed in a URL"), With: withAuthURL},
		},
		{
			Key: KeyAuthResponseHeaders, Scope: ScopePath,
			Doc:      "Headers of the authentication service's answer copied to the request sent to the backend (a header the answer lacks is sent empty, so a client cannot forge it). Requires `auth-url`.",
			Value:    grammar.Bind(grammar.HeaderNames, func(p *Parsed, v []string) { p.Nginx.AuthResponseHeaders = v }),
			Examples: Examples{Good: good("X-Auth-Request-User,X-Auth-Request-Email"), Bad: bad("X-User, X-Email", "is not a header name", "X-User,x-user", "listed twice"), With: withAuthURL},
		},
		{
			Key: KeySatisfy, Default: "all", Scope: ScopePath,
			Doc:      "With both client address rules (source ranges, `accessControl`) and authentication (basic or external) on a path: `all` requires both, `any` admits a client that passes either.",
			Value:    grammar.Bind(grammar.Enum("all", "any"), func(p *Parsed, v string) { p.Nginx.Satisfy = v }),
			Examples: Examples{Good: good("any", "all"), Bad: bad("ANY", `did you mean "any"?`)},
		},
	}, ingressNginxTrafficRows, ingressNginxErrorRows, ingressNginxRedirectRows, ingressNginxBufferRows, ingressNginxHeaderRows),
	Snippets:       []string{"configuration-snippet", "server-snippet", "auth-snippet", "modsecurity-snippet", "stream-snippet"},
	NotImplemented: ingressNginxNotImplemented,
}).build()

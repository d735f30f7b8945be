package annotations

import (
	"github.com/seed-d040b84d/portcullis/lib/annotations/grammar"
)

// Header keys: CORS, added and hidden response headers, the Server header's
// version and proxy_redirect (docs/annotations.md). Both dialects set the
// same ProxyRedirect fields; CheckDialectConflicts refuses the two
// disagreeing on one Ingress.
const (
	KeyEnableCORS           = "enable-cors"
	KeyCORSAllowOrigin      = "cors-allow-origin"
	KeyCORSAllowMethods     = "cors-allow-methods"
	KeyCORSAllowHeaders     = "cors-allow-headers"
	KeyCORSExposeHeaders    = "cors-expose-headers"
	KeyCORSAllowCredentials = "cors-allow-credentials"
	KeyCORSMaxAge           = "cors-max-age"
	KeyProxyRedirectFrom    = "proxy-redirect-from"
	KeyProxyRedirectTo      = "proxy-redirect-to"

	KeyOrgAddHeader         = "nginx.org/add-header"
	KeyOrgAddHeaderInherit  = "nginx.org/add-header-inherit"
	KeyOrgProxyHideHeaders  = "nginx.org/proxy-hide-headers"
	KeyOrgProxyPassHeaders  = "nginx.org/proxy-pass-headers"
	KeyOrgProxySetHeaders   = "nginx.org/proxy-set-headers"
	KeyOrgServerTokens      = "nginx.org/server-tokens"
	KeyOrgProxyRedirectFrom = "nginx.org/proxy-redirect-from"
	KeyOrgProxyRedirectTo   = "nginx.org/proxy-redirect-to"
)

// CORS defaults, ingress-nginx's.
var (
	DefaultCORSMethods = []string{"GET", "PUT", "POST", "DELETE", "PATCH", "OPTIONS"}
	DefaultCORSHeaders = []string{"DNT", "Keep-Alive", "User-Agent", "X-Requested-With", "If-Modified-Since",
		"Cache-Control", "Content-Type", "Range", "Authorization"}
)

// DefaultCORSMaxAge is how long browsers may cache a preflight's answer
// (ingress-nginx's default, 20 days).
const DefaultCORSMaxAge = 1728000

const (
	docCORSNeeds      = " Read only with `enable-cors: \"true\"`."
	docRedirectFrom   = "The first argument of nginx `proxy_redirect`: the start of the backend's `Location` and `Refresh` headers to replace with the redirect-to value. `off` leaves them as they are, `default` is nginx's own replacement; otherwise an `http(s)` URL or a path starting with `/`, and redirect-to must be set. No variables or regular expressions."
	docRedirectTo     = "The replacement for the redirect-from prefix: an `http(s)` URL or a path starting with `/`. Needs redirect-from (a URL or path)."
	docHeaderListOrg  = " Comma-separated header names (RFC 7230 tokens without `$`, at most 46 bytes: nginx's header hash holds no longer one)."
	docInheritedNGINX = " On a mergeable master: the default of its minions (a minion's own list replaces it)."
)

var redirectBad = bad("$scheme://x/", "not allowed", "~^/a", "must be an http(s) URL or a path", "/a b", "not allowed in a path",
	"ftp://x/", "must start with", "/a;", "not allowed in a path")

// ingressNginxHeaderRows are ingress-nginx's header rows.
var ingressNginxHeaderRows = []Row{
	{
		Key: KeyEnableCORS, Default: "false", Scope: ScopePath,
		Doc:      "Answer CORS: preflight `OPTIONS` requests from an allowed origin get 204 with the `Access-Control-*` headers; other responses to an allowed origin carry `Access-Control-Allow-Origin` (that origin, or `*`) and `Vary: Origin`. A request from any other origin gets no CORS header, so browsers refuse it cross-origin (docs/reference.md#cors).",
		Value:    grammar.Bind(grammar.Bool, func(p *Parsed, v bool) { p.Nginx.CORS.Enable = &v }),
		Examples: Examples{Good: good("true", "false"), Bad: bad("on", `did you mean "true"?`)},
	},
	{
		Key: KeyCORSAllowOrigin, Default: "*", Scope: ScopePath,
		Doc:   "The origins allowed: `*` (any origin, answered `*`, never with credentials) or a comma-separated list of `scheme://host[:port]`, where `https://*.example.com` allows one subdomain label. A listed origin is answered with itself; matching ignores case. `null` is refused (sandboxed documents and local files all send it)." + docCORSNeeds,
		Value: grammar.Bind(grammar.CORSOrigins, func(p *Parsed, v []string) { p.Nginx.CORS.Origins = v }),
		Examples: Examples{Good: good("*", "https://app.example.com", "https://a.example.com, http://localhost:8080", "https://*.example.com"),
			With: map[string]string{DefaultPrefix + "/" + KeyEnableCORS: "true"},
			Bad: bad("null", `"null" is not allowed`, "https://app.example.com/", "no path", "app.example.com", "must be scheme://host",
				"https://*", "left-most label", "https://a.example.com,*", `"*" must be the whole list`, "https://x:99999", "port",
				"https://$host", "host label", "https://a.example.com,,https://b.example.com", "is empty")},
	},
	{
		Key: KeyCORSAllowMethods, Default: "GET, PUT, POST, DELETE, PATCH, OPTIONS", Scope: ScopePath,
		Doc:      "The methods a preflight allows (`Access-Control-Allow-Methods`): comma-separated method names." + docCORSNeeds,
		Value:    grammar.Bind(grammar.CORSMethods, func(p *Parsed, v []string) { p.Nginx.CORS.Methods = v }),
		Examples: Examples{Good: good("GET, POST", "PUT,DELETE"), Bad: bad("GET;POST", "not a method name", "GET, $x", "not a method name")},
	},
	{
		Key: KeyCORSAllowHeaders, Default: "DNT,Keep-Alive,User-Agent,X-Requested-With,If-Modified-Since,Cache-Control,Content-Type,Range,Authorization", Scope: ScopePath,
		Doc:      "The request headers a preflight allows (`Access-Control-Allow-Headers`): comma-separated header names, or `*`." + docCORSNeeds,
		Value:    grammar.Bind(grammar.CORSHeaders, func(p *Parsed, v []string) { p.Nginx.CORS.Headers = v }),
		Examples: Examples{Good: good("X-Token, Content-Type", "*"), Bad: bad("X-Token: 1", "not allowed", "a,,b", "is empty")},
	},
	{
		Key: KeyCORSExposeHeaders, Scope: ScopePath,
		Doc:      "The response headers scripts may read (`Access-Control-Expose-Headers`): comma-separated header names, or `*`." + docCORSNeeds,
		Value:    grammar.Bind(grammar.CORSHeaders, func(p *Parsed, v []string) { p.Nginx.CORS.Expose = v }),
		Examples: Examples{Good: good("X-Total-Count", "*"), Bad: bad("X-A,*", `"*" must be the whole list`)},
	},
	{
		Key: KeyCORSAllowCredentials, Default: "true", Scope: ScopePath,
		Doc:      "Send `Access-Control-Allow-Credentials: true` to the listed origins. Never with `cors-allow-origin: \"*\"`: browsers refuse credentials with `*`, and portcullis never reflects an arbitrary origin to make them pass." + docCORSNeeds,
		Value:    grammar.Bind(grammar.Bool, func(p *Parsed, v bool) { p.Nginx.CORS.Credentials = &v }),
		Examples: Examples{Good: good("false", "true"), Bad: bad("yes", `did you mean "true"?`)},
	},
	{
		Key: KeyCORSMaxAge, Default: "1728000", Scope: ScopePath,
		Doc:      "Seconds a browser may cache a preflight's answer (`Access-Control-Max-Age`)." + docCORSNeeds,
		Value:    grammar.Bind(grammar.IntMin(0), func(p *Parsed, v int) { p.Nginx.CORS.MaxAge = &v }),
		Examples: Examples{Good: good("600", "0"), Bad: bad("-1", "integer ≥ 0", "10m", "integer ≥ 0")},
	},
	{
		Key: KeyProxyRedirectFrom, Scope: ScopePath, Doc: docRedirectFrom,
		Value:    grammar.Bind(grammar.RedirectFrom, func(p *Parsed, v string) { p.Nginx.ProxyRedirect.From = v }),
		Examples: Examples{Good: good("off", "default", "http://backend:8080/", "/app/"), Bad: redirectBad},
	},
	{
		Key: KeyProxyRedirectTo, Scope: ScopePath, Doc: docRedirectTo,
		Value:    grammar.Bind(grammar.RedirectTarget, func(p *Parsed, v string) { p.Nginx.ProxyRedirect.To = v }),
		Examples: Examples{Good: good("https://app.example.com/", "/"), Bad: bad("off", "must be an http(s) URL or a path", "/x$1", "not allowed in a path")},
	},
}

// nginxOrgHeaderRows are NGINX Inc's header rows.
var nginxOrgHeaderRows = []Row{
	{
		Key: KeyOrgAddHeader, Scope: ScopePath,
		Doc:   "Response headers added to this Ingress's paths (nginx `add_header`): comma-separated `Name: Value`, or `Name: Value: always` to add it to error responses too. Names are RFC 7230 tokens without `$`; values printable ASCII without `,` or `$` (no variables), quotes balanced. Headers nginx frames the response with, hop-by-hop ones, `Strict-Transport-Security` (use `nginx.org/hsts`) and, beside `enable-cors: \"true\"`, `Access-Control-*` are refused. The host's HSTS header is kept on every path." + docInheritedNGINX,
		Value: grammar.Bind(grammar.AddHeaders, func(p *Parsed, v []grammar.Header) { p.Org.Headers.Add = v }),
		Examples: Examples{Good: good("X-Frame-Options: DENY", "X-A: 1, Cache-Control: no-store: always", `X-Quote: say "hi"`),
			Bad: bad("X-A: $host", "not allowed", "X-A", `is not "Name: Value"`, "Content-Length: 0", "may not be added",
				"X A: 1", "not allowed", "X-A: 1, x-a: 2", "listed twice", "X-A:", "must be 1 to", "X-A: it's", "unbalanced ' quote")},
	},
	{
		Key: KeyOrgAddHeaderInherit, Default: "on", Scope: ScopePath,
		Doc:      "On a mergeable minion, which of the master's `nginx.org/add-header` headers its paths send: `on`, the master's unless the minion sets its own (nginx's inheritance); `merge`, the master's and the minion's (the minion's win on a name both set); `off`, only the minion's. The host's HSTS header is always kept.",
		Value:    grammar.Bind(grammar.Enum("on", "off", "merge"), func(p *Parsed, v string) { p.Org.Headers.AddInherit = v }),
		Examples: Examples{Good: good("on", "off", "merge"), Bad: bad("true", `allowed: "on", "off" or "merge"`, "Merge", `did you mean "merge"?`)},
	},
	{
		Key: KeyOrgProxyHideHeaders, Scope: ScopePath,
		Doc:      "Backend response headers not passed to clients (nginx `proxy_hide_header`)." + docHeaderListOrg + docInheritedNGINX,
		Value:    grammar.Bind(grammar.HeaderList, func(p *Parsed, v []string) { p.Org.Headers.Hide = v }),
		Examples: Examples{Good: good("X-Powered-By", "X-Powered-By, Server"), Bad: bad("X-A,,X-B", "is empty", "X-$a", "not allowed")},
	},
	{
		Key: KeyOrgProxyPassHeaders, Scope: ScopePath,
		Doc:      "Backend response headers nginx hides by default but passes here (nginx `proxy_pass_header`, e.g. `Server`, `X-Accel-Expires`)." + docHeaderListOrg + docInheritedNGINX,
		Value:    grammar.Bind(grammar.HeaderList, func(p *Parsed, v []string) { p.Org.Headers.Pass = v }),
		Examples: Examples{Good: good("Server", "X-Accel-Expires,Server"), Bad: bad("Server Name", "not allowed", "Server,server", "listed twice", "X-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "nginx holds at most 46")},
	},
	{
		Key: KeyOrgProxySetHeaders, Scope: ScopePath,
		Doc:   "Request headers sent to this Ingress's backends (nginx `proxy_set_header`): comma-separated `Name: Value`. A bare `Name` is the client's own header, which nginx passes on anyway (warned: no effect). Names are RFC 7230 tokens without `$` or `_` (a server reading headers as CGI variables takes `X_A` for `X-A`), at most 46 bytes (nginx's header hash); values printable ASCII without `,` or `$` (no variables: NGINX Inc expanded them), quotes balanced. Refused: the headers portcullis sets on every request (`Host`, `X-Real-IP`, `X-Forwarded-*`, `X-Request-ID`, the `ssl-client-*` identity of a client certificate), those of `auth-response-headers`, and hop-by-hop and framing ones. On a mergeable master: the default of its minions of the same namespace (a minion's own list replaces it; a minion of another namespace does not inherit it).",
		Value: grammar.Bind(grammar.ProxySetHeaders, func(p *Parsed, v []grammar.RequestHeader) { p.Org.Headers.Set = v }),
		Examples: Examples{Good: good("X-Tenant: blue", "X-Tenant: blue, X-Env: prod", "X-Client-Header"), Bad: bad("X-Forwarded-For: 10.0.0.1", "may not be set", "ssl-client-verify: SUCCESS", "may not be set", "X-A: $remote_addr", "nginx variables are not expanded", "X-A: 1, x-a: 2", "listed twice", "X-A:", "must be 1 to",
			"X_Forwarded_For: 1", "may not be set", "X-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa: 1", "nginx holds at most 46")},
	},
	{
		Key: KeyOrgServerTokens, Default: "False", Scope: ScopeHost,
		Doc:      "Send nginx's version in the `Server` header and error pages of the host. portcullis's default is off (NGINX Inc's is on). `true` or `false`, or NGINX's capitalised `True` or `False`; NGINX Plus's custom strings are refused.",
		Value:    grammar.Bind(grammar.NGINXBool, func(p *Parsed, v bool) { p.Org.Headers.ServerTokens = &v }),
		Examples: Examples{Good: good("True", "False", "true"), Bad: bad("on", `allowed: "true", "false", "True" or "False"`, "my-server", `allowed: "true"`)},
	},
	{
		Key: KeyOrgProxyRedirectFrom, Scope: ScopePath, Doc: docRedirectFrom,
		Value:    grammar.Bind(grammar.RedirectFrom, func(p *Parsed, v string) { p.Org.ProxyRedirect.From = v }),
		Examples: Examples{Good: good("off", "default", "http://backend:8080/"), Bad: redirectBad},
	},
	{
		Key: KeyOrgProxyRedirectTo, Scope: ScopePath, Doc: docRedirectTo,
		Value:    grammar.Bind(grammar.RedirectTarget, func(p *Parsed, v string) { p.Org.ProxyRedirect.To = v }),
		Examples: Examples{Good: good("/", "https://app.example.com/"), Bad: bad("default", "must be an http(s) URL or a path")},
	},
}

// checkHeaderConflicts refuses ingress-nginx and NGINX Inc proxy_redirect
// keys on one Ingress that disagree.
func checkHeaderConflicts(p Parsed, conflict func(what, aKey, aVal string, aSet bool, bKey, bVal string, bSet bool)) {
	n, o := p.Nginx.ProxyRedirect, p.Org.ProxyRedirect
	conflict("the backend redirect rewrite", p.NginxKey(KeyProxyRedirectFrom), n.From, n.From != "", KeyOrgProxyRedirectFrom, o.From, o.From != "")
	conflict("the backend redirect rewrite", p.NginxKey(KeyProxyRedirectTo), n.To, n.To != "", KeyOrgProxyRedirectTo, o.To, o.To != "")
}

package annotations

import (
	"github.com/seed-d040b84d/portcullis/lib/annotations/grammar"
	"github.com/seed-d040b84d/portcullis/lib/findings"
)

// Redirect and rewrite keys: a fixed redirect instead of the backend, the
// application root, the www. redirect, and how a request is passed on (its
// Host header, X-Forwarded-Prefix, a path prefix rewrite)
// (docs/annotations.md).
const (
	KeyPermanentRedirect     = "permanent-redirect"
	KeyPermanentRedirectCode = "permanent-redirect-code"
	KeyTemporalRedirect      = "temporal-redirect"
	KeyTemporalRedirectCode  = "temporal-redirect-code"
	KeyAppRoot               = "app-root"
	KeyFromToWWWRedirect     = "from-to-www-redirect"
	KeyXForwardedPrefix      = "x-forwarded-prefix"
	KeyUpstreamVhost         = "upstream-vhost"
	KeyRelativeRedirects     = "relative-redirects"
	KeyUsePortInRedirects    = "use-port-in-redirects"
	KeyPreserveTrailingSlash = "preserve-trailing-slash"

	KeyOrgAppRoot       = "nginx.org/app-root"
	KeyOrgRewrites      = "nginx.org/rewrites"
	KeyOrgRewriteTarget = "nginx.org/rewrite-target"
)

// Redirects are the redirect and rewrite keys of either dialect; the zero
// value of each field is absent (or refused: the findings say which).
type Redirects struct {
	// PermanentRedirect and TemporalRedirect are absolute http(s) URLs every
	// request of the Ingress's paths is redirected to; the codes are nil
	// when their keys are absent (301 and 302 then).
	PermanentRedirect     string
	PermanentRedirectCode *int
	TemporalRedirect      string
	TemporalRedirectCode  *int
	// AppRoot is where a request for "/" is redirected (302).
	AppRoot string
	// FromToWWW redirects the host's other name (www. added or removed).
	FromToWWW *bool
	// ForwardedPrefix is sent to backends as X-Forwarded-Prefix.
	ForwardedPrefix string
	// UpstreamHost is sent to backends as Host.
	UpstreamHost string
	// RelativeRedirects makes nginx's own redirects relative.
	RelativeRedirects *bool
	// PortInRedirects keeps the port in the Location of nginx's own
	// absolute redirects.
	PortInRedirects *bool
	// PreserveTrailingSlash is ingress-nginx's choice for its HTTPS
	// redirect; portcullis's always keeps the path as sent.
	PreserveTrailingSlash *bool
	// Rewrites are nginx.org/rewrites: per Service, the path that replaces
	// the part of the request path the Ingress path matched.
	Rewrites []grammar.PathRewrite
	// RewriteTarget is nginx.org/rewrite-target: the path sent to the
	// backend instead of the request's, with the captures of a
	// regular-expression path; "" if absent.
	RewriteTarget string
}

const (
	docRedirect = "Every request of this Ingress's paths is answered with a redirect to this URL (exactly this URL: the request's path is not appended) instead of being proxied, before the paths' access control and authentication, as in ingress-nginx. An absolute `http://` or `https://` URL with a host, at most 2048 characters, without white space, quotes, `;`, `{`, `}`, `$`, `\\`, `<`, `>`, `^`, `|` (percent-encode them)."
	docAppRoot  = "A request for `/` (exactly; not `/x`) is redirected with 302 to this path. An absolute path of letters, digits and `. _ ~ % / -`, other than `/`, at most 256 characters."
)

var redirectURLBad = bad("www.example.com", `must start with "https://" or "http://"`,
	"https://example.com/$request_uri", `character '$'`, "https://example.com/a;b", `character ';'`,
	"https://example.com/a b", `character ' '`, "ftp://example.com/", `must start with "https://"`,
	"https://user:pw@example.com/", "user information", "https://exa_mple.com/", "not a DNS name",
	"https://example.com:99999/", "not from 1 to 65535")

// ingressNginxRedirectRows are ingress-nginx's redirect and rewrite rows.
var ingressNginxRedirectRows = []Row{
	{
		Key: KeyPermanentRedirect, Scope: ScopePath,
		Doc:      docRedirect + " With `permanent-redirect-code` (default 301). `temporal-redirect` wins when both are set, as in ingress-nginx.",
		Value:    grammar.Bind(grammar.RedirectURL, func(p *Parsed, v string) { p.Nginx.Redirects.PermanentRedirect = v }),
		Examples: Examples{Good: good("https://www.example.com", "https://example.com/new/path?x=1", "http://[2001:db8::1]:8080/"), Bad: redirectURLBad},
	},
	{
		Key: KeyPermanentRedirectCode, Default: "301", Scope: ScopePath,
		Doc:      "The status of `permanent-redirect`: 300 to 308 (ingress-nginx silently used 301 for any other; portcullis refuses it).",
		Value:    grammar.Bind(grammar.RedirectCode(300, 308), func(p *Parsed, v int) { p.Nginx.Redirects.PermanentRedirectCode = &v }),
		Examples: Examples{Good: good("308", "301"), Bad: bad("309", "from 300 to 308", "200", "from 300 to 308", "301 ", "from 300 to 308")},
	},
	{
		Key: KeyTemporalRedirect, Scope: ScopePath,
		Doc:      docRedirect + " With `temporal-redirect-code` (default 302).",
		Value:    grammar.Bind(grammar.RedirectURL, func(p *Parsed, v string) { p.Nginx.Redirects.TemporalRedirect = v }),
		Examples: Examples{Good: good("https://maintenance.example.com/", "http://example.com"), Bad: redirectURLBad},
	},
	{
		Key: KeyTemporalRedirectCode, Default: "302", Scope: ScopePath,
		Doc:      "The status of `temporal-redirect`: 300 to 307 (ingress-nginx silently used 302 for any other; portcullis refuses it).",
		Value:    grammar.Bind(grammar.RedirectCode(300, 307), func(p *Parsed, v int) { p.Nginx.Redirects.TemporalRedirectCode = &v }),
		Examples: Examples{Good: good("307", "303"), Bad: bad("308", "from 300 to 307", "abc", "from 300 to 307")},
	},
	{
		Key: KeyAppRoot, Scope: ScopeHost,
		Doc:      docAppRoot,
		Value:    grammar.Bind(grammar.AppRoot, func(p *Parsed, v string) { p.Nginx.Redirects.AppRoot = v }),
		Examples: Examples{Good: good("/app", "/app1/", "/a/b-c_d.e~f"), Bad: appRootBad},
	},
	{
		Key: KeyFromToWWWRedirect, Default: "false", Scope: ScopeHost,
		Doc:      "Also serve the host's other name (`www.` added, or removed) and redirect its requests to the host, with ConfigMap `http-redirect-code` (308). Never taken when another Ingress serves that name or another namespace owns it (docs/security.md tenancy); the host's certificate must name both for HTTPS (a certificate, or a cert-manager `spec.tls` entry, that does not is warned about).",
		Value:    grammar.Bind(grammar.Bool, func(p *Parsed, v bool) { p.Nginx.Redirects.FromToWWW = &v }),
		Examples: Examples{Good: good("true", "false"), Bad: bad("yes", boolMsg)},
	},
	{
		Key: KeyXForwardedPrefix, Scope: ScopePath,
		Doc:      "Send this path to the backends as the `X-Forwarded-Prefix` header. An absolute path of letters, digits and `. _ ~ % / -`, at most 256 characters (no `$1` captures).",
		Value:    grammar.Bind(grammar.ForwardedPrefix, func(p *Parsed, v string) { p.Nginx.Redirects.ForwardedPrefix = v }),
		Examples: Examples{Good: good("/app", "/", "/api/v1"), Bad: bad("app", "absolute path", "/$1", "absolute path", "/a b", "absolute path", "//evil.example", `must not start with "//"`)},
	},
	{
		Key: KeyUpstreamVhost, Scope: ScopePath,
		Doc:      "Send this as the `Host` header to the backends instead of the request's host. A lower-case DNS name or an IP address, with an optional `:port`.",
		Value:    grammar.Bind(grammar.UpstreamHost, func(p *Parsed, v string) { p.Nginx.Redirects.UpstreamHost = v }),
		Examples: Examples{Good: good("backend.internal", "api.example.com:8080", "10.0.0.1", "[2001:db8::1]:443"), Bad: bad("$host", "not allowed in a host name", "a b", "not allowed in a host name", "Api.example.com", "must be lower case", "example.com/x", "host name or IP address", "example.com:0", "not from 1 to 65535")},
	},
	{
		Key: KeyRelativeRedirects, Default: "false", Scope: ScopePath,
		Doc:      "Redirects nginx itself writes on these paths (not the backend's, which pass unchanged) carry a relative `Location` (nginx `absolute_redirect off`). The fixed redirects, the www. redirect and the `app-root` redirect are absolute URLs anyway.",
		Value:    grammar.Bind(grammar.Bool, func(p *Parsed, v bool) { p.Nginx.Redirects.RelativeRedirects = &v }),
		Examples: Examples{Good: good("true", "false"), Bad: bad("on", boolMsg)},
	},
	{
		Key: KeyPreserveTrailingSlash, Default: "true (ingress-nginx: false)", Scope: ScopePath,
		Doc:      "portcullis's redirect of plain HTTP to HTTPS always keeps the request's path and query as sent, which is what `true` asked of ingress-nginx; ingress-nginx's default removed one final `/` (`/docs/` went to `https://host/docs`). `false` is warned about: it has no effect.",
		Value:    grammar.Bind(grammar.Bool, func(p *Parsed, v bool) { p.Nginx.Redirects.PreserveTrailingSlash = &v }),
		Examples: Examples{Good: good("true", "false"), Bad: bad("yes", boolMsg)},
	},
	{
		Key: KeyUsePortInRedirects, Default: "false", Scope: ScopePath,
		Doc:      "Redirects nginx itself writes on these paths with an absolute `Location` (a directory's trailing slash, a relative `Location` from the backend or `proxy-redirect-to`) name the port nginx was reached on (nginx `port_in_redirect on`). By default, as in ingress-nginx, they name no port: clients come in on the standard ports, and nginx's own port (behind `--enable-ssl-passthrough`, an internal one) is not theirs.",
		Value:    grammar.Bind(grammar.Bool, func(p *Parsed, v bool) { p.Nginx.Redirects.PortInRedirects = &v }),
		Examples: Examples{Good: good("true", "false"), Bad: bad("on", boolMsg)},
	},
}

var appRootBad = bad("/", `must not be "/"`, "app", "absolute path", "/app;return", "absolute path",
	"/$uri", "absolute path", "//evil.example", `must not start with "//"`, "/a/../b", `".." segments`, "https://example.com/app", "absolute path")

// nginxOrgRedirectRows are NGINX Inc's redirect and rewrite rows.
var nginxOrgRedirectRows = []Row{
	{
		Key: KeyOrgAppRoot, Scope: ScopeHost,
		Doc:      docAppRoot,
		Value:    grammar.Bind(grammar.AppRoot, func(p *Parsed, v string) { p.Org.Redirects.AppRoot = v }),
		Examples: Examples{Good: good("/coffee", "/app/"), Bad: appRootBad},
	},
	{
		Key: KeyOrgRewrites, Scope: ScopePath,
		Doc:   "Per Service of this Ingress, the path that replaces the part of the request path the Ingress path matched before proxying: `serviceName=tea-svc rewrite=/;serviceName=coffee-svc rewrite=/beans`. For a Prefix path `/coffee` and `rewrite=/beans`, `/coffee/x` reaches the backend as `/beans/x`; with `rewrite=/`, as `/x`. For a regular-expression path the part the expression matched is replaced. The Service must be one this Ingress's paths use; the path is absolute, of letters, digits and `. _ ~ % / -`, at most 256 characters.",
		Value: grammar.Bind(grammar.PathRewrites, func(p *Parsed, v []grammar.PathRewrite) { p.Org.Redirects.Rewrites = v }),
		Examples: Examples{Good: good("serviceName=tea-svc rewrite=/", "serviceName=tea-svc rewrite=/tea/;serviceName=coffee-svc rewrite=/beans", "serviceName=tea-svc rewrite=/; serviceName=coffee-svc rewrite=/c"),
			Bad: bad("tea-svc=/", "is not \"serviceName=<service> rewrite=<path>\"", "serviceName=tea-svc rewrite=/$1", "absolute path",
				"serviceName=tea-svc rewrite=/a;serviceName=tea-svc rewrite=/b", "has a rewrite already", "serviceName=Tea rewrite=/", "not a valid service name",
				"serviceName=tea-svc rewrite=/{x}", "absolute path", "serviceName=tea-svc rewrite=//evil", `must not start with "//"`)},
	},
	{
		Key: KeyOrgRewriteTarget, Scope: ScopePath,
		Doc:   rewriteTargetDoc,
		Value: grammar.Bind(grammar.RewriteTarget, func(p *Parsed, v string) { p.Org.Redirects.RewriteTarget = v }),
		Examples: Examples{Good: good("/", "/v2/$1", "/$1/$2"),
			Bad: bad("v2", "absolute path", "/$host", "must be a capture", "/a b", "not allowed", "/$1x", "must be a capture")},
	},
}

// rewriteTargetDoc is NGINX Inc's rewrite-target.
const rewriteTargetDoc = "The path sent to the backends instead of the request's (nginx `rewrite ... break`), as NGINX Inc writes it: the path sent becomes the target, the query string kept. With `nginx.org/path-regex: case_sensitive` or `case_insensitive`, `$1` to `$9` are the captures of the path's regular expression (`/api/(.*)` with `/v2/$1` sends `/api/users` as `/v2/users`; `/leaf/([a-z]+)` with `/tea/$1` sends `/leaf/green/x` as `/tea/green`); literal paths have no captures, and a target with one is refused. An absolute path of letters, digits, `. _ ~ % / -` and `$1` to `$9`, at most 256 characters. Not with `nginx.org/rewrites`; with `nginx.ingress.kubernetes.io/rewrite-target`, only the same value."

// checkRedirects applies the rules between the redirect keys of one
// dialect: a code without its redirect does nothing, and
// temporal-redirect wins over permanent-redirect, as in ingress-nginx.
func checkRedirects(p *Parsed, s *findings.Set) {
	r := p.Nginx.Redirects
	for _, c := range []struct{ code, url string }{{KeyPermanentRedirectCode, KeyPermanentRedirect}, {KeyTemporalRedirectCode, KeyTemporalRedirect}} {
		if p.Has(p.NginxKey(c.code)) && !p.Has(p.NginxKey(c.url)) {
			s.Warnf(Path(p.NginxKey(c.code)), "has no effect without %s", p.NginxKey(c.url))
		}
	}
	if r.PermanentRedirect != "" && r.TemporalRedirect != "" {
		s.Warnf(Path(p.NginxKey(KeyPermanentRedirect)), "is ignored: %s is set too and wins, as in ingress-nginx", p.NginxKey(KeyTemporalRedirect))
	}
	if v := r.PreserveTrailingSlash; v != nil && !*v {
		s.Warnf(Path(p.NginxKey(KeyPreserveTrailingSlash)), "has no effect: portcullis's HTTPS redirect always keeps the path as sent, final \"/\" included")
	}
	if o := p.Org.Redirects; o.RewriteTarget != "" && len(o.Rewrites) > 0 {
		s.Errorf(Path(KeyOrgRewriteTarget), o.RewriteTarget, "may not be set with %s (both decide the path sent to the backend; NGINX Inc uses only one of them); keep one", KeyOrgRewrites)
	}
}

// checkRedirectConflicts refuses the two dialects disagreeing on one
// Ingress about the application root or the path rewrite; conflict is
// CheckDialectConflicts's reporter.
func checkRedirectConflicts(p Parsed, conflict func(what, aKey, aVal string, aSet bool, bKey, bVal string, bSet bool)) {
	n, o := p.Nginx.Redirects, p.Org.Redirects
	conflict("the application root", p.NginxKey(KeyAppRoot), n.AppRoot, n.AppRoot != "", KeyOrgAppRoot, o.AppRoot, o.AppRoot != "")
	if p.Nginx.RewriteTarget != "" && len(o.Rewrites) > 0 {
		conflict("the path passed to the backend", p.NginxKey(KeyRewriteTarget), p.Nginx.RewriteTarget, true,
			KeyOrgRewrites, grammar.PathRewrites.Format(o.Rewrites), true)
	}
	conflict("the path passed to the backend", p.NginxKey(KeyRewriteTarget), p.Nginx.RewriteTarget, p.Nginx.RewriteTarget != "",
		KeyOrgRewriteTarget, o.RewriteTarget, o.RewriteTarget != "")
}

// EffectiveRedirect is the fixed redirect of an Ingress's paths: the URL
// and code of temporal-redirect, else of permanent-redirect; "" for none.
func (r Redirects) EffectiveRedirect() (string, int) {
	switch {
	case r.TemporalRedirect != "":
		return r.TemporalRedirect, codeOr(r.TemporalRedirectCode, 302)
	case r.PermanentRedirect != "":
		return r.PermanentRedirect, codeOr(r.PermanentRedirectCode, 301)
	}
	return "", 0
}

func codeOr(c *int, def int) int {
	if c == nil {
		return def
	}
	return *c
}

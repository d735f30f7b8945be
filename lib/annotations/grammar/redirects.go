package grammar

import (
	"net"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
)

// MaxRedirectURL is the longest redirect target accepted: long enough for any
// real Location, short enough that no header can be inflated with it.
const MaxRedirectURL = 2048

// RedirectURL is a redirect target (permanent-redirect, temporal-redirect):
// an absolute http:// or https:// URL (HTTPURL: no white space, quotes, ;
// { } $ \ < > ^ |, control or non-ASCII characters, no user information)
// whose host is a DNS name or an IP address, with a port 1–65535 if any, of
// at most MaxRedirectURL characters. nginx sends it as the Location header
// as is: with "$" refused it can never read a variable (CVE-2023-5044).
var RedirectURL = Grammar[string]{
	Name: "absolute http(s) URL",
	Parse: func(s string, c Context) (string, error) {
		if len(s) > MaxRedirectURL {
			return "", errorf("a redirect URL is at most %d characters, got %d", MaxRedirectURL, len(s))
		}
		if _, err := HTTPURL.Parse(s, c); err != nil {
			return "", err
		}
		u, _ := url.Parse(s)
		if err := checkURLHost(u.Host); err != nil {
			return "", errorf("URL %q: %v", s, err)
		}
		return s, nil
	},
	Format: func(v string) string { return v },
}

// checkURLHost accepts a DNS name or an IP address (IPv6 in brackets) and an
// optional port 1–65535.
func checkURLHost(hostport string) error {
	host, port := hostport, ""
	if h, p, err := net.SplitHostPort(hostport); err == nil {
		host, port = h, p
	} else if strings.HasPrefix(hostport, "[") && strings.HasSuffix(hostport, "]") {
		host = hostport[1 : len(hostport)-1]
	}
	if port != "" {
		if n, ok := parseDecimal(port, 5, false); !ok || n < 1 || n > 65535 {
			return errorf("port %q is not from 1 to 65535", port)
		}
	}
	if _, err := netip.ParseAddr(host); err == nil {
		return nil
	}
	if err := checkDNSName(strings.ToLower(host), false); err != nil {
		return errorf("host %q is not a DNS name or an IP address", host)
	}
	return nil
}

// RedirectCode is a redirect status from lo to hi (ingress-nginx allows 300
// to 308 for permanent-redirect-code and 300 to 307 for
// temporal-redirect-code); portcullis refuses a code outside, where
// ingress-nginx silently used its default.
func RedirectCode(lo, hi int) Grammar[int] {
	g := IntRange(lo, hi)
	g.Name = "HTTP status " + strconv.Itoa(lo) + "–" + strconv.Itoa(hi)
	return g
}

// MaxRedirectPath is the longest app-root, X-Forwarded-Prefix or rewrite path.
const MaxRedirectPath = 256

// checkPlainPath accepts an absolute path of [A-Za-z0-9._~%/-] (ValidPath)
// of at most MaxRedirectPath characters, without "//" at its start (a
// protocol-relative URL, another host, in a Location header) and without
// "." or ".." segments.
func checkPlainPath(what, s string) error {
	if len(s) > MaxRedirectPath {
		return errorf("%s is at most %d characters, got %d", what, MaxRedirectPath, len(s))
	}
	if !ValidPath(s) {
		return errorf("%s must be an absolute path of letters, digits and . _ ~ %% / - (no \"$\", white space, quotes, ; { } or query), got %q", what, s)
	}
	if strings.HasPrefix(s, "//") {
		return errorf("%s must not start with \"//\" (that names another host), got %q", what, s)
	}
	for _, seg := range strings.Split(s, "/") {
		if seg == "." || seg == ".." {
			return errorf("%s must not have \".\" or \"..\" segments, got %q", what, s)
		}
	}
	return nil
}

// AppRoot is where a request for "/" is redirected (app-root,
// nginx.org/app-root): a path as checkPlainPath says, other than "/".
var AppRoot = Grammar[string]{
	Name: "absolute path other than /",
	Parse: func(s string, _ Context) (string, error) {
		if err := checkPlainPath("the application root", s); err != nil {
			return "", err
		}
		if s == "/" {
			return "", errorf("the application root must not be \"/\" (requests for \"/\" would redirect to themselves)")
		}
		return s, nil
	},
	Format: func(v string) string { return v },
}

// ForwardedPrefix is the value of the X-Forwarded-Prefix header
// (x-forwarded-prefix): a path as checkPlainPath says.
var ForwardedPrefix = Grammar[string]{
	Name: "absolute path",
	Parse: func(s string, _ Context) (string, error) {
		if err := checkPlainPath("the forwarded prefix", s); err != nil {
			return "", err
		}
		return s, nil
	},
	Format: func(v string) string { return v },
}

// UpstreamHost is the Host header sent to backends (upstream-vhost): a
// lower-case DNS name without wildcard, or an IP address, with an optional
// port 1–65535 (IPv6 in brackets). No "$": it never reads an nginx variable.
var UpstreamHost = Grammar[string]{
	Name: "host name[:port]",
	Parse: func(s string, _ Context) (string, error) {
		if s == "" || strings.ContainsAny(s, "/?#@") {
			return "", errorf("must be a host name or IP address with an optional :port, got %q", s)
		}
		for i := 0; i < len(s); i++ {
			if c := s[i]; c <= ' ' || c >= 0x7f || strings.IndexByte(urlForbidden, c) >= 0 {
				return "", errorf("character %q at offset %d of %q is not allowed in a host name", c, i, s)
			}
		}
		if s != strings.ToLower(s) {
			return "", errorf("must be lower case, got %q; did you mean %q?", s, strings.ToLower(s))
		}
		if err := checkURLHost(s); err != nil {
			return "", err
		}
		return s, nil
	},
	Format: func(v string) string { return v },
}

// ValidUpstreamHost reports whether s is in the UpstreamHost grammar.
func ValidUpstreamHost(s string) bool {
	_, err := UpstreamHost.Parse(s, Context{})
	return err == nil
}

// ValidRedirectURL reports whether s is in the RedirectURL grammar.
func ValidRedirectURL(s string) bool {
	_, err := RedirectURL.Parse(s, Context{})
	return err == nil
}

// ValidAppRoot reports whether s is in the AppRoot grammar.
func ValidAppRoot(s string) bool {
	_, err := AppRoot.Parse(s, Context{})
	return err == nil
}

// ValidForwardedPrefix reports whether s is in the ForwardedPrefix grammar.
func ValidForwardedPrefix(s string) bool {
	_, err := ForwardedPrefix.Parse(s, Context{})
	return err == nil
}

// PathRewrite is one entry of nginx.org/rewrites: the Service whose paths
// are rewritten and the path that replaces the part of the request path
// the Ingress path matched.
type PathRewrite struct {
	Service string
	Path    string
}

// PathRewrites is nginx.org/rewrites: entries "serviceName=<service>
// rewrite=<path>" separated by ";" (white space around an entry allowed, as
// NGINX Inc trims it), one per Service; the path as checkPlainPath says.
var PathRewrites = Grammar[[]PathRewrite]{
	Name: "serviceName=<service> rewrite=<path>[;…]",
	Parse: func(s string, _ Context) ([]PathRewrite, error) {
		var out []PathRewrite
		seen := map[string]bool{}
		for i, part := range strings.Split(s, ";") {
			entry := strings.Trim(part, " ")
			svc, rest, ok := strings.Cut(entry, " ")
			svcName, okSvc := strings.CutPrefix(svc, "serviceName=")
			path, okPath := strings.CutPrefix(rest, "rewrite=")
			if !ok || !okSvc || !okPath {
				return nil, errorf("entry %d %q is not \"serviceName=<service> rewrite=<path>\" (e.g. \"serviceName=tea-svc rewrite=/\")", i+1, entry)
			}
			if err := checkServiceName(svcName); err != nil {
				return nil, errorf("entry %d: %v", i+1, err)
			}
			if seen[svcName] {
				return nil, errorf("entry %d: service %q has a rewrite already", i+1, svcName)
			}
			seen[svcName] = true
			if err := checkPlainPath("the rewrite of service "+strconv.Quote(svcName), path); err != nil {
				return nil, errorf("entry %d: %v", i+1, err)
			}
			out = append(out, PathRewrite{Service: svcName, Path: path})
		}
		return out, nil
	},
	Format: func(v []PathRewrite) string {
		parts := make([]string, len(v))
		for i, r := range v {
			parts[i] = "serviceName=" + r.Service + " rewrite=" + r.Path
		}
		return strings.Join(parts, ";")
	},
}

func checkServiceName(s string) error {
	if _, err := ServiceList.Parse(s, Context{}); err != nil || strings.Contains(s, ",") {
		return errorf("%q is not a valid service name (a DNS-1035 label)", s)
	}
	return nil
}

// ValidRewritePath reports whether s may replace a matched path
// (nginx.org/rewrites).
func ValidRewritePath(s string) bool { return checkPlainPath("rewrite", s) == nil }

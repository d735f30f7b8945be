package nginx

// Redirects and forwarding: a path's fixed redirect, the application root,
// the www. redirect server, the Host and X-Forwarded-Prefix sent to the
// backend, nginx.org/rewrites and relative redirects
// (docs/controller.md#what-is-rendered).

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/seed-d040b84d/portcullis/controller/dataplane"
	"github.com/seed-d040b84d/portcullis/lib/annotations/grammar"
)

// pathRedirect is the return of a redirected location: the status and the
// URL as one quoted argument, which lib and the model checked (no "$", no
// white space, quotes or ";") and text() refuses again with a "$".
func pathRedirect(r *dataplane.PathRedirect) (*Node, error) {
	if r.Code < 300 || r.Code > 308 || !grammar.ValidRedirectURL(r.URL) {
		return nil, fmt.Errorf("redirect %d %q", r.Code, r.URL)
	}
	return d("return", num(r.Code), text(r.URL)), nil
}

// forwardingDirectives are a location's own nginx redirect setting and its
// path rewrite (nginx.org/rewrites); the headers are proxyHeaders'.
func forwardingDirectives(mod string, l dataplane.Location) ([]*Node, error) {
	f := l.Forwarding
	if f == nil {
		return nil, nil
	}
	var out []*Node
	if f.Host != "" && !grammar.ValidUpstreamHost(f.Host) {
		return nil, fmt.Errorf("upstream Host %q", f.Host)
	}
	if f.Prefix != "" && !grammar.ValidForwardedPrefix(f.Prefix) {
		return nil, fmt.Errorf("X-Forwarded-Prefix %q", f.Prefix)
	}
	if f.RelativeRedirects {
		out = append(out, d("absolute_redirect", lit("off")))
	}
	if f.PortInRedirects {
		out = append(out, d("port_in_redirect", lit("on")))
	}
	if f.PathRewrite != "" {
		rw, err := pathRewrite(mod, l)
		if err != nil {
			return nil, err
		}
		out = append(out, rw...)
	}
	return out, nil
}

// pathRewrite replaces the part of the request path the location matched
// with the rewrite. A literal Prefix path P: P/x becomes R/x and P itself R
// (R without its final "/" before "/x"); an Exact path (and the exact half
// "= P" of a Prefix one): R; a regular expression: the text it matched
// becomes R, the rest follows. "(?s)" lets the rest hold a decoded
// newline, so no path escapes the rewrite.
func pathRewrite(mod string, l dataplane.Location) ([]*Node, error) {
	rw := l.Forwarding.PathRewrite
	if !grammar.ValidRewritePath(rw) || l.Rewrite != "" {
		return nil, fmt.Errorf("path rewrite %q", rw)
	}
	flags := "(?s)"
	if isRegexMod(mod) && !l.CaseSensitive {
		flags = "(?si)"
	}
	whole := d("rewrite", regex("^"), text(rw), lit("break"))
	switch {
	case l.Regex:
		groups, err := grammar.RegexPath(l.Path)
		if err != nil || groups >= 9 {
			return nil, fmt.Errorf("path rewrite of regular expression %q", l.Path)
		}
		p := strings.TrimPrefix(pattern(l), "^")
		return []*Node{d("rewrite", regex(flags+"^(?:"+p+")(.*)"), capture(rw+"$"+strconv.Itoa(groups+1)), lit("break"))}, nil
	case l.Match == dataplane.MatchExact || mod == "=":
		return []*Node{whole}, nil
	}
	if !dataplane.SafePath(l.Path) {
		return nil, fmt.Errorf("path %q", l.Path)
	}
	p := regexp.QuoteMeta(strings.TrimSuffix(l.Path, "/"))
	return []*Node{
		d("rewrite", regex(flags+"^"+p+"/(.*)"), capture(strings.TrimSuffix(rw, "/")+"/$1"), lit("break")),
		whole,
	}, nil
}

// addAppRoot adds the host's application root location to server, which
// serves the host's paths to clients on port (80 or 443: none in the URL).
func addAppRoot(server *Node, s dataplane.Server, port, standard int) error {
	if s.AppRoot == "" {
		return nil
	}
	n, err := appRootLocation(s.AppRoot, port, standard)
	if err != nil {
		return err
	}
	server.add(n)
	return nil
}

// appRootLocation answers a request for "/" exactly with a 302 to the
// application root (a path lib and the model checked), as an absolute URL
// on the request's scheme and host and the port clients use (ingress-nginx
// wrote $scheme://$http_host, the client's own Host header).
func appRootLocation(root string, port, standard int) (*Node, error) {
	if !grammar.ValidAppRoot(root) {
		return nil, fmt.Errorf("application root %q", root)
	}
	base := "$scheme://$host"
	if port != standard {
		base += ":" + strconv.Itoa(port)
	}
	return blk("location", locationArgs("=", "/"), d("return", lit("302"), litText(base, root))), nil
}

// wwwServers answer the host's other name (from-to-www-redirect) with a
// redirect to the host, the path and query kept, on the scheme the request
// came on (https when the host redirects plain HTTP): over plain HTTP, and
// over TLS with the host's own certificate when it has one.
func (r *renderer) wwwServers(s dataplane.Server) ([]*Node, error) {
	if s.WWWRedirect == "" {
		return nil, nil
	}
	if !dataplane.SafeHost(s.WWWRedirect) || strings.HasPrefix(s.WWWRedirect, "*.") || strings.HasPrefix(s.Host, "*.") || !dataplane.SafeHost(s.Host) {
		return nil, fmt.Errorf("www. redirect from %q to %q", s.WWWRedirect, s.Host)
	}
	code := num(s.WWWRedirectCode)
	if !validRedirectCode(s.WWWRedirectCode) {
		return nil, fmt.Errorf("www. redirect code %d", s.WWWRedirectCode)
	}
	// The ports clients use, as the HTTPS redirect names them.
	httpsPort := ""
	if p := cmpInt(r.o.PublicHTTPSPort, r.o.HTTPSPort); p != 443 {
		httpsPort = ":" + strconv.Itoa(p)
	}
	httpPort := ""
	if r.o.HTTPPort != 80 {
		httpPort = ":" + strconv.Itoa(r.o.HTTPPort)
	}
	to := func(scheme, port string) Arg { return textLit(scheme+s.Host+port, "$request_uri") }
	plain := r.plainServer(r.listenHTTP(), d("server_name", text(s.WWWRedirect)), d("return", code, to("http://", httpPort)))
	if s.Redirect.ToHTTPS {
		plain.Children[len(plain.Children)-1] = d("return", code, to("https://", httpsPort))
	}
	out := []*Node{plain}
	if s.TLS != nil {
		kp, err := r.keyPair(s.TLS.Cert, "ssl_certificate", "ssl_certificate_key")
		if err != nil {
			return nil, err
		}
		tls := blk("server", nil, r.listenTLS(), d("server_name", text(s.WWWRedirect)))
		tls.add(kp...)
		tls.add(d("return", code, to("https://", httpsPort)))
		out = append(out, tls)
	}
	return out, nil
}

func validRedirectCode(c int) bool { return c == 301 || c == 302 || c == 307 || c == 308 }

package nginx

// Error pages: a location's responses with one of its codes answered by its
// default backend, through named locations of the server
// (docs/controller.md#what-is-rendered,
// docs/reference.md#default-backend-and-error-pages).

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/seed-d040b84d/portcullis/controller/dataplane"
	"github.com/seed-d040b84d/portcullis/lib/annotations/grammar"
)

// errorsPrefix starts the name of every error-page location: a named
// location, which no client request can reach.
const errorsPrefix = "@portcullis_errors_"

// errorPageName is the named location answering code for e; with
// KeepStatus one location answers every code.
func errorPageName(e *dataplane.ErrorPages, code int) string {
	if e.KeepStatus {
		return errorsPrefix + e.Name
	}
	return errorsPrefix + e.Name + "_" + strconv.Itoa(code)
}

// errorPageDirectives are a location's error_page lines for e's codes (and
// proxy_intercept_errors when the backend's own responses are sent too).
// ingress-nginx's way ("=") gives the client the default backend's status;
// NGINX Inc's keeps the original one. Every code is a number the model
// checked, checked again here.
func (r *renderer) errorPageDirectives(e *dataplane.ErrorPages, intercept bool) ([]*Node, error) {
	if e == nil {
		return nil, nil
	}
	if !safeName(e.Name) {
		return nil, fmt.Errorf("error pages name %q", e.Name)
	}
	if !dataplane.SafeText(e.Upstream) || strings.ContainsAny(e.Upstream, "/:\"\\ ") {
		return nil, fmt.Errorf("default backend upstream %q", e.Upstream)
	}
	if len(e.Codes) == 0 || len(e.Codes) > grammar.MaxErrorCodes {
		return nil, fmt.Errorf("%d error page codes", len(e.Codes))
	}
	for i, c := range e.Codes {
		if !grammar.ErrorCode(c) || i > 0 && c <= e.Codes[i-1] {
			return nil, fmt.Errorf("error page codes %v", e.Codes)
		}
	}
	if r.errorPages == nil {
		r.errorPages = map[string]*dataplane.ErrorPages{}
	}
	r.errorPages[e.Name] = e
	var out []*Node
	if intercept && e.InterceptBackend {
		out = append(out, d("proxy_intercept_errors", lit("on")))
	}
	if e.KeepStatus {
		args := make([]Arg, 0, len(e.Codes)+1)
		for _, c := range e.Codes {
			args = append(args, num(c))
		}
		return append(out, d("error_page", append(args, lit(errorPageName(e, 0)))...)), nil
	}
	for _, c := range e.Codes {
		out = append(out, d("error_page", num(c), lit("="), lit(errorPageName(e, c))))
	}
	return out, nil
}

// withErrorPages adds to a server block the named locations its locations'
// error_page lines use. Each proxies to the default backend over plain HTTP
// and intercepts nothing: nginx does not send an error page's own error to
// another one (recursive_error_pages is off).
func (r *renderer) withErrorPages(server *Node) error {
	names := referenced(server.Children, func(n *Node) (string, bool) {
		if n.Name != "error_page" || len(n.Args) == 0 {
			return "", false
		}
		name := n.Args[len(n.Args)-1].s
		return name, strings.HasPrefix(name, errorsPrefix)
	})
	for _, name := range names {
		hash, code, _ := strings.Cut(strings.TrimPrefix(name, errorsPrefix), "_")
		e := r.errorPages[hash]
		if e == nil {
			return fmt.Errorf("error pages %q were not rendered", hash)
		}
		loc := blk("location", []Arg{lit(name)})
		if !e.KeepStatus {
			c, err := strconv.Atoi(code)
			if err != nil || !grammar.ErrorCode(c) {
				return fmt.Errorf("error page %q", name)
			}
			// ingress-nginx's headers, then the ones every backend gets
			// (a location that sets one sets them all).
			loc.add(
				d("proxy_set_header", lit("X-Code"), num(c)),
				d("proxy_set_header", lit("X-Format"), lit("$http_accept")),
				d("proxy_set_header", lit("X-Original-URI"), lit("$request_uri")),
				d("proxy_set_header", lit("X-Namespace"), text(e.Namespace)),
				d("proxy_set_header", lit("X-Ingress-Name"), text(e.Ingress)),
				d("proxy_set_header", lit("X-Service-Name"), text(e.Service)),
				d("proxy_set_header", lit("X-Service-Port"), text(e.Port)),
			)
			loc.add(r.proxyHeaders("proxy_set_header", false, nil, nil, nil)...)
			loc.add(d("rewrite", lit("^"), lit("/"), lit("break")))
		}
		loc.add(d("proxy_pass", lit("http://"+e.Upstream)))
		server.add(loc)
	}
	return nil
}

package nginx

// External authentication: the subrequest locations of auth_request.

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/seed-d040b84d/portcullis/controller/dataplane"
)

// authPath is the internal location of an external authentication.
func authPath(name string) string { return "/_portcullis/auth/" + name }

// externalAuth are a protected location's directives: the subrequest, the
// headers copied from its answer (sent empty when it has none, so a client
// cannot forge them), and the sign-in redirect on 401.
func (r *renderer) externalAuth(a *dataplane.ExternalAuth) ([]*Node, error) {
	if !safeName(a.Name) {
		return nil, fmt.Errorf("external authentication name %q", a.Name)
	}
	if r.auths == nil {
		r.auths = map[string]*dataplane.ExternalAuth{}
	}
	r.auths[a.Name] = a
	out := []*Node{d("auth_request", lit(authPath(a.Name)))}
	for i, h := range a.Headers {
		if !dataplane.SafeHeaderName(h) {
			return nil, fmt.Errorf("header %q", h)
		}
		v := "$portcullis_auth_" + strconv.Itoa(i)
		out = append(out,
			d("auth_request_set", lit(v), lit("$upstream_http_"+strings.ReplaceAll(strings.ToLower(h), "-", "_"))),
			d("proxy_set_header", text(h), lit(v)))
	}
	if a.SignIn != "" {
		out = append(out, d("error_page", lit("401"), lit("="), lit("@portcullis_signin_"+a.Name)))
	}
	return out, nil
}

// referenced are the names the directives under nodes refer to, each once,
// sorted: pick gives a directive's name, or false for one that names none.
func referenced(nodes []*Node, pick func(*Node) (string, bool)) []string {
	seen := map[string]bool{}
	var out []string
	var find func(nodes []*Node)
	find = func(nodes []*Node) {
		for _, n := range nodes {
			if name, ok := pick(n); ok && !seen[name] {
				seen[name] = true
				out = append(out, name)
			}
			find(n.Children)
		}
	}
	find(nodes)
	slices.Sort(out)
	return out
}

// withAuth adds to a server block the internal locations its protected
// locations use: the subrequest to the authentication service and the
// sign-in redirect; and the error pages of its locations (withErrorPages).
func (r *renderer) withAuth(server *Node) (*Node, error) {
	names := referenced(server.Children, func(n *Node) (string, bool) {
		if n.Name != "auth_request" || len(n.Args) != 1 {
			return "", false
		}
		return strings.TrimPrefix(n.Args[0].s, authPath("")), true
	})
	for _, name := range names {
		a := r.auths[name]
		if a == nil {
			return nil, fmt.Errorf("external authentication %q was not rendered", name)
		}
		loc := blk("location", []Arg{lit("="), lit(authPath(name))},
			d("internal"),
			d("proxy_pass", text(a.URL)),
			d("proxy_method", lit(a.Method)),
			d("proxy_pass_request_body", lit("off")),
			d("proxy_set_header", lit("Content-Length"), lit("")),
			d("proxy_set_header", lit("X-Original-URI"), lit("$request_uri")),
			d("proxy_set_header", lit("X-Original-Method"), lit("$request_method")),
			d("proxy_set_header", lit("X-Original-URL"), lit("$scheme://$http_host$request_uri")),
			d("proxy_set_header", lit("X-Real-IP"), lit("$remote_addr")),
			d("proxy_set_header", lit("X-Forwarded-For"), lit("$proxy_add_x_forwarded_for")),
			d("proxy_set_header", lit("X-Forwarded-Proto"), lit("$scheme")),
			d("proxy_set_header", lit("X-Forwarded-Host"), lit("$host")),
		)
		if strings.HasPrefix(a.URL, "https://") {
			loc.add(d("proxy_ssl_server_name", lit("on")))
		}
		server.add(loc)
		if a.SignIn != "" {
			sep := "?"
			if strings.Contains(a.SignIn, "?") {
				sep = "&"
			}
			server.add(blk("location", []Arg{lit("@portcullis_signin_" + name)},
				d("return", lit("302"), textLit(a.SignIn, sep+"rd=$scheme://$http_host$request_uri"))))
		}
	}
	if err := r.withErrorPages(server); err != nil {
		return nil, err
	}
	return server, nil
}

// safeName is a hash the model made: lower-case hex.
func safeName(s string) bool {
	return s != "" && strings.Trim(s, "0123456789abcdef") == ""
}

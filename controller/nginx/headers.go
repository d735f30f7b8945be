package nginx

// Response headers: the headers an Ingress adds, hides and passes, its CORS
// answers and its rewrite of backend redirects
// (docs/reference.md#response-headers, docs/reference.md#cors).

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/seed-d040b84d/portcullis/controller/dataplane"
	"github.com/seed-d040b84d/portcullis/lib/annotations/grammar"
)

// serverHeaders are the add_header of the server being rendered (r.hsts).
// nginx inherits a server's add_header only into locations that add none,
// so every location that adds a header repeats it.
func (r *renderer) serverHeaders() []*Node {
	if r.hsts == nil {
		return nil
	}
	return []*Node{r.hsts}
}

// headerDirectives are a location's response header directives for module
// (proxy or grpc): the hidden and passed backend headers, proxy_redirect,
// the added headers (after the server's HSTS header) and CORS. Every name
// and value is checked again here and written as quoted text.
func (r *renderer) headerDirectives(h *dataplane.Headers, module string) ([]*Node, error) {
	if h == nil {
		return nil, nil
	}
	var out []*Node
	for _, l := range []struct {
		names     []string
		directive string
	}{{h.Hide, module + "_hide_header"}, {h.Pass, module + "_pass_header"}} {
		for _, n := range l.names {
			if err := grammar.CheckHeaderName(n); err != nil {
				return nil, err
			}
			out = append(out, d(l.directive, text(n)))
		}
	}
	if rd := h.Redirect; rd != nil && module == "proxy" {
		switch {
		case rd.From == "off" || rd.From == "default":
			if rd.To != "" {
				return nil, fmt.Errorf("proxy_redirect %q with a replacement", rd.From)
			}
			out = append(out, d("proxy_redirect", lit(rd.From)))
		default:
			if _, err := grammar.RedirectTarget.Parse(rd.From, grammar.Context{}); err != nil {
				return nil, fmt.Errorf("proxy_redirect: %w", err)
			}
			if _, err := grammar.RedirectTarget.Parse(rd.To, grammar.Context{}); err != nil {
				return nil, fmt.Errorf("proxy_redirect: %w", err)
			}
			// A URL or path never starts with "~" (a regular expression)
			// and the writer refuses "$" in text: both arguments are plain.
			out = append(out, d("proxy_redirect", text(rd.From), text(rd.To)))
		}
	}
	var added []*Node
	for _, a := range h.Add {
		if err := grammar.CheckHeaderName(a.Name); err != nil {
			return nil, err
		}
		if err := grammar.CheckHeaderValue(a.Value); err != nil {
			return nil, err
		}
		n := d("add_header", text(a.Name), text(a.Value))
		if a.Always {
			n.Args = append(n.Args, lit("always"))
		}
		added = append(added, n)
	}
	if c := h.CORS; c != nil {
		cors, preflight, err := corsHeaders(c)
		if err != nil {
			return nil, err
		}
		// The preflight answer: the server's and the Ingress's headers
		// again (nginx inherits none into a block that adds its own), the
		// CORS ones, and 204 before any backend, access rule or
		// authentication runs, as ingress-nginx answers it.
		cond := []Arg{lit("("), lit("$request_method"), lit("="), lit("OPTIONS"), lit(")")}
		if !c.AnyOrigin {
			cond = []Arg{lit("("), lit(corsVar("corspre", c)), lit(")")}
		}
		pre := blk("if", cond)
		pre.add(r.serverHeaders()...)
		pre.add(added...)
		pre.add(preflight...)
		pre.add(d("return", lit("204")))
		out = append(out, pre)
		added = append(added, cors...)
	}
	if len(added) > 0 {
		out = append(out, r.serverHeaders()...)
		out = append(out, added...)
	}
	return out, nil
}

// corsHeaders are the add_header directives of every response to an allowed
// origin, and those of a preflight answer. For a list of origins the
// values are the http-level maps' variables (corsMaps), empty (so not sent)
// unless the request's Origin is in the list; "*" is sent to every request.
func corsHeaders(c *dataplane.CORS) (always, preflight []*Node, err error) {
	if c.MaxAge < 0 || len(c.Methods) == 0 || c.AnyOrigin && c.Credentials {
		return nil, nil, fmt.Errorf("cors: max age %d, %d methods, credentials %t", c.MaxAge, len(c.Methods), c.Credentials)
	}
	for _, l := range [][]string{c.Methods, c.Headers, c.Expose} {
		for _, v := range l {
			if v != "*" {
				if err := grammar.CheckHeaderName(v); err != nil {
					return nil, nil, fmt.Errorf("cors: %w", err)
				}
			}
		}
	}
	hdr := func(name string, v Arg) *Node {
		return d("add_header", lit(name), v, lit("always"))
	}
	if c.AnyOrigin {
		always = append(always, hdr("Access-Control-Allow-Origin", lit("*")))
		if len(c.Expose) > 0 {
			always = append(always, hdr("Access-Control-Expose-Headers", text(strings.Join(c.Expose, ", "))))
		}
	} else {
		always = append(always, hdr("Access-Control-Allow-Origin", lit(corsVar("cors", c))), hdr("Vary", lit("Origin")))
		if c.Credentials {
			always = append(always, hdr("Access-Control-Allow-Credentials", lit(corsVar("corscred", c))))
		}
		if len(c.Expose) > 0 {
			always = append(always, hdr("Access-Control-Expose-Headers", lit(corsVar("corsexpose", c))))
		}
	}
	preflight = append(preflight, always...)
	preflight = append(preflight, hdr("Access-Control-Allow-Methods", text(strings.Join(c.Methods, ", "))))
	if len(c.Headers) > 0 {
		preflight = append(preflight, hdr("Access-Control-Allow-Headers", text(strings.Join(c.Headers, ", "))))
	}
	preflight = append(preflight, hdr("Access-Control-Max-Age", num(c.MaxAge)))
	return always, preflight, nil
}

// corsVar is the variable of one of a CORS setting's maps, named by a hash
// of the origins (and, for the exposed headers, of those too).
func corsVar(kind string, c *dataplane.CORS) string {
	key := strings.Join(c.Origins, ",")
	if kind == "corsexpose" {
		key += "|" + strings.Join(c.Expose, ",")
	}
	return varName(kind, key)
}

// corsMaps are the http-level maps of the model's CORS settings with a list
// of origins, each once: the request's Origin when it matches one of the
// list (case-insensitively; a "*" label matches one label), else empty;
// whether the request is a preflight from such an origin; and the gated
// credentials and exposed headers.
func corsMaps(m *dataplane.Model) ([]*Node, error) {
	var out []*Node
	seen := map[string]bool{}
	add := func(name string, n *Node) {
		if !seen[name] {
			seen[name] = true
			out = append(out, n)
		}
	}
	for _, s := range m.Servers {
		for _, l := range s.Locations {
			if l.Headers == nil || l.Headers.CORS == nil || l.Headers.CORS.AnyOrigin {
				continue
			}
			c := l.Headers.CORS
			origin := corsVar("cors", c)
			if !seen[origin] {
				om := blk("map", []Arg{lit("$http_origin"), lit(origin)}, entry(lit("default"), lit("")))
				for _, o := range c.Origins {
					re, err := originRegex(o)
					if err != nil {
						return nil, err
					}
					om.add(entry(regex(re), lit("$http_origin")))
				}
				add(origin, om)
				pre := corsVar("corspre", c)
				add(pre, blk("map", []Arg{lit("$request_method:" + origin), lit(pre)},
					entry(lit("default"), lit("")), entry(lit("~^OPTIONS:."), lit("1"))))
			}
			if c.Credentials {
				v := corsVar("corscred", c)
				add(v, blk("map", []Arg{lit(origin), lit(v)}, entry(lit(""), lit("")), entry(lit("default"), lit("true"))))
			}
			if len(c.Expose) > 0 {
				v := corsVar("corsexpose", c)
				add(v, blk("map", []Arg{lit(origin), lit(v)}, entry(lit(""), lit("")), entry(lit("default"), text(strings.Join(c.Expose, ", ")))))
			}
		}
	}
	return out, nil
}

// originRegex is the case-insensitive map key matching exactly origin o:
// scheme://host[:port], a first host label "*" matching one label.
func originRegex(o string) (string, error) {
	if _, err := grammar.CORSOrigins.Parse(o, grammar.Context{}); err != nil || o == "*" {
		return "", fmt.Errorf("cors origin %q: %v", o, err)
	}
	scheme, rest, _ := strings.Cut(o, "://")
	host, port, hasPort := strings.Cut(rest, ":")
	re := "~*^" + regexp.QuoteMeta(scheme) + "://"
	if h, ok := strings.CutPrefix(host, "*."); ok {
		re += `[a-z0-9-]+\.` + regexp.QuoteMeta(h)
	} else {
		re += regexp.QuoteMeta(host)
	}
	if hasPort {
		n, err := strconv.Atoi(port)
		if err != nil {
			return "", fmt.Errorf("cors origin %q: port", o)
		}
		re += ":" + strconv.Itoa(n)
	}
	return re + "$", nil
}

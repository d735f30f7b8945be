package nginx

// Locations: the paths of a host, the headers sent to backends, and the
// plain-HTTP redirect.

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/seed-d040b84d/portcullis/controller/dataplane"
	"github.com/seed-d040b84d/portcullis/lib/intent"
)

// Identity headers set from the verified client certificate on hosts with
// client auth, and cleared everywhere else so a client cannot forge them.
var identityHeaders = []struct{ name, variable string }{
	{"ssl-client-verify", "$ssl_client_verify"},
	{"ssl-client-subject-dn", "$ssl_client_s_dn"},
	{"ssl-client-issuer-dn", "$ssl_client_i_dn"},
	{"ssl-client-cert", "$ssl_client_escaped_cert"},
}

func (r *renderer) addLocations(server *Node, locs []dataplane.Location, auth *dataplane.ClientAuth) error {
	if len(locs) == 0 {
		server.add(d("return", lit("404")))
		return nil
	}
	nodes, err := r.locations(locs, auth)
	if err != nil {
		return err
	}
	server.add(nodes...)
	return nil
}

// rendered is one nginx location: its modifier ("=", "^~" or "") and path.
type rendered struct {
	mod, path string
	loc       dataplane.Location
}

// expand turns the model's locations into nginx locations. Kubernetes' Prefix
// matches whole segments: "/foo" is "= /foo" and "/foo/". An exact location
// wins over the exact half of a prefix one.
func expand(locs []dataplane.Location) []rendered {
	var out []rendered
	seen := map[[2]string]bool{}
	add := func(mod, path string, l dataplane.Location) {
		k := [2]string{mod, path}
		if !seen[k] {
			seen[k] = true
			out = append(out, rendered{mod, path, l})
		}
	}
	for _, l := range locs {
		if l.Match == dataplane.MatchExact {
			add("=", l.Path, l)
		}
	}
	for _, l := range locs {
		if l.Match == dataplane.MatchExact {
			continue
		}
		switch {
		case l.Path == "/":
			add("", "/", l)
		case strings.HasSuffix(l.Path, "/"):
			add("=", strings.TrimSuffix(l.Path, "/"), l)
			add("", l.Path, l)
		default:
			add("=", l.Path, l)
			add("", l.Path+"/", l)
		}
	}
	return out
}

func (r *renderer) locations(locs []dataplane.Location, auth *dataplane.ClientAuth) ([]*Node, error) {
	var out []*Node
	var exp []rendered
	if regexServer(locs) {
		exp = expandRegex(locs)
	} else {
		// nginx.org/path-regex: literal locations, then the regular
		// expressions, which nginx tries after the literal prefixes.
		literal, regexes := literalAndRegex(locs)
		exp = append(expand(literal), expandRegex(regexes)...)
	}
	for _, x := range exp {
		n, err := r.location(x.mod, x.path, x.loc, auth)
		if err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, nil
}

func locationArgs(mod, path string) []Arg {
	if mod == "" {
		return []Arg{text(path)}
	}
	if isRegexMod(mod) {
		return []Arg{lit(mod), regex(path)}
	}
	return []Arg{lit(mod), text(path)}
}

func (r *renderer) location(mod, path string, l dataplane.Location, auth *dataplane.ClientAuth) (*Node, error) {
	if isRegexMod(mod) {
		if err := checkPattern(path, l); err != nil {
			return nil, err
		}
	} else if !dataplane.SafePath(path) && path != "" || l.Regex {
		return nil, fmt.Errorf("path %q", path)
	}
	n := blk("location", locationArgs(mod, path))
	if l.Status != 0 {
		// A default backend answers the status of a path whose Service has
		// no address.
		pages, err := r.errorPageDirectives(l.ErrorPages, false)
		if err != nil {
			return nil, err
		}
		return n.add(pages...).add(d("return", num(l.Status))), nil
	}
	if l.Redirect != nil {
		ret, err := pathRedirect(l.Redirect)
		if err != nil {
			return nil, err
		}
		return n.add(ret), nil
	}
	if l.Upstream == "" {
		return nil, fmt.Errorf("path %s has no upstream", l.Path)
	}
	grpc := l.Protocol == intent.ProtocolGRPC || l.Protocol == intent.ProtocolGRPCS
	pass, set, pfx := "proxy_pass", "proxy_set_header", "proxy_ssl_"
	scheme := map[string]string{intent.ProtocolHTTP: "http://", intent.ProtocolHTTPS: "https://", intent.ProtocolGRPC: "grpc://", intent.ProtocolGRPCS: "grpcs://"}[l.Protocol]
	if scheme == "" {
		return nil, fmt.Errorf("protocol %q", l.Protocol)
	}
	if grpc {
		pass, set, pfx = "grpc_pass", "grpc_set_header", "grpc_ssl_"
	}
	if !dataplane.SafeText(l.Upstream) || strings.ContainsAny(l.Upstream, "/:\"\\ ") {
		return nil, fmt.Errorf("upstream name %q", l.Upstream)
	}
	if a := l.Access; a != nil {
		for _, p := range a.Deny {
			n.add(d("deny", lit(p.String())))
		}
		for _, p := range a.Allow {
			n.add(d("allow", lit(p.String())))
		}
		if len(a.Allow) > 0 {
			n.add(d("deny", lit("all")))
		}
	}
	if a := l.ExternalAuth; a != nil {
		nodes, err := r.externalAuth(a)
		if err != nil {
			return nil, err
		}
		n.add(nodes...)
	}
	if a := l.BasicAuth; a != nil {
		f, err := r.file(a.File)
		if err != nil {
			return nil, err
		}
		n.add(d("auth_basic", text(a.Realm)), d("auth_basic_user_file", f))
	}
	if l.SatisfyAny {
		n.add(d("satisfy", lit("any")))
	}
	module := "proxy"
	if grpc {
		module = "grpc"
	}
	headers, err := r.headerDirectives(l.Headers, module)
	if err != nil {
		return nil, err
	}
	// A CORS preflight's "if" runs before the rewrite, whose "break" would
	// end the rewrite phase before it.
	for _, h := range headers {
		if h.Name == "if" {
			n.add(h)
		}
	}
	n.add(rewrite(l)...)
	fwd, err := forwardingDirectives(mod, l)
	if err != nil {
		return nil, err
	}
	n.add(fwd...)
	n.add(d(pass, lit(scheme+l.Upstream)))
	// The http-level headers, unless this location sets its own (the
	// identity of a verified client certificate, an authentication
	// service's answer, upstream-vhost, x-forwarded-prefix): then the
	// whole list again.
	var request []intent.Header
	if l.Headers != nil {
		request = l.Headers.Request
	}
	own := auth != nil || l.Forwarding != nil && (l.Forwarding.Host != "" || l.Forwarding.Prefix != "") || len(request) > 0
	for _, c := range n.Children {
		own = own || c.Name == set
	}
	if own {
		n.add(r.proxyHeaders(set, !grpc, auth, l.Forwarding, request)...)
	}
	if t := l.BackendTLS; t != nil {
		nodes, err := r.backendTLS(pfx, t)
		if err != nil {
			return nil, err
		}
		n.add(nodes...)
	}
	traffic, err := trafficDirectives(l.Traffic, module)
	if err != nil {
		return nil, err
	}
	n.add(traffic...)
	if l.ErrorPages != nil && grpc {
		return nil, fmt.Errorf("path %s: error pages on a gRPC backend", l.Path)
	}
	pages, err := r.errorPageDirectives(l.ErrorPages, true)
	if err != nil {
		return nil, err
	}
	n.add(pages...)
	for _, h := range headers {
		if h.Name != "if" {
			n.add(h)
		}
	}
	return n, nil
}

// proxyHeaders are the headers sent to every backend: WebSocket upgrades
// (Upgrade passed on; Connection "upgrade" only when the client asked for
// one, so ordinary requests keep the upstream keep-alive connections), the
// request ID, the client's address and the forwarding headers, and the
// identity of the client certificate, cleared unless auth verified one so
// a client cannot forge them.
//
// fw, when not nil, replaces Host (upstream-vhost) and adds
// X-Forwarded-Prefix (x-forwarded-prefix); forwardingDirectives checked
// both against their grammars, and text() refuses a "$" again.
func (r *renderer) proxyHeaders(set string, upgrade bool, auth *dataplane.ClientAuth, fw *dataplane.Forwarding, request []intent.Header) []*Node {
	var out []*Node
	if upgrade {
		out = append(out, d(set, lit("Upgrade"), lit("$http_upgrade")), d(set, lit("Connection"), lit("$portcullis_connection")))
	}
	host := lit("$host")
	if fw != nil && fw.Host != "" {
		host = text(fw.Host)
	}
	if fw != nil && fw.Prefix != "" {
		out = append(out, d(set, lit("X-Forwarded-Prefix"), text(fw.Prefix)))
	}
	out = append(out,
		d(set, lit("Host"), host),
		d(set, lit("X-Request-ID"), lit("$portcullis_request_id")),
		d(set, lit("X-Real-IP"), lit("$remote_addr")),
		d(set, lit("X-Forwarded-For"), lit(r.forwardedFor())),
		d(set, lit("X-Forwarded-Proto"), lit("$portcullis_forwarded_proto")),
		d(set, lit("X-Forwarded-Host"), lit("$host")),
		d(set, lit("X-Forwarded-Port"), lit("$portcullis_forwarded_port")),
		d(set, lit("X-Forwarded-Scheme"), lit("$portcullis_forwarded_proto")),
		d(set, lit("X-Scheme"), lit("$portcullis_forwarded_proto")),
	)
	if len(r.forwardedFrom) > 0 {
		// The header as it arrived from the trusted load balancer.
		out = append(out, d(set, lit("X-Original-Forwarded-For"), lit("$http_x_forwarded_for")))
	}
	for _, h := range identityHeaders {
		v := ""
		if auth != nil && (h.name != "ssl-client-cert" || auth.PassCertificate) {
			v = h.variable
		}
		out = append(out, d(set, lit(h.name), lit(v)))
	}
	// The Ingress's own (nginx.org/proxy-set-headers): never one of the
	// above, which lib and the data plane refuse.
	for _, h := range request {
		out = append(out, d(set, text(h.Name), text(h.Value)))
	}
	return out
}

// redirectLocations are a plain-HTTP server's locations when the host
// redirects to HTTPS: every path redirects except those under an exempt
// prefix (ACME HTTP-01), which are served as over HTTPS.
func (r *renderer) redirectLocations(s dataplane.Server) ([]*Node, error) {
	target := "https://$host$request_uri"
	if p := cmpInt(r.o.PublicHTTPSPort, r.o.HTTPSPort); p != 443 {
		target = "https://$host:" + strconv.Itoa(p) + "$request_uri"
	}
	redirect := func(mod, path string) *Node {
		return blk("location", locationArgs(mod, path), d("return", num(s.Redirect.Code), lit(target)))
	}
	var out []*Node
	haveRoot := false
	// A regex host's literal paths keep their literal locations here, so
	// the exempt ones (an ACME solver's) are found as prefixes; "^~" keeps
	// a regular expression from taking their requests. Its regular
	// expressions all redirect.
	literal, regexes := literalAndRegex(s.Locations)
	stop := ""
	if len(regexes) > 0 {
		stop = "^~"
	}
	exp := expand(literal)
	for _, x := range exp {
		if x.mod == "" && x.path == "/" {
			haveRoot = true
		}
		if !exempt(x.path, s.Redirect.Exempt) {
			out = append(out, redirect(x.mod, x.path))
			continue
		}
		mod := x.mod
		if mod == "" {
			mod = stop
		}
		n, err := r.location(mod, x.path, x.loc, nil)
		if err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	for _, e := range s.Redirect.Exempt {
		if !dataplane.SafePath(e) {
			continue
		}
		clash := false
		for _, x := range exp {
			clash = clash || (x.mod != "=" && x.path == e)
		}
		if clash {
			continue
		}
		// The path an exempt request would otherwise match, served plainly.
		var best *rendered
		for i, x := range exp {
			if s.ClientAuth != nil {
				// Only the host's own paths under the prefix (a solver's) are
				// served without a client certificate, never its other backends.
				break
			}
			if x.mod == "" && strings.HasPrefix(e, x.path) && (best == nil || len(x.path) > len(best.path)) {
				best = &exp[i]
			}
		}
		if best == nil {
			out = append(out, blk("location", locationArgs("^~", e), d("return", lit("404"))))
			continue
		}
		n, err := r.location("^~", e, best.loc, nil)
		if err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	for _, x := range expandRegex(regexes) {
		if err := checkPattern(x.path, x.loc); err != nil {
			return nil, err
		}
		out = append(out, redirect(x.mod, x.path))
	}
	if !haveRoot {
		out = append(out, redirect("", "/"))
	}
	return out, nil
}

func exempt(path string, prefixes []string) bool {
	for _, e := range prefixes {
		e = strings.TrimSuffix(e, "/")
		if path == e || strings.HasPrefix(path, e+"/") {
			return true
		}
	}
	return false
}

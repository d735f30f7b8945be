package nginx

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/netip"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"

	"github.com/seed-d040b84d/portcullis/controller/dataplane"
	"github.com/seed-d040b84d/portcullis/lib/intent"
)

// Options are how the rendered nginx runs: where its files are and where it listens.
type Options struct {
	// Root is the absolute directory holding the model's files.
	Root string
	// Prefix is the absolute directory for the pid file, logs and temp files.
	Prefix string
	// Address is the listen address ("" listens on every IPv4 address).
	Address   string
	HTTPPort  int
	HTTPSPort int
	// PublicHTTPSPort is the port redirects send clients to (HTTPSPort when 0;
	// the passthrough proxy's port when passthrough is on).
	PublicHTTPSPort int
	// Passthrough makes the TLS servers listen on FallbackPort with
	// proxy_protocol, behind the passthrough proxy, trusting PROXY headers from
	// loopback only.
	Passthrough  bool
	FallbackPort int
	// StatusAddress, when set ("127.0.0.1:port"), gets a server answering
	// GenerationPath with Generation: how the supervisor knows a reload took.
	StatusAddress string
	// Generation names the configuration (hex); see StatusAddress.
	Generation string
	// User is written as the user directive when set (nginx run as root).
	User            string
	WorkerProcesses int
	ErrorLogLevel   string
	// AccessLogPath is where the access log goes when the model has it on:
	// nginx's standard output when empty (the supervisor hands it its own,
	// SupervisorConfig.Stdout).
	AccessLogPath    string
	KeepaliveConns   int
	WorkerConnection int

	// separate renders one server block per host, alike or not (tests).
	separate bool
}

// Identity headers set from the verified client certificate on hosts with
// client auth, and cleared everywhere else so a client cannot forge them.
var identityHeaders = []struct{ name, variable string }{
	{"ssl-client-verify", "$ssl_client_verify"},
	{"ssl-client-subject-dn", "$ssl_client_s_dn"},
	{"ssl-client-issuer-dn", "$ssl_client_i_dn"},
	{"ssl-client-cert", "$ssl_client_escaped_cert"},
}

// RenderModel renders the model as a complete nginx.conf.
func RenderModel(m *dataplane.Model, o Options) ([]byte, error) {
	nodes, err := Tree(m, o)
	if err != nil {
		return nil, err
	}
	return Render(nodes)
}

// Tree builds the configuration tree of the model.
func Tree(m *dataplane.Model, o Options) ([]*Node, error) {
	if !filepath.IsAbs(o.Root) || !filepath.IsAbs(o.Prefix) {
		return nil, errors.New("nginx: Root and Prefix must be absolute")
	}
	for _, dir := range []string{o.Root, o.Prefix} {
		if !dataplane.SafeText(dir) || strings.ContainsAny(dir, "\"\\") {
			return nil, fmt.Errorf("nginx: directory %q is not a plain path", dir)
		}
	}
	if o.HTTPPort <= 0 || o.HTTPSPort <= 0 || (o.Passthrough && o.FallbackPort <= 0) {
		return nil, errors.New("nginx: HTTPPort, HTTPSPort (and FallbackPort with passthrough) are required")
	}
	r := &renderer{o: o}
	var top []*Node
	if o.User != "" {
		top = append(top, d("user", text(o.User)))
	}
	g := m.TLS
	workers := lit("auto")
	if n := cmpInt(o.WorkerProcesses, g.WorkerProcesses); n > 0 {
		workers = num(n)
	}
	conns := cmpInt(o.WorkerConnection, cmpInt(g.WorkerConnections, 1024))
	top = append(top,
		d("daemon", lit("off")),
		d("master_process", lit("on")),
		d("worker_processes", workers),
		d("worker_rlimit_nofile", num(WorkerOpenFiles(g.WorkerOpenFiles, conns))),
		d("pid", r.prefix("nginx.pid")),
		d("error_log", r.prefix("error.log"), lit(cmpOr(o.ErrorLogLevel, "notice"))),
		blk("events", nil, d("worker_connections", num(conns))),
	)
	if g.WorkerShutdownTimeout > 0 {
		top = append(top, d("worker_shutdown_timeout", lit(strconv.FormatInt(int64(g.WorkerShutdownTimeout.Seconds()), 10)+"s")))
	}
	http, err := r.http(m)
	if err != nil {
		return nil, err
	}
	return append(top, http), nil
}

type renderer struct {
	o Options
	// auths are the external authentications the locations rendered so
	// far use, by name; withAuth gives each server block their locations.
	auths map[string]*dataplane.ExternalAuth
	// forwardedFrom and proxyFrom are the trusted load balancers
	// (Global.ForwardedFrom, Global.ProxyProtocolFrom).
	forwardedFrom, proxyFrom []netip.Prefix
	global                   dataplane.Global
}

// certVar is the served certificate file (chain and key) of the server
// name the client sent, with dynamic certificates.
const certVar = "$portcullis_certificate"

// certificateMap maps the server name of a TLS handshake (SNI) to the file
// of the host's certificate, the default certificate otherwise: nginx loads
// it at each full handshake, so a reload loads no certificate. Exact names
// come first, then the one-label wildcards, as server_name chooses.
func (r *renderer) certificateMap(m *dataplane.Model) (*Node, error) {
	def, err := r.file(m.Default.Cert.Cert)
	if err != nil {
		return nil, err
	}
	out := blk("map", []Arg{lit("$ssl_server_name"), lit(certVar)}, entry(lit("default"), def))
	var wildcards []*Node
	for _, s := range m.Servers {
		if s.TLS == nil || s.Reject {
			continue
		}
		if s.TLS.Cert.Cert != s.TLS.Cert.Key {
			return nil, fmt.Errorf("nginx: host %s: a served certificate is one file of chain and key", s.Host)
		}
		f, err := r.file(s.TLS.Cert.Cert)
		if err != nil {
			return nil, err
		}
		if !dataplane.SafeHost(s.Host) {
			return nil, fmt.Errorf("nginx: host %q is not an RFC 1123 name", s.Host)
		}
		if rest, ok := strings.CutPrefix(s.Host, "*."); ok {
			// Case-insensitive: nginx lowers the name to look up exact
			// keys, not for regular expressions.
			wildcards = append(wildcards, entry(regex(`~*^[^.]+\.`+strings.ReplaceAll(rest, ".", `\.`)+`$`), f))
			continue
		}
		out.add(entry(mapKey(s.Host), f))
	}
	return out.add(wildcards...), nil
}

// HotFile says whether nginx reads f at each handshake rather than when it
// loads the configuration: a served certificate with dynamic certificates.
// Its content can then change without a reload.
func HotFile(m *dataplane.Model, f dataplane.File) bool {
	return f.Replaceable && !m.TLS.StaticCertificates
}

// ownContext says whether a host's TLS server needs its own OpenSSL
// context: client certificates, protocols and ciphers are a context's, not
// a handshake's. Other hosts share the default server's.
func (r *renderer) ownContext(s dataplane.Server) bool {
	t := s.TLS
	g := r.global
	return g.StaticCertificates || s.ClientAuth != nil || !slices.Equal(t.Protocols, g.Protocols) ||
		t.Ciphers != g.Ciphers || t.PreferServerCiphers != g.PreferServerCiphers
}

// serverCertificate are the certificate directives of a TLS server.
func (r *renderer) serverCertificate(kp dataplane.KeyPair) ([]*Node, error) {
	if r.global.StaticCertificates {
		return r.keyPair(kp, "ssl_certificate", "ssl_certificate_key")
	}
	return []*Node{d("ssl_certificate", lit(certVar)), d("ssl_certificate_key", lit(certVar))}, nil
}

func cmpOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func (r *renderer) prefix(name string) Arg { return lit(filepath.Join(r.o.Prefix, name)) }

// file is the absolute path of a model file; the names are the model's own
// (a kind and a hash), checked again here.
func (r *renderer) file(name string) (Arg, error) {
	if name == "" || strings.ContainsAny(name, "/\\\"$") || name[0] == '.' || !dataplane.SafeText(name) {
		return Arg{}, fmt.Errorf("nginx: file name %q is not one the model makes", name)
	}
	return lit(filepath.Join(r.o.Root, name)), nil
}

func (r *renderer) http(m *dataplane.Model) (*Node, error) {
	h := blk("http", nil)
	logs, err := r.accessLog(m.TLS)
	if err != nil {
		return nil, err
	}
	h.add(logs...)
	for _, t := range []string{"client_body", "proxy", "fastcgi", "uwsgi", "scgi"} {
		h.add(d(t+"_temp_path", r.prefix(t+"_temp")))
	}
	g := m.TLS
	h.add(
		d("server_tokens", lit("off")),
		d("server_names_hash_bucket_size", num(128)),
		d("server_names_hash_max_size", num(hashSize(2*len(m.Servers)))),
		d("map_hash_bucket_size", num(128)),
		d("map_hash_max_size", num(hashSize(len(m.Servers)))),
		d("ssl_protocols", texts(g.Protocols)...),
		d("ssl_ciphers", text(g.Ciphers)),
		d("ssl_prefer_server_ciphers", onOff(g.PreferServerCiphers)),
	)
	if g.ECDHCurve != "" {
		h.add(d("ssl_ecdh_curve", text(g.ECDHCurve)))
	}
	if g.SessionCache {
		h.add(d("ssl_session_cache", lit("shared:portcullis:"+strconv.FormatInt(max(g.SessionCacheSize/1024, 1), 10)+"k")))
	} else {
		h.add(d("ssl_session_cache", lit("off")))
	}
	if g.SessionTimeout > 0 {
		h.add(d("ssl_session_timeout", lit(strconv.FormatInt(int64(g.SessionTimeout.Seconds()), 10)+"s")))
	}
	h.add(d("ssl_session_tickets", onOff(g.SessionTickets)))
	if g.BufferSize > 0 {
		h.add(d("ssl_buffer_size", num(g.BufferSize)))
	}
	h.add(r.forwardingMaps(g)...)
	r.forwardedFrom, r.proxyFrom = g.ForwardedFrom, g.ProxyProtocolFrom
	switch {
	case r.o.Passthrough:
		// TLS reaches nginx through the passthrough proxy, which states the
		// client's address in a PROXY header; plain-HTTP servers set their
		// own (plainServer).
		h.add(d("set_real_ip_from", lit("127.0.0.1")), d("set_real_ip_from", lit("::1")), d("real_ip_header", lit("proxy_protocol")))
	case len(r.proxyFrom) > 0:
		h.add(r.realIP(r.proxyFrom, "proxy_protocol")...)
	case len(r.forwardedFrom) > 0:
		h.add(r.realIP(r.forwardedFrom, "X-Forwarded-For")...)
	}
	for _, s := range m.Servers {
		if maps := r.maps(s); maps != nil {
			h.add(maps...)
		}
	}
	r.global = g
	if !g.StaticCertificates {
		certs, err := r.certificateMap(m)
		if err != nil {
			return nil, err
		}
		h.add(certs)
	}
	// Every proxied location sends these, unless it sets headers of its
	// own (nginx inherits the list only into a location that sets none):
	// one list nginx builds once instead of one per location.
	h.add(d("proxy_http_version", lit("1.1")))
	h.add(r.proxyHeaders("proxy_set_header", true, nil)...)
	h.add(r.proxyHeaders("grpc_set_header", false, nil)...)
	for _, u := range m.Upstreams {
		up := blk("upstream", []Arg{text(u.Name)})
		for _, addr := range u.Servers {
			up.add(d("server", text(addr)))
		}
		up.add(d("keepalive", num(max(r.o.KeepaliveConns, 16))))
		h.add(up)
	}
	def, err := r.defaultServers(m.Default)
	if err != nil {
		return nil, err
	}
	if err := r.addServers(h, def); err != nil {
		return nil, err
	}
	// Hosts whose server blocks are alike (the same listener, certificate
	// directives, client authentication, locations and headers) share one
	// block with a server_name for each: nginx chooses a block by name as
	// before, and loads one block (one TLS context) instead of many.
	shared := map[string]*Node{}
	for _, s := range m.Servers {
		nodes, err := r.server(s)
		if err == nil {
			for _, srv := range nodes {
				if _, err = r.withAuth(srv); err != nil {
					break
				}
				key := fingerprint(srv)
				if first, ok := shared[key]; ok && !r.o.separate {
					addNames(first, serverNames(srv))
					continue
				}
				shared[key] = srv
				h.add(srv)
			}
		}
		if err != nil {
			return nil, fmt.Errorf("nginx: host %s: %w", s.Host, err)
		}
	}
	if r.o.StatusAddress != "" {
		// Last: RenderWithGeneration renders it apart.
		status, err := r.statusServer()
		if err != nil {
			return nil, err
		}
		h.add(status)
	}
	return h, nil
}

// RenderWithGeneration renders the model once, with the status server
// answering the generation that generation computes from the rest of the
// configuration (everything but the status server, which is last in http).
func RenderWithGeneration(m *dataplane.Model, o Options, generation func(conf []byte) string) ([]byte, string, error) {
	if o.StatusAddress == "" {
		conf, err := RenderModel(m, o)
		if err != nil {
			return nil, "", err
		}
		return conf, generation(conf), nil
	}
	o.Generation = ""
	nodes, err := Tree(m, o)
	if err != nil {
		return nil, "", err
	}
	http := nodes[len(nodes)-1]
	http.Children = http.Children[:len(http.Children)-1]
	rest, err := Render(nodes)
	if err != nil {
		return nil, "", err
	}
	o.Generation = generation(rest)
	status, err := (&renderer{o: o}).statusServer()
	if err != nil {
		return nil, "", err
	}
	var b strings.Builder
	if err := render(&b, []*Node{status}, "http", 1); err != nil {
		return nil, "", err
	}
	end := []byte("}\n")
	if !bytes.HasSuffix(rest, end) {
		return nil, "", errors.New("nginx: the configuration does not end with the http block")
	}
	out := make([]byte, 0, len(rest)+b.Len())
	out = append(append(append(out, rest[:len(rest)-len(end)]...), b.String()...), end...)
	return out, o.Generation, nil
}

// addServers adds server blocks to h, each with the internal locations of
// the external authentication it uses.
func (r *renderer) addServers(h *Node, servers []*Node) error {
	for _, srv := range servers {
		if _, err := r.withAuth(srv); err != nil {
			return err
		}
		h.add(srv)
	}
	return nil
}

// serverNames are the server_name directives of a server block.
func serverNames(srv *Node) []*Node {
	var out []*Node
	for _, c := range srv.Children {
		if c.Name == "server_name" {
			out = append(out, c)
		}
	}
	return out
}

// addNames adds server_name directives after the block's last one.
func addNames(srv *Node, names []*Node) {
	at := 0
	for i, c := range srv.Children {
		if c.Name == "server_name" {
			at = i + 1
		}
	}
	srv.Children = slices.Insert(srv.Children, at, names...)
}

// fingerprint identifies a server block by everything in it but its names:
// every node and argument (kind and text), length-prefixed.
func fingerprint(srv *Node) string {
	var b strings.Builder
	var walk func(nodes []*Node)
	walk = func(nodes []*Node) {
		for _, n := range nodes {
			fmt.Fprintf(&b, "%d:%s|%t|%t|%d|", len(n.Name), n.Name, n.block, n.entry, len(n.Args))
			for _, a := range n.Args {
				fmt.Fprintf(&b, "%d.%d.%d:%s|", a.kind, a.user, len(a.s), a.s)
			}
			b.WriteString("{")
			walk(n.Children)
			b.WriteString("}")
		}
	}
	var rest []*Node
	for _, c := range srv.Children {
		if c.Name != "server_name" {
			rest = append(rest, c)
		}
	}
	walk(rest)
	return b.String()
}

// hashSize is a hash table size nginx can place n names in without
// searching for one (and warning that it could not).
func hashSize(n int) int {
	size := 512
	for size < 2*n {
		size *= 2
	}
	return size
}

func texts(ss []string) []Arg {
	out := make([]Arg, len(ss))
	for i, s := range ss {
		out[i] = text(s)
	}
	return out
}

// varName is an nginx variable name for a host, derived from a hash of it.
func varName(kind, host string) string {
	sum := sha256.Sum256([]byte(host))
	return "$portcullis_" + kind + "_" + hex.EncodeToString(sum[:8])
}

// maps are the http-level maps a host needs: the CN check of match-cn and the
// HSTS header behind a proxy.
func (r *renderer) maps(s dataplane.Server) []*Node {
	var out []*Node
	if a := s.ClientAuth; a != nil && a.MatchCN != "" && !s.Reject && s.Status == 0 {
		// Anchored at the start of the RFC 2253 subject, where nginx puts the
		// most specific RDN, the CN: "CN=<cn>," or "CN=<cn>" alone.
		out = append(out, blk("map", []Arg{lit("$ssl_client_s_dn"), lit(varName("cn", s.Host))},
			entry(regex("~^CN=(?:"+unanchor(a.MatchCN)+")(?:,|$)"), lit("1")),
			entry(lit("default"), lit("0")),
		))
	}
	if hs := s.HSTS; hs != nil && hs.BehindProxy && !s.Reject && s.Status == 0 {
		out = append(out, blk("map", []Arg{lit("$http_x_forwarded_proto"), lit(varName("hsts", s.Host))},
			entry(lit("https"), lit(hstsValue(hs))),
			entry(lit("default"), lit("")),
		))
	}
	return out
}

// unanchor drops one leading "^" and one trailing unescaped "$": the
// expression is anchored by the map key around it.
func unanchor(re string) string {
	re = strings.TrimPrefix(re, "^")
	if strings.HasSuffix(re, "$") {
		n := 0
		for i := len(re) - 2; i >= 0 && re[i] == '\\'; i-- {
			n++
		}
		if n%2 == 0 {
			re = re[:len(re)-1]
		}
	}
	return re
}

func hstsValue(h *intent.HSTS) string {
	v := "max-age=" + strconv.FormatInt(h.MaxAge, 10)
	if h.IncludeSubdomains {
		v += "; includeSubDomains"
	}
	if h.Preload {
		v += "; preload"
	}
	return v
}

// forwardingMaps are the variables every proxied location sends: the
// Connection header for WebSockets, the request ID (the client's
// X-Request-ID, else one nginx makes), and the port the client connected
// to (the public HTTPS port behind the passthrough proxy).
func (r *renderer) forwardingMaps(g dataplane.Global) []*Node {
	https := cmpInt(r.o.PublicHTTPSPort, r.o.HTTPSPort)
	requestID := []*Node{entry(lit("default"), lit("$http_x_request_id")), entry(lit(""), lit("$request_id"))}
	if !g.GenerateRequestID {
		requestID = []*Node{entry(lit("default"), lit("$http_x_request_id"))}
	}
	out := []*Node{
		blk("map", []Arg{lit("$http_upgrade"), lit("$portcullis_connection")}, entry(lit("default"), lit("upgrade")), entry(lit(""), lit(""))),
		blk("map", []Arg{lit("$http_x_request_id"), lit("$portcullis_request_id")}, requestID...),
	}
	ownPort := blk("map", []Arg{lit("$scheme"), lit("$portcullis_forwarded_port")}, entry(lit("https"), num(https)), entry(lit("default"), num(r.o.HTTPPort)))
	if len(g.ForwardedFrom) == 0 {
		return append(out, ownPort,
			blk("map", []Arg{lit("$scheme"), lit("$portcullis_forwarded_proto")}, entry(lit("default"), lit("$scheme"))))
	}
	// Behind a trusted layer-7 load balancer (use-forwarded-headers), its
	// X-Forwarded-Proto and -Port are passed on; anyone else's are not.
	trusted := blk("geo", []Arg{lit("$realip_remote_addr"), lit("$portcullis_trusted_hop")}, entry(lit("default"), lit("0")))
	for _, p := range g.ForwardedFrom {
		trusted.add(entry(lit(p.String()), lit("1")))
	}
	ownPort.Args[1] = lit("$portcullis_own_port")
	if !r.o.Passthrough {
		// The load balancer's header, then the load balancer itself: real
		// IP has already made the client the remote address.
		out = append(out, blk("map", []Arg{lit("$http_x_forwarded_for"), lit("$portcullis_forwarded_for")},
			entry(lit(""), lit("$realip_remote_addr")), entry(lit("default"), lit("$http_x_forwarded_for, $realip_remote_addr"))))
	}
	return append(out, trusted, ownPort,
		blk("map", []Arg{lit("$portcullis_trusted_hop:$http_x_forwarded_proto"), lit("$portcullis_forwarded_proto")},
			entry(lit("1:http"), lit("http")), entry(lit("1:https"), lit("https")), entry(lit("default"), lit("$scheme"))),
		blk("map", []Arg{lit("$portcullis_trusted_hop:$http_x_forwarded_port"), lit("$portcullis_forwarded_port")},
			entry(regex("~^1:(?<port>[0-9]{1,5})$"), lit("$port")), entry(lit("default"), lit("$portcullis_own_port"))),
	)
}

// forwardedFor is the X-Forwarded-For sent to backends: the client's header
// and the peer. Behind a trusted layer-7 load balancer the peer is the load
// balancer, not the client real IP found in its header.
func (r *renderer) forwardedFor() string {
	if len(r.forwardedFrom) > 0 && !r.o.Passthrough {
		return "$portcullis_forwarded_for"
	}
	return "$proxy_add_x_forwarded_for"
}

// realIP takes the client address from header (X-Forwarded-For, walked
// from the right past trusted hops, or the PROXY header) on connections from
// the trusted load balancers.
func (r *renderer) realIP(trusted []netip.Prefix, header string) []*Node {
	var out []*Node
	for _, p := range trusted {
		out = append(out, d("set_real_ip_from", lit(p.String())))
	}
	out = append(out, d("real_ip_header", lit(header)))
	if header == "X-Forwarded-For" {
		out = append(out, d("real_ip_recursive", lit("on")))
	}
	return out
}

// plainServer is a plain-HTTP server block. Behind the passthrough proxy the
// http-level address is the proxy's PROXY header, which plain HTTP never
// carries: a plain server trusts the load balancer in front instead, when
// there is one (use-proxy-protocol, use-forwarded-headers).
func (r *renderer) plainServer(children ...*Node) *Node {
	n := blk("server", nil, children...)
	switch {
	case !r.o.Passthrough:
	case len(r.proxyFrom) > 0:
		n.add(r.realIP(r.proxyFrom, "proxy_protocol")...)
	case len(r.forwardedFrom) > 0:
		n.add(r.realIP(r.forwardedFrom, "X-Forwarded-For")...)
	}
	return n
}

func (r *renderer) listenHTTP(extra ...string) *Node {
	args := []Arg{lit(r.addr(r.o.HTTPPort))}
	if len(r.proxyFrom) > 0 {
		args = append(args, lit("proxy_protocol"))
	}
	for _, e := range extra {
		args = append(args, lit(e))
	}
	return d("listen", args...)
}

func (r *renderer) listenTLS(extra ...string) *Node {
	port := r.o.HTTPSPort
	args := []Arg{lit(""), lit("ssl"), lit("http2")}
	if r.o.Passthrough {
		port = r.o.FallbackPort
	}
	if r.o.Passthrough || len(r.proxyFrom) > 0 {
		args = append(args, lit("proxy_protocol"))
	}
	args[0] = lit(r.addr(port))
	for _, e := range extra {
		args = append(args, lit(e))
	}
	return d("listen", args...)
}

func (r *renderer) addr(port int) string {
	if r.o.Address == "" {
		return strconv.Itoa(port)
	}
	return r.o.Address + ":" + strconv.Itoa(port)
}

func (r *renderer) keyPair(kp dataplane.KeyPair, cert, key string) ([]*Node, error) {
	c, err := r.file(kp.Cert)
	if err != nil {
		return nil, err
	}
	k, err := r.file(kp.Key)
	if err != nil {
		return nil, err
	}
	return []*Node{d(cert, c), d(key, k)}, nil
}

// defaultServers answer unknown hosts: the default certificate (or a refused
// handshake) and 404, or the paths of rules without a host.
func (r *renderer) defaultServers(def dataplane.DefaultServer) ([]*Node, error) {
	plain := r.plainServer(r.listenHTTP("default_server"), d("server_name", lit("_")))
	tls := blk("server", nil, r.listenTLS("default_server"), d("server_name", lit("_")))
	switch {
	case !r.global.StaticCertificates:
		// The context every host without its own shares: it loads the
		// certificate the client named, or refuses an unknown name.
		kp, err := r.serverCertificate(def.Cert)
		if err != nil {
			return nil, err
		}
		tls.add(kp...)
		if def.RejectHandshake {
			tls.add(d("ssl_reject_handshake", lit("on")))
		}
	case def.RejectHandshake:
		tls.add(d("ssl_reject_handshake", lit("on")))
	default:
		kp, err := r.keyPair(def.Cert, "ssl_certificate", "ssl_certificate_key")
		if err != nil {
			return nil, err
		}
		tls.add(kp...)
	}
	for _, s := range []*Node{plain, tls} {
		if len(def.Locations) == 0 {
			s.add(d("return", lit("404")))
			continue
		}
		locs, err := r.locations(def.Locations, nil)
		if err != nil {
			return nil, err
		}
		s.add(locs...)
	}
	return []*Node{plain, tls}, nil
}

// serverName is the host as nginx matches it: a one-label wildcard becomes a
// regular expression (nginx's own "*." would match several labels).
func serverName(host string) (*Node, error) {
	if !dataplane.SafeHost(host) {
		return nil, fmt.Errorf("host %q is not an RFC 1123 name", host)
	}
	if rest, ok := strings.CutPrefix(host, "*."); ok {
		return d("server_name", regex(`~^[^.]+\.`+strings.ReplaceAll(rest, ".", `\.`)+`$`)), nil
	}
	return d("server_name", text(host)), nil
}

func (r *renderer) server(s dataplane.Server) ([]*Node, error) {
	name, err := serverName(s.Host)
	if err != nil {
		return nil, err
	}
	plain := r.plainServer(r.listenHTTP(), name)
	var tls *Node
	if s.TLS != nil || s.Reject {
		tls = blk("server", nil, r.listenTLS(), name)
	}
	switch {
	case s.Reject:
		tls.add(d("ssl_reject_handshake", lit("on")))
		plain.add(d("return", lit("503")))
		return []*Node{plain, tls}, nil
	case s.Status != 0:
		plain.add(d("return", num(s.Status)))
	case s.Redirect.ToHTTPS:
		locs, err := r.redirectLocations(s)
		if err != nil {
			return nil, err
		}
		plain.add(locs...)
	case s.ClientAuth != nil:
		// The host asked for client certificates, which plain HTTP cannot
		// carry: never serve it there.
		plain.add(d("return", lit("403")))
	default:
		if err := r.addLocations(plain, s.Locations, nil); err != nil {
			return nil, err
		}
	}
	if tls == nil {
		return []*Node{plain}, nil
	}
	t := s.TLS
	if r.ownContext(s) {
		kp, err := r.serverCertificate(t.Cert)
		if err != nil {
			return nil, err
		}
		tls.add(kp...)
		tls.add(d("ssl_protocols", texts(t.Protocols)...), d("ssl_ciphers", text(t.Ciphers)), d("ssl_prefer_server_ciphers", onOff(t.PreferServerCiphers)))
	}
	if s.Status != 0 {
		tls.add(d("return", num(s.Status)))
		return []*Node{plain, tls}, nil
	}
	if s.ClientAuth != nil {
		nodes, err := r.clientAuth(s)
		if err != nil {
			return nil, err
		}
		tls.add(nodes...)
	}
	if s.HSTS != nil {
		tls.add(d("add_header", lit("Strict-Transport-Security"), lit(hstsValue(s.HSTS)), lit("always")))
	}
	if err := r.addLocations(tls, s.Locations, s.ClientAuth); err != nil {
		return nil, err
	}
	if s.HSTS != nil && s.HSTS.BehindProxy {
		plain.Children = append([]*Node{d("add_header", lit("Strict-Transport-Security"), lit(varName("hsts", s.Host)), lit("always"))}, plain.Children...)
	}
	return []*Node{plain, tls}, nil
}

func (r *renderer) clientAuth(s dataplane.Server) ([]*Node, error) {
	a := s.ClientAuth
	var out []*Node
	if a.CA != "" {
		ca, err := r.file(a.CA)
		if err != nil {
			return nil, err
		}
		out = append(out, d("ssl_client_certificate", ca))
	}
	switch a.Verify {
	case "on", "optional", "optional_no_ca":
	default:
		return nil, fmt.Errorf("client verification %q", a.Verify)
	}
	out = append(out, d("ssl_verify_client", lit(a.Verify)), d("ssl_verify_depth", num(a.Depth)))
	if a.CRL != "" {
		crl, err := r.file(a.CRL)
		if err != nil {
			return nil, err
		}
		out = append(out, d("ssl_crl", crl))
	}
	if a.ErrorPage != "" {
		// 495: the certificate failed verification; 496: none was sent.
		out = append(out, d("error_page", lit("495"), lit("496"), text(a.ErrorPage)))
	}
	if a.MatchCN != "" {
		out = append(out, blk("if", []Arg{lit("("), lit(varName("cn", s.Host)), lit("="), lit("0"), lit(")")},
			d("return", lit("403"))))
	}
	return out, nil
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
	for _, x := range expand(locs) {
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
	return []Arg{lit(mod), text(path)}
}

func (r *renderer) location(mod, path string, l dataplane.Location, auth *dataplane.ClientAuth) (*Node, error) {
	if !dataplane.SafePath(path) && path != "" {
		return nil, fmt.Errorf("path %q", path)
	}
	n := blk("location", locationArgs(mod, path))
	if l.Status != 0 {
		return n.add(d("return", num(l.Status))), nil
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
	n.add(d(pass, lit(scheme+l.Upstream)))
	// The http-level headers, unless this location sets its own (the
	// identity of a verified client certificate, an authentication
	// service's answer): then the whole list again.
	own := auth != nil
	for _, c := range n.Children {
		own = own || c.Name == set
	}
	if own {
		n.add(r.proxyHeaders(set, !grpc, auth)...)
	}
	if t := l.BackendTLS; t != nil {
		nodes, err := r.backendTLS(pfx, t)
		if err != nil {
			return nil, err
		}
		n.add(nodes...)
	}
	return n, nil
}

// proxyHeaders are the headers sent to every backend: WebSocket upgrades
// (Upgrade passed on; Connection "upgrade" only when the client asked for
// one, so ordinary requests keep the upstream keep-alive connections), the
// request ID, the client's address and the forwarding headers, and the
// identity of the client certificate, cleared unless auth verified one so
// a client cannot forge them.
func (r *renderer) proxyHeaders(set string, upgrade bool, auth *dataplane.ClientAuth) []*Node {
	var out []*Node
	if upgrade {
		out = append(out, d(set, lit("Upgrade"), lit("$http_upgrade")), d(set, lit("Connection"), lit("$portcullis_connection")))
	}
	out = append(out,
		d(set, lit("Host"), lit("$host")),
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
	return out
}

func (r *renderer) backendTLS(pfx string, t *dataplane.BackendTLS) ([]*Node, error) {
	out := []*Node{d(pfx+"verify", onOff(t.Verify))}
	if t.TrustedCA != "" {
		ca, err := r.file(t.TrustedCA)
		if err != nil {
			return nil, err
		}
		out = append(out, d(pfx+"trusted_certificate", ca))
	}
	out = append(out, d(pfx+"verify_depth", num(t.Depth)))
	if t.Client != nil {
		kp, err := r.keyPair(*t.Client, pfx+"certificate", pfx+"certificate_key")
		if err != nil {
			return nil, err
		}
		out = append(out, kp...)
	}
	out = append(out,
		d(pfx+"name", text(t.Name)),
		d(pfx+"server_name", onOff(t.ServerName)),
		d(pfx+"protocols", texts(t.Protocols)...),
		d(pfx+"ciphers", text(t.Ciphers)),
		d(pfx+"session_reuse", onOff(t.SessionReuse)),
	)
	return out, nil
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
	exp := expand(s.Locations)
	for _, x := range exp {
		if x.mod == "" && x.path == "/" {
			haveRoot = true
		}
		if !exempt(x.path, s.Redirect.Exempt) {
			out = append(out, redirect(x.mod, x.path))
			continue
		}
		n, err := r.location(x.mod, x.path, x.loc, nil)
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
	if !haveRoot {
		out = append(out, redirect("", "/"))
	}
	return out, nil
}

func cmpInt(a, b int) int {
	if a != 0 {
		return a
	}
	return b
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

// GenerationPath is where the status server answers the configuration's generation.
const GenerationPath = "/portcullis/generation"

func (r *renderer) statusServer() (*Node, error) {
	for _, c := range r.o.Generation {
		if !strings.ContainsRune("0123456789abcdef", c) {
			return nil, fmt.Errorf("nginx: generation %q is not hex", r.o.Generation)
		}
	}
	if !dataplane.SafeText(r.o.StatusAddress) || strings.ContainsAny(r.o.StatusAddress, "\"\\ ;{}#") {
		return nil, fmt.Errorf("nginx: status address %q", r.o.StatusAddress)
	}
	return blk("server", nil,
		d("listen", text(r.o.StatusAddress)),
		blk("location", []Arg{lit("="), lit(GenerationPath)}, d("return", lit("200"), lit(r.o.Generation))),
		blk("location", []Arg{lit("/")}, d("return", lit("404"))),
	), nil
}

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

// withAuth adds to a server block the internal locations its protected
// locations use: the subrequest to the authentication service and the
// sign-in redirect.
func (r *renderer) withAuth(server *Node) (*Node, error) {
	needed := map[string]bool{}
	var names []string
	var find func(nodes []*Node)
	find = func(nodes []*Node) {
		for _, n := range nodes {
			if n.Name == "auth_request" && len(n.Args) == 1 {
				name := strings.TrimPrefix(n.Args[0].s, authPath(""))
				if !needed[name] {
					needed[name] = true
					names = append(names, name)
				}
			}
			find(n.Children)
		}
	}
	find(server.Children)
	slices.Sort(names)
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
	return server, nil
}

// safeName is a hash the model made: lower-case hex.
func safeName(s string) bool {
	return s != "" && strings.Trim(s, "0123456789abcdef") == ""
}

// WorkerOpenFiles is a worker's open-file limit: set, or enough for conns
// proxied connections (a client and an upstream socket each) and 1024 more.
func WorkerOpenFiles(set, conns int) int {
	if set > 0 {
		return set
	}
	return 2*conns + 1024
}

// Workers is the number of workers nginx runs for a count (0: one per CPU
// this process may use, as nginx's "auto" counts them).
func Workers(n int) int {
	if n > 0 {
		return n
	}
	return runtime.NumCPU()
}

// logVariables are the nginx variables of the access log's fields
// (config.LogFieldNames).
var logVariables = map[string]string{
	"time": "$time_iso8601", "remote_addr": "$remote_addr", "request_id": "$portcullis_request_id",
	"host": "$host", "method": "$request_method", "uri": "$request_uri", "protocol": "$server_protocol",
	"scheme": "$scheme", "server_port": "$server_port", "status": "$status", "bytes_sent": "$bytes_sent",
	"request_length": "$request_length", "request_time": "$request_time", "upstream_addr": "$upstream_addr",
	"upstream_status": "$upstream_status", "upstream_response_time": "$upstream_response_time",
	"upstream_connect_time": "$upstream_connect_time", "referer": "$http_referer", "user_agent": "$http_user_agent",
}

// accessLog is the log_format of the model's fields and the access_log
// that uses it, or access_log off.
func (r *renderer) accessLog(g dataplane.Global) ([]*Node, error) {
	if !g.AccessLog || len(g.LogFields) == 0 {
		return []*Node{d("access_log", lit("off"))}, nil
	}
	var b strings.Builder
	escape := "escape=default"
	if g.LogJSON {
		escape = "escape=json"
		b.WriteByte('{')
	}
	for i, f := range g.LogFields {
		v, ok := logVariables[f]
		if !ok {
			return nil, fmt.Errorf("nginx: log field %q", f)
		}
		switch {
		case g.LogJSON && i > 0:
			b.WriteByte(',')
		case i > 0:
			b.WriteByte(' ')
		}
		if g.LogJSON {
			fmt.Fprintf(&b, `"%s":"%s"`, f, v)
		} else {
			fmt.Fprintf(&b, `%s="%s"`, f, v)
		}
	}
	if g.LogJSON {
		b.WriteByte('}')
	}
	path := lit("/dev/stdout")
	if r.o.AccessLogPath != "" {
		if !filepath.IsAbs(r.o.AccessLogPath) || !dataplane.SafeText(r.o.AccessLogPath) || strings.ContainsAny(r.o.AccessLogPath, "\"\\") {
			return nil, fmt.Errorf("nginx: access log path %q", r.o.AccessLogPath)
		}
		path = lit(r.o.AccessLogPath)
	}
	return []*Node{
		d("log_format", lit("portcullis"), lit(escape), lit(b.String())),
		d("access_log", path, lit("portcullis")),
	}, nil
}

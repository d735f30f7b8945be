package nginx

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/netip"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"

	"github.com/seed-d040b84d/portcullis/controller/dataplane"
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
	// User and Group, when User is set, are the user directive: who nginx's
	// workers run as when its master runs as root (NewSupervisor fills
	// them in then, and clears them otherwise).
	User, Group     string
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
		user := d("user", text(o.User))
		if o.Group != "" {
			user.Args = append(user.Args, text(o.Group))
		}
		top = append(top, user)
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
	// errorPages are the default backends the locations rendered so far
	// use, by name; withErrorPages gives each server block their locations.
	errorPages map[string]*dataplane.ErrorPages
	// forwardedFrom and proxyFrom are the trusted load balancers
	// (Global.ForwardedFrom, Global.ProxyProtocolFrom).
	forwardedFrom, proxyFrom []netip.Prefix
	global                   dataplane.Global
	// hsts is the HSTS add_header of the server block being rendered, which
	// its locations that add headers repeat (headers.go); nil: none.
	hsts *Node
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
		// nginx's own absolute redirects name no port (ingress-nginx's
		// default): clients use the standard ports, and the one nginx was
		// reached on may be internal (passthrough's fallback).
		d("port_in_redirect", lit("off")),
		d("server_names_hash_bucket_size", num(128)),
		d("server_names_hash_max_size", num(hashSize(2*len(m.Servers)))),
		d("map_hash_bucket_size", num(128)),
		d("map_hash_max_size", num(hashSize(len(m.Servers)))),
	)
	h.add(tlsSettings(g)...)
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
	cors, err := corsMaps(m)
	if err != nil {
		return nil, err
	}
	h.add(cors...)
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
	traffic, err := trafficDirectives(&g.Traffic, "proxy", "grpc")
	if err != nil {
		return nil, err
	}
	h.add(traffic...)
	h.add(d("proxy_http_version", lit("1.1")))
	h.add(r.proxyHeaders("proxy_set_header", true, nil, nil, nil)...)
	h.add(r.proxyHeaders("grpc_set_header", false, nil, nil, nil)...)
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
	if err := r.hostServers(h, m.Servers); err != nil {
		return nil, err
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

// tlsSettings are the http-level TLS directives: the ConfigMap's protocols,
// ciphers and session settings, which every TLS context inherits.
func tlsSettings(g dataplane.Global) []*Node {
	out := []*Node{
		d("ssl_protocols", texts(g.Protocols)...),
		d("ssl_ciphers", text(g.Ciphers)),
		d("ssl_prefer_server_ciphers", onOff(g.PreferServerCiphers)),
	}
	if g.ECDHCurve != "" {
		out = append(out, d("ssl_ecdh_curve", text(g.ECDHCurve)))
	}
	if g.SessionCache {
		out = append(out, d("ssl_session_cache", lit("shared:portcullis:"+strconv.FormatInt(max(g.SessionCacheSize/1024, 1), 10)+"k")))
	} else {
		out = append(out, d("ssl_session_cache", lit("off")))
	}
	if g.SessionTimeout > 0 {
		out = append(out, d("ssl_session_timeout", lit(strconv.FormatInt(int64(g.SessionTimeout.Seconds()), 10)+"s")))
	}
	out = append(out, d("ssl_session_tickets", onOff(g.SessionTickets)))
	if g.BufferSize > 0 {
		out = append(out, d("ssl_buffer_size", num(g.BufferSize)))
	}
	return out
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
	if s.ServerTokens && !s.Reject {
		plain.add(d("server_tokens", lit("on")))
		if tls != nil {
			tls.add(d("server_tokens", lit("on")))
		}
	}
	r.hsts = nil
	if s.HSTS != nil && s.HSTS.BehindProxy {
		r.hsts = d("add_header", lit("Strict-Transport-Security"), lit(varName("hsts", s.Host)), lit("always"))
	}
	defer func() { r.hsts = nil }()
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
		if err := addAppRoot(plain, s, r.o.HTTPPort, 80); err != nil {
			return nil, err
		}
	}
	www, err := r.wwwServers(s)
	if err != nil {
		return nil, err
	}
	if tls == nil {
		return append([]*Node{plain}, www...), nil
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
		return append([]*Node{plain, tls}, www...), nil
	}
	if s.ClientAuth != nil {
		nodes, err := r.clientAuth(s)
		if err != nil {
			return nil, err
		}
		tls.add(nodes...)
	}
	plainHSTS := r.hsts
	r.hsts = nil
	if s.HSTS != nil {
		r.hsts = d("add_header", lit("Strict-Transport-Security"), lit(hstsValue(s.HSTS)), lit("always"))
		tls.add(r.hsts)
	}
	if err := r.addLocations(tls, s.Locations, s.ClientAuth); err != nil {
		return nil, err
	}
	if err := addAppRoot(tls, s, cmpInt(r.o.PublicHTTPSPort, r.o.HTTPSPort), 443); err != nil {
		return nil, err
	}
	if plainHSTS != nil {
		plain.Children = append([]*Node{plainHSTS}, plain.Children...)
	}
	return append([]*Node{plain, tls}, www...), nil
}

func cmpInt(a, b int) int {
	if a != 0 {
		return a
	}
	return b
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

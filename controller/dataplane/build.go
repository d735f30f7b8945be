package dataplane

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/seed-d040b84d/portcullis/lib/certs"
	"github.com/seed-d040b84d/portcullis/lib/config"
	"github.com/seed-d040b84d/portcullis/lib/findings"
	"github.com/seed-d040b84d/portcullis/lib/htpasswd"
	"github.com/seed-d040b84d/portcullis/lib/intent"
	policy "github.com/seed-d040b84d/portcullis/lib/nginxpolicy"
	"github.com/seed-d040b84d/portcullis/lib/validate"
	"github.com/seed-d040b84d/portcullis/lib/world"
)

// Ingress is one Ingress of ours and lib's verdict on it.
type Ingress struct {
	Object  *networkingv1.Ingress
	Verdict validate.IngressVerdict
}

// Options are what a build depends on besides the Ingresses.
type Options struct {
	// Config is the controller ConfigMap in force.
	Config config.Config
	// Resolver looks up the Secrets the intents name.
	Resolver world.Resolver
	// Certs caches secret parses; nil gets a private cache.
	Certs *certs.Cache
	// Backends resolves paths to addresses.
	Backends Backends
	// PassthroughBackends resolves passthrough hosts to addresses
	// (--passthrough-upstream); Backends when nil.
	PassthroughBackends Backends
	// DefaultCertificate is served by the default server and for TLS hosts
	// without a usable certificate of their own. Required.
	DefaultCertificate *certs.ServerCert
	// Now is the clock CRLs and certificates are judged by; time.Now when nil.
	Now func() time.Time
}

// Judge re-validates every Ingress r knows with v and returns those of ours:
// the controller never trusts that the webhook saw them.
func Judge(v *validate.Validator, r world.Resolver) []Ingress {
	v = v.Batch()
	var out []Ingress
	for _, ing := range r.Ingresses() {
		verdict := v.Ingress(ing, r)
		if verdict.Ours && verdict.Intent != nil {
			out = append(out, Ingress{Object: ing, Verdict: verdict})
		}
	}
	return out
}

// ErrNoDefaultCertificate is returned by Build without a default certificate.
var ErrNoDefaultCertificate = errors.New("dataplane: no default certificate")

// Build turns the Ingresses into the model. Ingresses lib refuses are left
// out: their hosts fail closed (or, where other Ingresses serve the host,
// their paths answer 503). The result does not depend on the order of ings.
func Build(ings []Ingress, opts Options) (*Model, error) {
	if opts.DefaultCertificate == nil {
		return nil, ErrNoDefaultCertificate
	}
	if opts.Certs == nil {
		opts.Certs = &certs.Cache{}
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	b := &builder{opts: opts, now: opts.Now(), files: map[string]File{}, upstreams: map[string]Upstream{}, hosts: map[string][]contribution{}}
	b.collect(ings)
	return b.model(), nil
}

type builder struct {
	opts      Options
	now       time.Time
	files     map[string]File
	upstreams map[string]Upstream
	hosts     map[string][]contribution
	refused   []Refusal
}

// contribution is what one Ingress says about one host.
type contribution struct {
	ref    intent.ObjectRef
	host   intent.Host
	valid  bool
	master bool
	why    string // for refused Ingresses
}

// collect orders the Ingresses oldest first (then by namespace/name), the
// order in which they claim hosts and paths, and records each host's
// contributions.
func (b *builder) collect(ings []Ingress) {
	ings = slices.Clone(ings)
	slices.SortFunc(ings, func(x, y Ingress) int {
		if c := x.Object.CreationTimestamp.Time.Compare(y.Object.CreationTimestamp.Time); c != 0 {
			return c
		}
		return cmp.Or(cmp.Compare(x.Object.Namespace, y.Object.Namespace), cmp.Compare(x.Object.Name, y.Object.Name))
	})
	for _, ing := range ings {
		in := ing.Verdict.Intent
		if !ing.Verdict.Ours || in == nil {
			continue
		}
		fs := ing.Verdict.Findings
		c := contribution{ref: in.ObjectRef, valid: fs.Allowed(), master: in.Mergeable == "master"}
		if !c.valid {
			c.why = refusal(fs)
			b.refused = append(b.refused, Refusal{Ingress: in.ObjectRef, Reason: c.why})
		}
		seen := map[string]bool{}
		for _, h := range in.Hosts {
			if h.Name != "" && !SafeHost(h.Name) {
				continue
			}
			seen[h.Name] = true
			c.host = h
			b.hosts[h.Name] = append(b.hosts[h.Name], c)
		}
		if !c.valid {
			// A refused Ingress still claims the hosts its rules name, so
			// they fail closed instead of falling to the default server.
			for _, r := range ing.Object.Spec.Rules {
				if !seen[r.Host] && (r.Host == "" || SafeHost(r.Host)) {
					seen[r.Host] = true
					c.host = intent.Host{Name: r.Host}
					b.hosts[r.Host] = append(b.hosts[r.Host], c)
				}
			}
		}
	}
}

// refusal lists every error of a refused Ingress.
func refusal(fs findings.Set) string {
	if len(fs.Errors) == 0 {
		return "refused"
	}
	msgs := make([]string, len(fs.Errors))
	for i, e := range fs.Errors {
		msgs[i] = e.Field + ": " + findings.ErrorMessage(e)
	}
	return strings.Join(msgs, "; ")
}

func (b *builder) model() *Model {
	cfg := b.opts.Config
	m := &Model{
		TLS: Global{
			Protocols: cfg.SSLProtocols, Ciphers: cfg.SSLCiphers, PreferServerCiphers: cfg.SSLPreferServerCiphers,
			ECDHCurve: cfg.SSLECDHCurve, SessionCache: cfg.SSLSessionCache, SessionCacheSize: cfg.SSLSessionCacheSize,
			SessionTimeout: cfg.SSLSessionTimeout, SessionTickets: cfg.SSLSessionTickets, BufferSize: cfg.SSLBufferSize,
			GenerateRequestID: cfg.GenerateRequestID,
			AccessLog:         !cfg.DisableAccessLog, LogFields: cfg.LogFields, LogJSON: cfg.LogJSON,
			WorkerProcesses: cfg.WorkerProcesses, WorkerConnections: cfg.MaxWorkerConnections,
			WorkerOpenFiles: cfg.MaxWorkerOpenFiles, WorkerShutdownTimeout: cfg.WorkerShutdownTimeout,
			StaticCertificates: cfg.StaticCertificates,
		},
		Default: DefaultServer{Cert: b.servedPair("default", b.opts.DefaultCertificate), RejectHandshake: cfg.SSLRejectHandshake},
		Refused: b.refused,
	}
	// The ConfigMap parsed; its CIDRs are checked again as prefixes. A list
	// that does not parse trusts nobody's header.
	if trusted, err := Prefixes(cfg.ProxyRealIPCIDR); err == nil {
		switch {
		case cfg.UseProxyProtocol:
			m.TLS.ProxyProtocolFrom = trusted
		case cfg.UseForwardedHeaders:
			m.TLS.ForwardedFrom = trusted
		}
	}
	names := make([]string, 0, len(b.hosts))
	for h := range b.hosts {
		names = append(names, h)
	}
	slices.Sort(names)
	for _, name := range names {
		cs := b.hosts[name]
		if name == "" {
			m.Default.Locations = b.locations(cs, nil)
			continue
		}
		owner := pickOwner(cs)
		if owner != nil && owner.host.Termination == intent.Passthrough {
			m.Passthrough = append(m.Passthrough, b.passthrough(owner))
			continue
		}
		m.Servers = append(m.Servers, b.server(name, cs, owner))
	}
	for _, u := range b.upstreams {
		m.Upstreams = append(m.Upstreams, u)
	}
	slices.SortFunc(m.Upstreams, func(x, y Upstream) int { return cmp.Compare(x.Name, y.Name) })
	for _, f := range b.files {
		m.Files = append(m.Files, f)
	}
	slices.SortFunc(m.Files, func(x, y File) int { return cmp.Compare(x.Name, y.Name) })
	slices.SortFunc(m.Refused, func(x, y Refusal) int { return cmp.Compare(x.Ingress.String(), y.Ingress.String()) })
	return m
}

// pickOwner chooses the contribution whose host-level settings (certificate,
// client auth, redirect, HSTS) the host gets: a mergeable master, else the
// oldest valid Ingress with TLS for the host, else the oldest valid one. lib
// refuses newer Ingresses that disagree with the owner, so they are not valid.
func pickOwner(cs []contribution) *contribution {
	var first, withTLS *contribution
	for i := range cs {
		c := &cs[i]
		if !c.valid {
			continue
		}
		if c.master {
			return c
		}
		if first == nil {
			first = c
		}
		if withTLS == nil && (c.host.TLS != nil || c.host.Termination == intent.Passthrough) {
			withTLS = c
		}
	}
	if withTLS != nil {
		return withTLS
	}
	return first
}

func (b *builder) server(name string, cs []contribution, owner *contribution) Server {
	s := Server{Host: name}
	for _, c := range cs {
		if !slices.Contains(s.Sources, c.ref) {
			s.Sources = append(s.Sources, c.ref)
		}
	}
	slices.SortFunc(s.Sources, func(x, y intent.ObjectRef) int { return cmp.Compare(x.String(), y.String()) })
	if owner == nil {
		s.Reject, s.Reason = true, "every Ingress naming the host is refused: "+cs[0].ref.String()+": "+cs[0].why
		return s
	}
	h := owner.host
	if err := b.hostTLS(&s, h); err != nil {
		return rejected(s, err.Error())
	}
	if err := b.clientAuth(&s, h); err != nil {
		return rejected(s, err.Error())
	}
	s.Redirect = Redirect{ToHTTPS: h.Redirect.ToHTTPS, Code: h.Redirect.Code}
	for _, e := range h.Redirect.Exempt {
		if SafePath(e) {
			s.Redirect.Exempt = append(s.Redirect.Exempt, e)
		}
	}
	if s.Redirect.ToHTTPS && !validRedirectCode(s.Redirect.Code) {
		return rejected(s, "redirect code "+strconv.Itoa(s.Redirect.Code)+" is not 301, 302, 307 or 308")
	}
	if h.HSTS != nil && s.TLS != nil && !s.TLS.Default {
		hsts := *h.HSTS
		s.HSTS = &hsts
	}
	if fc := h.FailClosed; fc != nil {
		if fc.Status == 0 {
			return rejected(s, fc.Reason)
		}
		s.Status, s.Reason = fc.Status, fc.Reason
		s.ClientAuth = nil
	}
	s.Locations = b.locations(cs, owner)
	return s
}

// rejected refuses a host's TLS handshakes: nothing of what it asked for is kept.
func rejected(s Server, reason string) Server {
	return Server{Host: s.Host, Reject: true, Reason: reason, Sources: s.Sources}
}

func validRedirectCode(c int) bool { return c == 301 || c == 302 || c == 307 || c == 308 }

// hostTLS resolves the host's certificate: its own secret, checked again now,
// or the default certificate when the intent says so.
func (b *builder) hostTLS(s *Server, h intent.Host) error {
	t := h.TLS
	if t == nil {
		return nil
	}
	if err := checkWords("ssl protocol", t.Protocols...); err != nil {
		return err
	}
	if err := checkWords("cipher string", t.Ciphers); err != nil {
		return err
	}
	out := &TLS{Protocols: t.Protocols, Ciphers: t.Ciphers, PreferServerCiphers: t.PreferServerCiphers}
	switch {
	case t.Certificate == intent.CertSecret && t.Secret != nil:
		sc, err := b.serverCert(*t.Secret)
		if err != nil {
			return err
		}
		out.Cert, out.NotAfter = b.servedPair("secret:"+t.Secret.String(), sc), sc.NotAfter
	case t.Certificate == intent.CertSecret:
		return errors.New("certificate secret not named")
	default:
		out.Cert, out.NotAfter = b.servedPair("default", b.opts.DefaultCertificate), b.opts.DefaultCertificate.NotAfter
		out.Default = true
	}
	s.TLS = out
	return nil
}

func (b *builder) clientAuth(s *Server, h intent.Host) error {
	a := h.ClientAuth
	if a == nil || a.Verify == "off" {
		return nil
	}
	if s.TLS == nil {
		return errors.New("client authentication without TLS")
	}
	switch a.Verify {
	case "on", "optional", "optional_no_ca":
	default:
		return fmt.Errorf("client verification %q is not on, optional or optional_no_ca", a.Verify)
	}
	if a.Depth < 0 || a.Depth > 100 {
		return fmt.Errorf("client verification depth %d out of range", a.Depth)
	}
	out := &ClientAuth{Verify: a.Verify, Depth: a.Depth, PassCertificate: a.PassCertificate}
	switch {
	case a.CA.Name != "":
		ca, crl, err := b.caFiles(a.CA)
		if err != nil {
			return err
		}
		out.CA, out.CRL = ca, crl
	case a.Verify != "optional_no_ca":
		return errors.New("client verification without a CA")
	}
	if a.ErrorPage != "" {
		if !SafeText(a.ErrorPage) {
			return errors.New("client auth error page is not a plain URL")
		}
		out.ErrorPage = a.ErrorPage
	}
	if a.MatchCN != "" {
		if !SafeRegex(a.MatchCN) {
			return errors.New("match-cn is not a usable regular expression")
		}
		out.MatchCN = a.MatchCN
	}
	s.ClientAuth = out
	return nil
}

// locations claims every path of the valid contributions, oldest first; the
// paths of refused Ingresses that no valid one serves answer 503.
func (b *builder) locations(cs []contribution, owner *contribution) []Location {
	type key struct {
		path  string
		match Match
	}
	claimed := map[key]bool{}
	var out []Location
	add := func(l Location) {
		k := key{l.Path, l.Match}
		if claimed[k] {
			return
		}
		claimed[k] = true
		out = append(out, l)
	}
	for _, c := range cs {
		if !c.valid {
			continue
		}
		var hostFail *intent.FailClosed
		if owner != nil && c.ref != owner.ref && c.host.FailClosed != nil {
			hostFail = c.host.FailClosed // not the owner: only its own paths fail
		}
		for _, p := range c.host.Paths {
			if !SafePath(p.Path) {
				continue
			}
			l := b.location(p)
			if hostFail != nil && l.Status == 0 {
				l = failed(l, hostFail)
			}
			add(l)
		}
	}
	for _, c := range cs {
		if c.valid {
			continue
		}
		for _, p := range c.host.Paths {
			if SafePath(p.Path) {
				add(Location{Path: p.Path, Match: match(p.PathType), Status: 503, Reason: "Ingress " + c.ref.String() + " is refused: " + c.why, Source: c.ref})
			}
		}
	}
	slices.SortFunc(out, func(x, y Location) int { return cmp.Or(cmp.Compare(x.Path, y.Path), cmp.Compare(x.Match, y.Match)) })
	return out
}

func match(pathType string) Match {
	if pathType == string(networkingv1.PathTypeExact) {
		return MatchExact
	}
	return MatchPrefix
}

func failed(l Location, fc *intent.FailClosed) Location {
	status := fc.Status
	if status == 0 {
		status = 503
	}
	return Location{Path: l.Path, Match: l.Match, Status: status, Reason: fc.Reason, Source: l.Source}
}

func (b *builder) location(p intent.Path) Location {
	l := Location{Path: p.Path, Match: match(p.PathType), Protocol: p.Protocol, Source: p.Source}
	if p.FailClosed != nil {
		return failed(l, p.FailClosed)
	}
	switch p.Protocol {
	case intent.ProtocolHTTP, intent.ProtocolHTTPS, intent.ProtocolGRPC, intent.ProtocolGRPCS:
	default:
		return failed(l, &intent.FailClosed{Reason: "backend protocol " + strconv.Quote(p.Protocol) + " is not supported"})
	}
	if p.Backend.Service == "" {
		return failed(l, &intent.FailClosed{Reason: "the path has no service backend"})
	}
	if p.Access != nil {
		a, err := access(p.Access)
		if err != nil {
			return failed(l, &intent.FailClosed{Reason: "access control: " + err.Error()})
		}
		l.Access = a
	}
	if p.ExternalAuth != nil {
		ea, err := externalAuth(p.ExternalAuth)
		if err != nil {
			return failed(l, &intent.FailClosed{Reason: "external authentication: " + err.Error()})
		}
		l.ExternalAuth = ea
	}
	if p.BasicAuth != nil {
		ba, err := b.basicAuth(p.BasicAuth)
		if err != nil {
			return failed(l, &intent.FailClosed{Reason: "basic authentication: " + err.Error()})
		}
		l.BasicAuth = ba
	}
	l.SatisfyAny = p.SatisfyAny && l.Access != nil && (l.BasicAuth != nil || l.ExternalAuth != nil)
	servers, tlsName, err := b.opts.Backends.Addresses(p.Source.Namespace, p.Backend)
	if err == nil && len(servers) == 0 {
		err = errors.New("no addresses")
	}
	if err != nil {
		return failed(l, &intent.FailClosed{Reason: "backend " + p.Backend.Service + ": " + err.Error()})
	}
	if p.Protocol == intent.ProtocolHTTPS || p.Protocol == intent.ProtocolGRPCS {
		bt, err := b.backendTLS(p.BackendTLS, tlsName)
		if err != nil {
			return failed(l, &intent.FailClosed{Reason: "backend TLS: " + err.Error()})
		}
		l.BackendTLS = bt
	}
	l.Upstream = b.upstream(p.Source.Namespace, p.Backend, servers, p.Protocol, l.BackendTLS)
	return l
}

func (b *builder) backendTLS(t *intent.BackendTLS, defaultName string) (*BackendTLS, error) {
	if t == nil {
		t = &intent.BackendTLS{Depth: 1, Protocols: policy.DefaultProtocols(), Ciphers: "DEFAULT", SessionReuse: true}
	}
	out := &BackendTLS{
		Verify: t.Verify, Depth: t.Depth, Name: cmp.Or(t.Name, defaultName), ServerName: t.ServerName,
		Protocols: t.Protocols, Ciphers: cmp.Or(t.Ciphers, "DEFAULT"), SessionReuse: t.SessionReuse,
	}
	if len(out.Protocols) == 0 {
		out.Protocols = policy.DefaultProtocols()
	}
	if err := checkWords("protocol", out.Protocols...); err != nil {
		return nil, err
	}
	if err := checkWords("cipher string", out.Ciphers); err != nil {
		return nil, err
	}
	if !SafeHost(out.Name) || out.Name[0] == '*' {
		return nil, fmt.Errorf("backend name %q is not a host name", out.Name)
	}
	if out.Depth < 0 || out.Depth > 100 {
		return nil, fmt.Errorf("verify depth %d out of range", out.Depth)
	}
	if t.TrustedCA != nil {
		ca, _, err := b.caFiles(*t.TrustedCA)
		if err != nil {
			return nil, err
		}
		out.TrustedCA = ca
	}
	if out.Verify && out.TrustedCA == "" {
		return nil, errors.New("verification without a trusted CA")
	}
	if t.ClientCertificate != nil {
		sc, err := b.serverCert(*t.ClientCertificate)
		if err != nil {
			return nil, err
		}
		kp := b.keyPair(sc)
		out.Client = &kp
	}
	return out, nil
}

// passthrough resolves a passthrough host's backend; a host that cannot be
// reached gets no servers, and the router refuses its connections.
func (b *builder) passthrough(c *contribution) PassthroughRoute {
	r := PassthroughRoute{Host: c.host.Name, Source: c.ref}
	be := c.host.PassthroughBackend
	switch {
	case c.host.FailClosed != nil:
		r.Reason = c.host.FailClosed.Reason
	case be == nil:
		r.Reason = "no backend"
	default:
		backends := b.opts.PassthroughBackends
		if backends == nil {
			backends = b.opts.Backends
		}
		// HTTP-level settings (service-upstream among them) do not apply
		// to a connection passed through.
		target := *be
		target.ServiceUpstream = false
		servers, _, err := backends.Addresses(c.ref.Namespace, target)
		switch {
		case err != nil:
			r.Reason = err.Error()
		case len(servers) == 0:
			r.Reason = "no addresses"
		default:
			r.Servers = slices.Compact(slices.Sorted(slices.Values(servers)))
		}
	}
	return r
}

// upstream records the addresses of a backend under a name derived from a
// hash of namespace, service and port (never "ns-name", which collides) and
// of how it is spoken to: the protocol and every backend TLS setting. nginx
// keeps idle connections and saved TLS sessions per upstream, so two paths
// that verify the backend against different CAs, or present different
// client certificates, must never share one: a connection or session one
// path verified (or authenticated with its certificate) would serve the
// other.
func (b *builder) upstream(namespace string, be intent.Backend, servers []string, protocol string, bt *BackendTLS) string {
	parts := []string{"upstream", namespace, be.Service, strconv.Itoa(int(be.Port)), be.PortName, protocol}
	if bt != nil {
		client := ""
		if bt.Client != nil {
			client = bt.Client.Cert + "+" + bt.Client.Key
		}
		parts = append(parts, strconv.FormatBool(bt.Verify), bt.TrustedCA, client, strconv.Itoa(bt.Depth), bt.Name,
			strconv.FormatBool(bt.ServerName), strings.Join(bt.Protocols, " "), bt.Ciphers, strconv.FormatBool(bt.SessionReuse))
	}
	name := "u" + shortHash(parts...)
	servers = slices.Sorted(slices.Values(servers))
	b.upstreams[name] = Upstream{Name: name, Servers: slices.Compact(servers)}
	return name
}

// serverCert looks up and checks a certificate secret again: it may have
// changed since the verdict.
func (b *builder) serverCert(ref intent.ObjectRef) (*certs.ServerCert, error) {
	sec, ok := b.opts.Resolver.Secret(ref.Namespace, ref.Name)
	if !ok {
		return nil, fmt.Errorf("secret %s not found", ref)
	}
	// The chain is written normalized (keyPair), so its order is no reason
	// to refuse it here; the verdict said whether order is an error.
	sc, fs := b.opts.Certs.TLS(sec, field.NewPath("secret"), certs.TLSOptions{Now: b.now, AllowMisordered: true})
	if sc == nil || !fs.Allowed() {
		return nil, fmt.Errorf("secret %s is not a usable certificate", ref)
	}
	return sc, nil
}

// caFiles looks up and checks a CA secret again and records its files.
func (b *builder) caFiles(ref intent.ObjectRef) (ca, crl string, err error) {
	sec, ok := b.opts.Resolver.Secret(ref.Namespace, ref.Name)
	if !ok {
		return "", "", fmt.Errorf("CA secret %s not found", ref)
	}
	bundle, fs := b.opts.Certs.CA(sec, field.NewPath("secret"), b.now)
	if bundle == nil || !fs.Allowed() {
		return "", "", fmt.Errorf("CA secret %s is not usable", ref)
	}
	ca = b.file("ca", bundle.PEM, false)
	if len(bundle.CRLPEM) > 0 {
		crl = b.file("crl", bundle.CRLPEM, false)
	}
	return ca, crl, nil
}

// keyPair records a certificate's chain (normalized, leaf first) and key.
func (b *builder) keyPair(sc *certs.ServerCert) KeyPair {
	return KeyPair{Cert: b.file("crt", sc.ChainPEM, false), Key: b.file("key", sc.KeyPEM(), true)}
}

// servedPair records a certificate a host serves: one file of the chain
// (normalized, leaf first) and the key, named by where it came from (a
// secret, or the default certificate) and the key. A renewal that keeps the
// key keeps the name, so the data plane can replace the file in place;
// a new key is a new name, so a certificate and a key of two generations
// are never read together.
func (b *builder) servedPair(source string, sc *certs.ServerCert) KeyPair {
	key := sc.KeyPEM()
	data := make([]byte, 0, len(sc.ChainPEM)+len(key))
	data = append(append(data, sc.ChainPEM...), key...)
	name := "tls-" + shortHash("tls", source, string(key)) + ".pem"
	b.files[name] = File{Name: name, Data: data, Private: true, Replaceable: true}
	return KeyPair{Cert: name, Key: name}
}

// file records content under a name derived from its hash.
func (b *builder) file(kind string, data []byte, private bool) string {
	name := kind + "-" + shortHash(kind, string(data)) + ".pem"
	b.files[name] = File{Name: name, Data: data, Private: private}
	return name
}

// shortHash is 128 bits of SHA-256 over the length-prefixed parts, in hex.
func shortHash(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(strconv.Itoa(len(p))))
		h.Write([]byte{':'})
		h.Write([]byte(p))
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// access checks a path's client address rules again, as typed prefixes.
func access(a *intent.Access) (*Access, error) {
	allow, err := Prefixes(a.Allow)
	if err != nil {
		return nil, err
	}
	deny, err := Prefixes(a.Deny)
	if err != nil {
		return nil, err
	}
	return &Access{Allow: allow, Deny: deny}, nil
}

// Prefixes parses canonical CIDRs (as lib writes them: host bits cleared, no
// zone) into typed prefixes; anything else is an error naming it.
func Prefixes(list []string) ([]netip.Prefix, error) {
	out := make([]netip.Prefix, 0, len(list))
	for _, e := range list {
		p, err := netip.ParsePrefix(e)
		if err != nil || p != p.Masked() || p.Addr().Zone() != "" {
			return nil, fmt.Errorf("%q is not a canonical CIDR", e)
		}
		out = append(out, p)
	}
	return out, nil
}

// basicAuth looks up and checks a path's users again and records their file.
func (b *builder) basicAuth(a *intent.BasicAuth) (*BasicAuth, error) {
	if !SafeText(a.Realm) || strings.ContainsAny(a.Realm, "\"\\$") || a.Realm == "" {
		return nil, errors.New("realm is not plain text")
	}
	sec, ok := b.opts.Resolver.Secret(a.Secret.Namespace, a.Secret.Name)
	if !ok {
		return nil, fmt.Errorf("secret %s not found", a.Secret)
	}
	data, fs := htpasswd.FromSecret(sec, a.Format, a.Key, field.NewPath("data"))
	if data == nil || !fs.Allowed() {
		return nil, fmt.Errorf("secret %s holds no usable users", a.Secret)
	}
	return &BasicAuth{File: b.file("htpasswd", data, true), Realm: a.Realm}, nil
}

var authMethods = []string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}

// externalAuth checks a path's authentication service again.
func externalAuth(a *intent.ExternalAuth) (*ExternalAuth, error) {
	plainURL := func(u string) bool {
		return SafeText(u) && !strings.ContainsAny(u, " \"'`;{}\\<>^|") && (strings.HasPrefix(u, "http://") || strings.HasPrefix(u, "https://"))
	}
	if !plainURL(a.URL) || (a.SignIn != "" && !plainURL(a.SignIn)) {
		return nil, errors.New("URL is not a plain http(s) URL")
	}
	if !slices.Contains(authMethods, a.Method) {
		return nil, fmt.Errorf("method %q", a.Method)
	}
	for _, h := range a.ResponseHeaders {
		if !SafeHeaderName(h) {
			return nil, fmt.Errorf("header %q", h)
		}
	}
	out := &ExternalAuth{URL: a.URL, Method: a.Method, SignIn: a.SignIn, Headers: slices.Clone(a.ResponseHeaders)}
	out.Name = shortHash(append([]string{"auth", out.URL, out.Method, out.SignIn}, out.Headers...)...)
	return out, nil
}

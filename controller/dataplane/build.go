package dataplane

import (
	"cmp"
	"errors"
	"slices"
	"strings"
	"time"

	networkingv1 "k8s.io/api/networking/v1"

	"github.com/seed-d040b84d/portcullis/lib/certs"
	"github.com/seed-d040b84d/portcullis/lib/config"
	"github.com/seed-d040b84d/portcullis/lib/findings"
	"github.com/seed-d040b84d/portcullis/lib/intent"
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

// model lays out what the contributions say: one server (or passthrough
// route) per host, in host order, then the upstreams and files they recorded.
func (b *builder) model() *Model {
	m := &Model{
		TLS:     b.global(),
		Default: DefaultServer{Cert: b.servedPair("default", b.opts.DefaultCertificate), RejectHandshake: b.opts.Config.SSLRejectHandshake},
		Refused: b.refused,
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
	b.wwwRedirects(m.Servers)
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

// global is the ConfigMap's http-level settings.
func (b *builder) global() Global {
	cfg := b.opts.Config
	g := Global{
		Protocols: cfg.SSLProtocols, Ciphers: cfg.SSLCiphers, PreferServerCiphers: cfg.SSLPreferServerCiphers,
		ECDHCurve: cfg.SSLECDHCurve, SessionCache: cfg.SSLSessionCache, SessionCacheSize: cfg.SSLSessionCacheSize,
		SessionTimeout: cfg.SSLSessionTimeout, SessionTickets: cfg.SSLSessionTickets, BufferSize: cfg.SSLBufferSize,
		GenerateRequestID: cfg.GenerateRequestID,
		AccessLog:         !cfg.DisableAccessLog, LogFields: cfg.LogFields, LogJSON: cfg.LogJSON,
		WorkerProcesses: cfg.WorkerProcesses, WorkerConnections: cfg.MaxWorkerConnections,
		WorkerOpenFiles: cfg.MaxWorkerOpenFiles, WorkerShutdownTimeout: cfg.WorkerShutdownTimeout,
		StaticCertificates: cfg.StaticCertificates,
		Traffic:            globalTraffic(cfg),
	}
	// The ConfigMap parsed; its CIDRs are checked again as prefixes. A list
	// that does not parse trusts nobody's header.
	if trusted, err := Prefixes(cfg.ProxyRealIPCIDR); err == nil {
		switch {
		case cfg.UseProxyProtocol:
			g.ProxyProtocolFrom = trusted
		case cfg.UseForwardedHeaders:
			g.ForwardedFrom = trusted
		}
	}
	return g
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

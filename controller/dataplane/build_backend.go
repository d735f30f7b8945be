package dataplane

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/seed-d040b84d/portcullis/lib/intent"
	policy "github.com/seed-d040b84d/portcullis/lib/nginxpolicy"
)

// backendTLS checks a path's re-encryption settings again (the defaults
// when it has none) and records the files they name.
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

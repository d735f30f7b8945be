package dataplane_test

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed-d040b84d/portcullis/controller/dataplane"
	"github.com/seed-d040b84d/portcullis/lib/annotations/grammar"
	"github.com/seed-d040b84d/portcullis/lib/certs"
	"github.com/seed-d040b84d/portcullis/lib/config"
	"github.com/seed-d040b84d/portcullis/lib/intent"
	"github.com/seed-d040b84d/portcullis/lib/validate"
	"github.com/seed-d040b84d/portcullis/lib/world"
	"github.com/seed-d040b84d/portcullis/lint"
	"github.com/seed-d040b84d/portcullis/test/goldencases"
)

type world1 struct {
	w    *world.Static
	ings []dataplane.Ingress
	opts dataplane.Options
}

// load judges a case's world as lint does, with the case's flags and its
// controller ConfigMap (the defaults when it has none, or when the case is
// about a refused one), and builds with the same configuration.
func load(t *testing.T, c goldencases.Case, def *certs.ServerCert) world1 {
	w := world.NewStatic()
	for _, o := range c.Objects {
		if o.Typed != nil {
			w.Add(o.Typed)
		}
	}
	cache := &certs.Cache{}
	v, _ := lint.Validator(w, c.Options, cache)
	return world1{w: w, ings: dataplane.Judge(v, w), opts: dataplane.Options{
		Config: v.Options().Config, Resolver: w, Certs: cache, Backends: dataplane.ServiceBackends{Resolver: w},
		DefaultCertificate: def, Now: c.Options.Now,
	}}
}

// TestBuildInvariants builds a model from every lib golden world (valid and
// broken ones) and checks what every model must hold.
func TestBuildInvariants(t *testing.T) {
	def, err := dataplane.GenerateDefaultCertificate(goldencases.Now)
	require.NoError(t, err)
	cases, err := goldencases.All()
	require.NoError(t, err)
	honoured := 0
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			w := load(t, c, def)
			// A case's controller ConfigMap, when it parses, is what the
			// model is built with.
			ref := c.Options.ConfigMap
			if ref == (intent.ObjectRef{}) {
				ref = lint.DefaultConfigMap()
			}
			if cm, ok := w.w.ConfigMap(ref.Namespace, ref.Name); ok {
				if parsed, verdict := validate.ConfigMap(cm); verdict.Findings.Allowed() {
					assert.Equal(t, parsed, w.opts.Config, "the case's ConfigMap is not the configuration built with")
					honoured++
				}
			}
			m, err := dataplane.Build(w.ings, w.opts)
			require.NoError(t, err)

			// The same world in another order is the same model.
			shuffled := slices.Clone(w.ings)
			rand.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
			again, err := dataplane.Build(shuffled, w.opts)
			require.NoError(t, err)
			assert.Equal(t, m, again)

			files := map[string]dataplane.File{}
			for _, f := range m.Files {
				files[f.Name] = f
				assert.Regexp(t, `^(tls|crt|key|ca|crl|htpasswd)-[0-9a-f]{32}\.pem$`, f.Name)
				assert.Equal(t, strings.HasPrefix(f.Name, "tls-") || strings.HasPrefix(f.Name, "key-") || strings.HasPrefix(f.Name, "htpasswd-"), f.Private, f.Name)
				assert.Equal(t, strings.HasPrefix(f.Name, "tls-"), f.Replaceable, f.Name)
			}
			refs := func(names ...string) {
				for _, n := range names {
					if n != "" {
						assert.Contains(t, files, n)
					}
				}
			}
			refs(m.Default.Cert.Cert, m.Default.Cert.Key)
			ups := map[string]bool{}
			for _, u := range m.Upstreams {
				ups[u.Name] = true
				assert.NotEmpty(t, u.Servers)
			}
			assert.True(t, slices.IsSortedFunc(m.Servers, func(a, b dataplane.Server) int { return strings.Compare(a.Host, b.Host) }))
			// nginx keeps idle connections and TLS sessions per upstream: paths
			// sharing one must speak to the backend exactly alike.
			speaks := map[string]dataplane.Location{}
			for _, s := range m.Servers {
				for _, l := range s.Locations {
					if l.Upstream == "" {
						continue
					}
					if l.BasicAuth != nil {
						refs(l.BasicAuth.File)
					}
					if first, ok := speaks[l.Upstream]; ok {
						assert.Equal(t, first.Protocol, l.Protocol, "upstream %s shared by %s and %s", l.Upstream, first.Path, l.Path)
						assert.Equal(t, first.BackendTLS, l.BackendTLS, "upstream %s shared by paths with different backend TLS", l.Upstream)
					} else {
						speaks[l.Upstream] = l
					}
				}
			}
			for _, s := range m.Servers {
				assert.True(t, dataplane.SafeHost(s.Host), s.Host)
				if s.Reject {
					assert.Nil(t, s.TLS)
					assert.Empty(t, s.Locations)
					assert.NotEmpty(t, s.Reason)
				}
				if s.TLS != nil {
					refs(s.TLS.Cert.Cert, s.TLS.Cert.Key)
					if s.TLS.Default {
						assert.Nil(t, s.HSTS, "HSTS on a default-certificate host")
					}
				}
				if a := s.ClientAuth; a != nil {
					refs(a.CA, a.CRL)
					assert.NotNil(t, s.TLS)
				}
				for _, l := range s.Locations {
					if l.Regex {
						assert.True(t, dataplane.SafeRegexPath(l.Path, l.Rewrite), "%s %s", l.Path, l.Rewrite)
						assert.False(t, l.Status == 503 && strings.Contains(l.Reason, "is refused"), "a refused Ingress's regular expression is served: %s", l.Path)
					} else {
						assert.True(t, dataplane.SafePath(l.Path), l.Path)
						assert.Empty(t, l.Rewrite, l.Path)
					}
					switch {
					case l.Redirect != nil:
						assert.Empty(t, l.Upstream, "location %s: redirected and proxied", l.Path)
						assert.True(t, grammar.ValidRedirectURL(l.Redirect.URL), l.Redirect.URL)
					case l.Status == 0:
						assert.True(t, ups[l.Upstream], "location %s: upstream %q", l.Path, l.Upstream)
					}
					if bt := l.BackendTLS; bt != nil {
						refs(bt.TrustedCA)
						if bt.Client != nil {
							refs(bt.Client.Cert, bt.Client.Key)
						}
						assert.False(t, bt.Verify && bt.TrustedCA == "", "verification without a CA")
					}
				}
			}
		})
	}
	assert.Positive(t, honoured, "no golden case built with its own ConfigMap")
}

// TestRefusedIngressFailsOnlyItsHosts: a refused Ingress's own host refuses
// handshakes; on a host a valid Ingress serves, only its paths answer 503.
func TestRefusedIngressFailsOnlyItsHosts(t *testing.T) {
	def, err := dataplane.GenerateDefaultCertificate(goldencases.Now)
	require.NoError(t, err)
	c, err := goldencases.Load(goldencases.Dir() + "/host-conflict-certificates.in.yaml")
	require.NoError(t, err)
	w := load(t, c, def)
	m, err := dataplane.Build(w.ings, w.opts)
	require.NoError(t, err)
	require.NotEmpty(t, m.Refused)
	for _, s := range m.Servers {
		assert.False(t, s.Reject, "host %s refused: %s", s.Host, s.Reason)
		assert.NotNil(t, s.TLS, s.Host)
	}

	// Judge an invalid snippet Ingress alone: its host refuses handshakes.
	c, err = goldencases.Load(goldencases.Dir() + "/snippet.in.yaml")
	require.NoError(t, err)
	w = load(t, c, def)
	m, err = dataplane.Build(w.ings, w.opts)
	require.NoError(t, err)
	require.NotEmpty(t, m.Servers)
	for _, s := range m.Servers {
		assert.True(t, s.Reject, s.Host)
	}
}

func TestFileNamesAreHashesNotObjectNames(t *testing.T) {
	def, err := dataplane.GenerateDefaultCertificate(goldencases.Now)
	require.NoError(t, err)
	c, err := goldencases.Load(goldencases.Dir() + "/mtls-crl.in.yaml")
	require.NoError(t, err)
	w := load(t, c, def)
	m, err := dataplane.Build(w.ings, w.opts)
	require.NoError(t, err)
	require.NotEmpty(t, m.Files)
	for _, f := range m.Files {
		for _, ing := range w.ings {
			assert.NotContains(t, f.Name, ing.Verdict.Intent.Namespace+"-")
		}
		assert.NotContains(t, f.Name, "client-ca")
		assert.NotContains(t, f.String()+f.GoString(), "BEGIN")
	}
	_, err = dataplane.Build(w.ings, dataplane.Options{Resolver: w.w})
	assert.ErrorIs(t, err, dataplane.ErrNoDefaultCertificate)
}

func TestAddressRefusesNonHosts(t *testing.T) {
	for _, bad := range []string{"a;b", "x y", "$host", "*.example.com", "a\nb", "", "A_B"} {
		_, err := dataplane.Address(bad, 80)
		assert.Error(t, err, bad)
	}
	got, err := dataplane.Address("localhost", 8080)
	require.NoError(t, err)
	assert.Equal(t, "localhost:8080", got)
	_, err = dataplane.Address("127.0.0.1", 0)
	assert.Error(t, err)
}

// TestMisorderedChainIsServedNormalized: a chain with the intermediate first
// is refused at admission, but when a secret is rotated into that order the
// controller (validating with AllowMisorderedChains) keeps serving the host,
// with the chain written leaf first, and warns.
func TestMisorderedChainIsServedNormalized(t *testing.T) {
	def, err := dataplane.GenerateDefaultCertificate(goldencases.Now)
	require.NoError(t, err)
	c, err := goldencases.Load(goldencases.Dir() + "/tls-chain-intermediate-first.in.yaml")
	require.NoError(t, err)
	w := world.NewStatic()
	for _, o := range c.Objects {
		if o.Typed != nil {
			w.Add(o.Typed)
		}
	}
	build := func(allow bool) (*dataplane.Model, []dataplane.Ingress) {
		v := validate.New(validate.Options{Config: config.Default(), Now: c.Options.Now, AllowMisorderedChains: allow}, nil)
		ings := dataplane.Judge(v, w)
		m, err := dataplane.Build(ings, dataplane.Options{Config: config.Default(), Resolver: w,
			Backends: dataplane.ServiceBackends{Resolver: w}, DefaultCertificate: def, Now: c.Options.Now})
		require.NoError(t, err)
		return m, ings
	}
	server := func(m *dataplane.Model) dataplane.Server {
		for _, s := range m.Servers {
			if s.Host == "www.example.com" {
				return s
			}
		}
		t.Fatalf("no server for www.example.com in %+v", m.Servers)
		return dataplane.Server{}
	}

	strict, _ := build(false)
	assert.True(t, server(strict).Reject, "as admission judges it, the host is refused")

	m, ings := build(true)
	s := server(m)
	require.False(t, s.Reject, s.Reason)
	require.NotNil(t, s.TLS)
	assert.False(t, s.TLS.Default, "served with its own certificate")
	require.Len(t, ings, 1)
	assert.Empty(t, ings[0].Verdict.Findings.Errors)
	var warned bool
	for _, wn := range ings[0].Verdict.Findings.Warnings {
		warned = warned || strings.Contains(wn.Message, "order")
	}
	assert.True(t, warned, "the order is still reported, as a warning: %+v", ings[0].Verdict.Findings.Warnings)

	var chain []byte
	for _, f := range m.Files {
		if f.Name == s.TLS.Cert.Cert {
			chain = f.Data
		}
	}
	require.NotEmpty(t, chain)
	sec, ok := w.Secret("shop", "web-tls")
	require.True(t, ok)
	sc, _ := certs.CheckTLSSecret(sec, nil, certs.TLSOptions{Now: c.Options.Now(), AllowMisordered: true})
	require.NotNil(t, sc)
	assert.True(t, sc.Reordered, "the secret holds the chain out of order")
	assert.Equal(t, string(sc.ChainPEM)+string(sc.KeyPEM()), string(chain), "nginx gets the chain leaf first, then the key")
	assert.NotEqual(t, string(sec.Data["tls.crt"]), string(chain))
}

// TestBackendTLSSettingsSplitUpstreams: two paths to the same Service and
// port, one verifying the backend and presenting a client certificate, one
// not, get separate upstreams, so neither reuses the other's connections or
// TLS sessions (a verified connection served to an unverified path, or the
// client certificate presented for a path that has none).
func TestBackendTLSSettingsSplitUpstreams(t *testing.T) {
	def, err := dataplane.GenerateDefaultCertificate(goldencases.Now)
	require.NoError(t, err)
	c, err := goldencases.Load("../nginx/testdata/backend-tls.in.yaml")
	require.NoError(t, err)
	w := load(t, c, def)
	w.opts.Backends = loopbackBackends{}
	m, err := dataplane.Build(w.ings, w.opts)
	require.NoError(t, err)
	byHost := map[string]string{}
	for _, s := range m.Servers {
		for _, l := range s.Locations {
			if l.Path == "/" {
				byHost[s.Host] = l.Upstream
			}
		}
	}
	require.Contains(t, byHost, "secure.example.com")
	require.Contains(t, byHost, "insecure.example.com")
	assert.NotEqual(t, byHost["secure.example.com"], byHost["insecure.example.com"])
}

// loopbackBackends answers every backend with 127.0.0.1 on its port.
type loopbackBackends struct{}

func (loopbackBackends) Addresses(ns string, be intent.Backend) ([]string, string, error) {
	addr, err := dataplane.Address("127.0.0.1", int(be.Port))
	return []string{addr}, be.Service + "." + ns + ".svc", err
}

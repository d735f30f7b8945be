package dataplane_test

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed-d040b84d/portcullis/controller/dataplane"
	"github.com/seed-d040b84d/portcullis/lib/certs"
	"github.com/seed-d040b84d/portcullis/lib/config"
	"github.com/seed-d040b84d/portcullis/lib/validate"
	"github.com/seed-d040b84d/portcullis/lib/world"
	"github.com/seed-d040b84d/portcullis/test/goldencases"
)

type world1 struct {
	w    *world.Static
	ings []dataplane.Ingress
	opts dataplane.Options
}

func load(t *testing.T, c goldencases.Case, def *certs.ServerCert) world1 {
	w := world.NewStatic()
	for _, o := range c.Objects {
		if o.Typed != nil {
			w.Add(o.Typed)
		}
	}
	v := validate.New(validate.Options{
		Config: config.Default(), Class: validate.ClassOptions{Name: c.Options.IngressClass},
		EnableSSLPassthrough: c.Options.EnableSSLPassthrough, Now: c.Options.Now,
	}, nil)
	return world1{w: w, ings: dataplane.Judge(v, w), opts: dataplane.Options{
		Config: config.Default(), Resolver: w, Backends: dataplane.ServiceBackends{Resolver: w},
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
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			w := load(t, c, def)
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
				assert.Regexp(t, `^(crt|key|ca|crl)-[0-9a-f]{32}\.pem$`, f.Name)
				assert.Equal(t, strings.HasPrefix(f.Name, "key-"), f.Private, f.Name)
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
					assert.True(t, dataplane.SafePath(l.Path), l.Path)
					if l.Status == 0 {
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

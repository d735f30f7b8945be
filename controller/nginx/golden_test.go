package nginx

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed-d040b84d/portcullis/controller/dataplane"
	"github.com/seed-d040b84d/portcullis/lib/certs"
	"github.com/seed-d040b84d/portcullis/lib/config"
	"github.com/seed-d040b84d/portcullis/lib/intent"
	"github.com/seed-d040b84d/portcullis/lib/lint"
	"github.com/seed-d040b84d/portcullis/lib/validate"
	"github.com/seed-d040b84d/portcullis/lib/world"
	"github.com/seed-d040b84d/portcullis/test/goldencases"
)

var update = flag.Bool("update", false, "rewrite testdata/*.nginx.conf from the current renderer")

// The directories and ports golden configurations are rendered with.
var goldenOptions = Options{
	Root: "/var/lib/portcullis/files", Prefix: "/var/lib/portcullis/run",
	HTTPPort: 80, HTTPSPort: 443, FallbackPort: 442,
}

// testBackends resolves Services through the case's world and, for a Service
// the case does not define, answers 127.0.0.1 on the Ingress's port: the
// stand-in for the EndpointSlices a cluster would have.
type testBackends struct{ r world.Resolver }

func (b testBackends) Addresses(ns string, be intent.Backend) ([]string, string, error) {
	if _, ok := b.r.Service(ns, be.Service); ok {
		return dataplane.ServiceBackends{Resolver: b.r}.Addresses(ns, be)
	}
	addr, err := dataplane.Address("127.0.0.1", int(be.Port))
	return []string{addr}, be.Service + "." + ns + ".svc", err
}

// goldenCase is a case's world judged by lib and built into a model.
type goldenCase struct {
	name  string
	model *dataplane.Model
	opts  Options
}

func loadCase(t testing.TB, in string) goldenCase {
	t.Helper()
	c, err := goldencases.Load(in)
	require.NoError(t, err)
	w := world.NewStatic()
	for _, o := range c.Objects {
		if o.Typed != nil {
			w.Add(o.Typed)
		}
	}
	cmRef := c.Options.ConfigMap
	if cmRef == (intent.ObjectRef{}) {
		cmRef = lint.DefaultConfigMap()
	}
	cfg := config.Default()
	if cm, ok := w.ConfigMap(cmRef.Namespace, cmRef.Name); ok {
		parsed, verdict := validate.ConfigMap(cm)
		require.True(t, verdict.Findings.Allowed(), "case %s: ConfigMap refused: %v", c.Name, verdict.Findings.Errors)
		cfg = parsed
	}
	cache := &certs.Cache{}
	v := validate.New(validate.Options{
		Config: cfg, Class: validate.ClassOptions{Name: c.Options.IngressClass},
		AnnotationsPrefix: c.Options.AnnotationsPrefix, EnableSSLPassthrough: c.Options.EnableSSLPassthrough,
		DefaultSSLCertificate: c.Options.DefaultSSLCertificate, Now: c.Options.Now,
	}, cache)
	def := fixtureDefaultCertificate(t)
	if ref := c.Options.DefaultSSLCertificate; ref != nil {
		sec, _ := w.Secret(ref.Namespace, ref.Name)
		def, err = dataplane.DefaultCertificateFrom(sec, cache, goldencases.Now, def)
		require.NoError(t, err)
	}
	m, err := dataplane.Build(dataplane.Judge(v, w), dataplane.Options{
		Config: cfg, Resolver: w, Certs: cache, Backends: testBackends{w}, DefaultCertificate: def, Now: c.Options.Now,
	})
	require.NoError(t, err)
	o := goldenOptions
	o.Passthrough = c.Options.EnableSSLPassthrough
	return goldenCase{name: c.Name, model: m, opts: o}
}

// fixtureDefaultCertificate stands in for the generated default certificate,
// which differs on every start.
func fixtureDefaultCertificate(t testing.TB) *certs.ServerCert {
	t.Helper()
	chain, err := os.ReadFile(filepath.Join("testdata", "certs", "rsa2048.pem"))
	require.NoError(t, err)
	key, err := os.ReadFile(filepath.Join("testdata", "certs", "rsa2048.key.pem"))
	require.NoError(t, err)
	sc, err := dataplane.ServerCertFromPEM(chain, key, goldencases.Now)
	require.NoError(t, err)
	return sc
}

func goldenInputs(t testing.TB) []string {
	ins, err := filepath.Glob(filepath.Join("testdata", "*.in.yaml"))
	require.NoError(t, err)
	require.NotEmpty(t, ins)
	return ins
}

// TestGolden renders every testdata/<case>.in.yaml and compares it with
// <case>.nginx.conf (go test -run TestGolden -update rewrites them).
func TestGolden(t *testing.T) {
	for _, in := range goldenInputs(t) {
		gc := loadCase(t, in)
		t.Run(gc.name, func(t *testing.T) {
			for _, r := range gc.model.Refused {
				t.Logf("refused %s: %s", r.Ingress, r.Reason)
			}
			for _, s := range gc.model.Servers {
				if s.Reject || s.Status != 0 {
					t.Logf("host %s fails closed (status %d): %s", s.Host, s.Status, s.Reason)
				}
				for _, l := range s.Locations {
					if l.Status != 0 {
						t.Logf("host %s path %s answers %d: %s", s.Host, l.Path, l.Status, l.Reason)
					}
				}
			}
			got, err := RenderModel(gc.model, gc.opts)
			require.NoError(t, err)
			again, err := RenderModel(loadCase(t, in).model, gc.opts)
			require.NoError(t, err)
			require.Equal(t, string(got), string(again), "rendering is not deterministic")
			out := strings.TrimSuffix(in, ".in.yaml") + ".nginx.conf"
			if *update {
				require.NoError(t, os.WriteFile(out, got, 0o644))
				return
			}
			want, err := os.ReadFile(out)
			require.NoError(t, err, "run go test ./controller/nginx -run TestGolden -update")
			assert.Equal(t, string(want), string(got))
		})
	}
}

// TestSharedServerBlocksServeEachNameAlike holds the sharing of server
// blocks to what it must not change: every name on every listener gets a
// block with the same directives as when each host has its own, in both
// certificate modes, for every golden case.
func TestSharedServerBlocksServeEachNameAlike(t *testing.T) {
	merged := 0
	for _, in := range goldenInputs(t) {
		gc := loadCase(t, in)
		for _, static := range []bool{false, true} {
			gc.model.TLS.StaticCertificates = static
			byName := func(o Options) (map[string]string, int) {
				t.Helper()
				nodes, err := Tree(gc.model, o)
				require.NoError(t, err)
				out, blocks := map[string]string{}, 0
				for _, srv := range nodes[len(nodes)-1].Children {
					if srv.Name != "server" {
						continue
					}
					blocks++
					// The block as nginx reads it, without its names.
					var rest []*Node
					listen := ""
					for _, c := range srv.Children {
						if c.Name == "listen" {
							listen += fmt.Sprint(c.Args)
						}
						if c.Name != "server_name" {
							rest = append(rest, c)
						}
					}
					content, err := Render([]*Node{blk("http", nil, blk("server", nil, rest...))})
					require.NoError(t, err)
					for _, n := range serverNames(srv) {
						key := listen + " " + fmt.Sprint(n.Args)
						require.NotContains(t, out, key, "%s: a name twice on one listener", gc.name)
						out[key] = string(content)
					}
				}
				return out, blocks
			}
			separate := gc.opts
			separate.separate = true
			want, wantBlocks := byName(separate)
			got, gotBlocks := byName(gc.opts)
			assert.Equal(t, want, got, "%s (static certificates: %v)", gc.name, static)
			merged += wantBlocks - gotBlocks
		}
	}
	assert.Positive(t, merged, "no case shares a server block")
}

// TestRenderWithGeneration: one render whose status server answers the
// hash of the rest is the configuration rendered with that generation.
func TestRenderWithGeneration(t *testing.T) {
	gc := loadCase(t, goldenInputs(t)[0])
	o := gc.opts
	o.StatusAddress = "127.0.0.1:10254"
	var hashed []byte
	conf, gen, err := RenderWithGeneration(gc.model, o, func(rest []byte) string {
		hashed = rest
		return "0123456789abcdef"
	})
	require.NoError(t, err)
	assert.Equal(t, "0123456789abcdef", gen)
	o.Generation = gen
	want, err := RenderModel(gc.model, o)
	require.NoError(t, err)
	assert.Equal(t, string(want), string(conf))
	assert.NotContains(t, string(hashed), GenerationPath, "the hash covers the configuration without the status server")
	assert.Contains(t, string(conf), `return "200" "0123456789abcdef";`)

	_, _, err = RenderWithGeneration(gc.model, o, func([]byte) string { return "not hex" })
	assert.ErrorContains(t, err, "is not hex")
}

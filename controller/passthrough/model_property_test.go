package passthrough

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	networkingv1 "k8s.io/api/networking/v1"

	"github.com/seed-d040b84d/portcullis/controller/dataplane"
	"github.com/seed-d040b84d/portcullis/lib/certs"
	"github.com/seed-d040b84d/portcullis/lib/config"
	"github.com/seed-d040b84d/portcullis/lib/validate"
	"github.com/seed-d040b84d/portcullis/lib/world"
	"github.com/seed-d040b84d/portcullis/test/gen"
)

// The generated worlds draw from these: namespaces, and hosts that overlap
// in every way (exact under wildcard, wildcard under wildcard, apex).
var (
	genNamespaces = []string{"a", "b", "c"}
	genHosts      = []string{"www.ex.test", "api.ex.test", "*.ex.test", "apps.ex.test", "x.apps.ex.test", "*.apps.ex.test", "ex.test"}
	// genProbes are the server names looked up: every host and names only
	// wildcards (or nothing) cover.
	genProbes = []string{"www.ex.test", "api.ex.test", "apps.ex.test", "x.apps.ex.test", "ex.test", "zz.ex.test", "zz.apps.ex.test", "a.b.ex.test", "none.test"}
)

// genWorld is a world generated from bytes: several namespaces, exact and
// wildcard hosts, passthrough and terminated, refused and allowed Ingresses,
// and sometimes a namespace that shares its hosts.
type genWorld struct {
	w       *world.Static
	ings    []*networkingv1.Ingress
	sharing map[string]string // owner namespace → namespace it shares with
}

func generate(data []byte) genWorld {
	next := func() int {
		if len(data) == 0 {
			return 0
		}
		b := data[0]
		data = data[1:]
		return int(b)
	}
	g := genWorld{w: world.NewStatic(), sharing: map[string]string{}}
	for _, ns := range genNamespaces {
		g.w.Add(gen.ExternalName("svc", ns+".backend.test", gen.InNamespace(ns)))
	}
	if s := next(); s%4 == 0 {
		owner, other := genNamespaces[s/4%3], genNamespaces[(s/4+1)%3]
		g.sharing[owner] = other
		g.w.Add(gen.Namespace(owner, gen.Annotation(config.ShareHostsWithAnnotation, other)))
	}
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	n := 1 + next()%8
	for i := range n {
		ns := genNamespaces[next()%len(genNamespaces)]
		host := genHosts[next()%len(genHosts)]
		flags := next()
		passthrough, refused := flags&1 != 0, flags&2 != 0
		created := base.Add(time.Duration(next()%4) * time.Minute) // ties happen: then neither of two rival namespaces is served
		ing := genIngress(ns, fmt.Sprintf("ing-%d", i), host, passthrough, refused, created)
		g.ings = append(g.ings, ing)
		g.w.Add(ing)
	}
	return g
}

func genIngress(ns, name, host string, passthrough, refused bool, created time.Time) *networkingv1.Ingress {
	opts := []gen.IngressOption{gen.InNamespace(ns), gen.Created(created), gen.Host(host)}
	if passthrough {
		opts = append(opts, gen.Path("/", "svc", 443), gen.Annotation("nginx.ingress.kubernetes.io/ssl-passthrough", "true"))
	} else {
		opts = append(opts, gen.Path("/"+name, "svc", 80))
	}
	if refused {
		opts = append(opts, gen.Annotation("nginx.ingress.kubernetes.io/ssl-redirect", "True")) // an error: booleans are lower-case
	}
	return gen.Ingress(name, opts...)
}

// modelDecision is what the model says of a server name, read off its lists
// the way nginx picks a server: the exact name, else the wildcard one label
// above it; a name it does not serve goes to nginx.
func modelDecision(m *dataplane.Model, name string) (Decision, *dataplane.PassthroughRoute) {
	_, parent, _ := strings.Cut(name, ".")
	for _, want := range []string{name, "*." + parent} {
		for i, p := range m.Passthrough {
			if p.Host == want {
				if len(p.Servers) == 0 {
					return Refuse, &m.Passthrough[i]
				}
				return ToBackend, &m.Passthrough[i]
			}
		}
		for _, s := range m.Servers {
			if s.Host == want {
				return ToNginx, nil
			}
		}
	}
	return ToNginx, nil
}

// checkWorld judges a generated world once, builds the model and its routes,
// and checks the invariants of one verdict, one model, two observers, and
// that judging the cluster in one pass agrees with judging each Ingress alone.
func checkWorld(t *testing.T, data []byte, def *certs.ServerCert) {
	g := generate(data)
	v := validate.New(validate.Options{Config: config.Default(), EnableSSLPassthrough: true}, nil)
	ings := dataplane.Judge(v, g.w)
	// A whole-cluster pass (batched) and one admission at a time agree.
	for _, ing := range ings {
		alone := v.Ingress(ing.Object, g.w)
		require.Equal(t, alone.Findings, ing.Verdict.Findings, "%s/%s judged alone", ing.Object.Namespace, ing.Object.Name)
	}
	m, err := dataplane.Build(ings, dataplane.Options{Config: config.Default(), Resolver: g.w, DefaultCertificate: def,
		Backends: dataplane.ServiceBackends{Resolver: g.w}})
	require.NoError(t, err)
	routes := RoutesFrom(m)
	allowed := map[string]bool{}
	for _, ing := range ings {
		allowed[ing.Object.Namespace+"/"+ing.Object.Name] = ing.Verdict.Findings.Allowed()
	}
	describe := func() string {
		var b strings.Builder
		fmt.Fprintf(&b, "sharing %v\n", g.sharing)
		for _, ing := range ings {
			fmt.Fprintf(&b, "  %s/%s %s %v passthrough=%v allowed=%v %v\n", ing.Object.Namespace, ing.Object.Name, ing.Object.Spec.Rules[0].Host,
				ing.Object.CreationTimestamp.Format("15:04"), ing.Object.Annotations["nginx.ingress.kubernetes.io/ssl-passthrough"] == "true",
				ing.Verdict.Findings.Allowed(), ing.Verdict.Findings.Errors)
		}
		return b.String()
	}

	for _, name := range genProbes {
		want, pr := modelDecision(m, name)
		got, backends := routes.Decide(name)
		require.Equal(t, want, got, "%s: the router does what the model says\n%s", name, describe())
		if got != ToBackend {
			continue
		}
		require.Equal(t, pr.Servers, backends, "%s\n%s", name, describe())
		require.True(t, allowed[pr.Source.String()], "%s is passed through for %s, which lib refuses\n%s", name, pr.Source, describe())
		for _, ing := range ings {
			h := ing.Object.Spec.Rules[0].Host
			terminated := ing.Verdict.Intent.Hosts[0].Termination != "passthrough"
			require.False(t, terminated && h == name && ing.Verdict.Findings.Allowed(),
				"%s: nginx terminates it for %s/%s, yet it is passed through\n%s", name, ing.Object.Namespace, ing.Object.Name, describe())
		}
	}

	// Tenancy: two Ingresses of different namespaces that lib both admits
	// never name overlapping hosts, unless the older one's namespace shares.
	for i, x := range ings {
		for _, y := range ings[i+1:] {
			if x.Object.Namespace == y.Object.Namespace || !x.Verdict.Findings.Allowed() || !y.Verdict.Findings.Allowed() {
				continue
			}
			if g.sharing[x.Object.Namespace] == y.Object.Namespace || g.sharing[y.Object.Namespace] == x.Object.Namespace {
				continue
			}
			hx, hy := x.Object.Spec.Rules[0].Host, y.Object.Spec.Rules[0].Host
			require.False(t, world.HostsOverlap(hx, hy), "%s/%s (%s) and %s/%s (%s) are both admitted\n%s",
				x.Object.Namespace, x.Object.Name, hx, y.Object.Namespace, y.Object.Name, hy, describe())
		}
	}
}

// TestRoutesFollowTheModel checks checkWorld's invariants over generated
// worlds: the router passes a name through iff the model serves it as
// passthrough, only for Ingresses lib admits, never a name nginx terminates;
// and no two namespaces are admitted on one name.
func TestRoutesFollowTheModel(t *testing.T) {
	t.Parallel()
	def, err := dataplane.GenerateDefaultCertificate(time.Now())
	require.NoError(t, err)
	rng := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		data := make([]byte, 40)
		for i := range data {
			data[i] = byte(rng.IntN(256))
		}
		checkWorld(t, data, def)
		if t.Failed() {
			return
		}
	}
	// The worlds the issue names.
	checkWorld(t, []byte{1 /* no sharing */, 2 /* two Ingresses */, 0, 0, 0, 0 /* a: www, terminated, first */, 2, 2, 1, 1 /* c: *.ex.test, passthrough, later */}, def)
}

// FuzzRoutesFollowTheModel explores generated worlds beyond the property
// test's.
func FuzzRoutesFollowTheModel(f *testing.F) {
	f.Add([]byte{1, 2, 0, 0, 0, 0, 2, 2, 1, 1})
	f.Add([]byte{0, 4, 0, 5, 1, 0, 1, 4, 0, 1, 2, 3, 3, 0, 1, 0, 2})
	def, err := dataplane.GenerateDefaultCertificate(time.Now())
	require.NoError(f, err)
	f.Fuzz(func(t *testing.T, data []byte) {
		checkWorld(t, data, def)
	})
}

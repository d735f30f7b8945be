package passthrough

import (
	"crypto/tls"
	"io"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	networkingv1 "k8s.io/api/networking/v1"

	"github.com/seed-d040b84d/portcullis/controller/dataplane"
	"github.com/seed-d040b84d/portcullis/lib/config"
	"github.com/seed-d040b84d/portcullis/lib/validate"
	"github.com/seed-d040b84d/portcullis/lib/world"
	"github.com/seed-d040b84d/portcullis/test/gen"
)

// passthroughIngress is an Ingress in apps passing host's connections
// through to the backend of path (a gen.Path or gen.NamedPortPath of "/").
func passthroughIngress(name, host string, path gen.IngressOption) *networkingv1.Ingress {
	return gen.Ingress(name, gen.InNamespace("apps"), gen.Host(host), path,
		gen.Annotation("nginx.ingress.kubernetes.io/ssl-passthrough", "true"))
}

// routesOf judges the Ingresses in w as the reconciler does, builds the
// model and returns the routing table derived from it.
func routesOf(t *testing.T, w *world.Static, passthroughEndpoints dataplane.EndpointLookup) (*Routes, *dataplane.Model) {
	t.Helper()
	v := validate.New(validate.Options{Config: config.Default(), EnableSSLPassthrough: true}, nil)
	def, err := dataplane.GenerateDefaultCertificate(time.Now())
	require.NoError(t, err)
	m, err := dataplane.Build(dataplane.Judge(v, w), dataplane.Options{
		Config: config.Default(), Resolver: w, DefaultCertificate: def,
		Backends:            dataplane.ServiceBackends{Resolver: w},
		PassthroughBackends: dataplane.ServiceBackends{Resolver: w, Endpoints: passthroughEndpoints},
	})
	require.NoError(t, err)
	return RoutesFrom(m), m
}

// reasons are the model's unservable passthrough hosts and why.
func reasons(m *dataplane.Model) map[string]string {
	out := map[string]string{}
	for _, p := range m.Passthrough {
		if len(p.Servers) == 0 {
			out[p.Host] = p.Reason
		}
	}
	return out
}

// TestRoutesFromTheModel: the routes come from the model, for each kind of
// Service a passthrough host may name; a host the model cannot serve is
// refused, never handed to nginx.
func TestRoutesFromTheModel(t *testing.T) {
	apps := gen.InNamespace("apps")
	w := world.NewStatic()
	w.Add(
		gen.Service("vault", apps, gen.ClusterIP("10.96.0.10"), gen.ServicePort("https", 8200, 0)),
		gen.ExternalName("external", "localhost", apps),
		gen.Service("headless", apps, gen.ClusterIP(corev1.ClusterIPNone), gen.ServicePort("", 443, 0)),
		passthroughIngress("vault", "vault.example.com", gen.NamedPortPath("/", "vault", "https")),
		passthroughIngress("ext", "ext.example.com", gen.Path("/", "external", 9443)),
		passthroughIngress("headless", "headless.example.com", gen.Path("/", "headless", 443)),
		passthroughIngress("missing", "missing.example.com", gen.Path("/", "nowhere", 443)),
	)
	routes, m := routesOf(t, w, nil)
	got, ok := routes.Lookup("vault.example.com")
	assert.True(t, ok)
	assert.Equal(t, "10.96.0.10:8200", got, "the ClusterIP and the named port")
	got, _ = routes.Lookup("ext.example.com")
	assert.Equal(t, "localhost:9443", got, "the external name on the Ingress's port")
	assert.Equal(t, []string{"ext.example.com", "headless.example.com", "missing.example.com", "vault.example.com"}, routes.Hosts())
	for _, h := range []string{"headless.example.com", "missing.example.com"} {
		d, _ := routes.Decide(h)
		assert.Equal(t, Refuse, d, "%s cannot be served: its connections are refused", h)
	}
	why := reasons(m)
	assert.Contains(t, why["headless.example.com"], "no cluster IP")
	assert.Contains(t, why["missing.example.com"], "not found")
	d, _ := routes.Decide("other.example.com")
	assert.Equal(t, ToNginx, d)
}

// fixedSlices is an EndpointLookup over fixed EndpointSlices.
type fixedSlices map[string][]*discoveryv1.EndpointSlice

func (s fixedSlices) EndpointSlices(namespace, service string) []*discoveryv1.EndpointSlice {
	return s[namespace+"/"+service]
}

func TestRoutesToEndpoints(t *testing.T) {
	ready, notReady := true, false
	https := "https"
	w := world.NewStatic()
	w.Add(gen.Service("vault", gen.InNamespace("apps"), gen.ClusterIP(corev1.ClusterIPNone), gen.ServicePort("https", 8200, 0)))
	ing := passthroughIngress("vault", "vault.example.com", gen.Path("/", "vault", 8200))
	// service-upstream is an HTTP-level setting: passthrough ignores it.
	ing.Annotations["nginx.ingress.kubernetes.io/service-upstream"] = "true"
	w.Add(ing)
	eps := fixedSlices{"apps/vault": {{
		Ports: []discoveryv1.EndpointPort{{Name: &https, Port: ptr(int32(8201))}},
		Endpoints: []discoveryv1.Endpoint{
			{Addresses: []string{"10.1.0.2"}, Conditions: discoveryv1.EndpointConditions{Ready: &ready}},
			{Addresses: []string{"10.1.0.1"}},
			{Addresses: []string{"10.1.0.3"}, Conditions: discoveryv1.EndpointConditions{Ready: &notReady}},
		},
	}}}
	routes, m := routesOf(t, w, eps)
	assert.Empty(t, reasons(m))
	assert.Equal(t, []string{"10.1.0.1:8201", "10.1.0.2:8201"}, routes.Backends("vault.example.com"),
		"the ready endpoints, on the target port named like the Service port")

	_, m = routesOf(t, w, fixedSlices{})
	assert.Contains(t, reasons(m)["vault.example.com"], "no ready endpoints")
	_, m = routesOf(t, w, nil)
	assert.Contains(t, reasons(m)["vault.example.com"], "no cluster IP", "a headless Service in service mode")
}

func ptr[T any](v T) *T { return &v }

// TestDialMovesOnToTheNextEndpoint: a backend that does not answer is skipped.
func TestDialMovesOnToTheNextEndpoint(t *testing.T) {
	echo := startEcho(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	dead := l.Addr().String()
	_ = l.Close()
	p, addr := startProxy(t, Options{Fallback: "127.0.0.1:1"})
	p.SetRoutes(NewRoutesMulti(map[string][]string{"multi.example.com": {dead, echo}}))
	hello := clientHello(t, &tls.Config{ServerName: "multi.example.com"})
	for i := 0; i < 8; i++ { // whichever endpoint the proxy starts with
		c, err := net.Dial("tcp", addr)
		require.NoError(t, err)
		_, err = c.Write(hello)
		require.NoError(t, err)
		_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
		_, err = io.ReadFull(c, make([]byte, len(hello)))
		require.NoError(t, err, "the live endpoint answered")
		_ = c.Close()
	}
	assert.Zero(t, p.Stats().DialFailures)
}

package report_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	"github.com/seed-d040b84d/portcullis/controller/dataplane"
	"github.com/seed-d040b84d/portcullis/controller/report"
	"github.com/seed-d040b84d/portcullis/lib/apis"
	"github.com/seed-d040b84d/portcullis/lib/world"
	"github.com/seed-d040b84d/portcullis/lint"
	"github.com/seed-d040b84d/portcullis/test/gen"
	"github.com/seed-d040b84d/portcullis/test/goldencases"
)

// applied judges a lib golden world and builds its model, as the reconciler does.
func applied(t *testing.T, name string) (report.Applied, *world.Static) {
	t.Helper()
	c, err := goldencases.Load(goldencases.Dir() + "/" + name + ".in.yaml")
	require.NoError(t, err)
	w := world.NewStatic()
	for i, o := range c.Objects {
		if o.Typed != nil {
			o.Meta.SetUID(typesUID(fmt.Sprintf("uid-%d", i)))
			w.Add(o.Typed)
		}
	}
	// Every backend exists, so only what the case is about degrades a host.
	for _, ing := range w.Ingresses() {
		for _, r := range ing.Spec.Rules {
			if r.HTTP == nil {
				continue
			}
			for _, p := range r.HTTP.Paths {
				if s := p.Backend.Service; s != nil {
					if _, ok := w.Service(ing.Namespace, s.Name); !ok {
						w.Add(gen.ExternalName(s.Name, "backend.example.com", gen.InNamespace(ing.Namespace)))
					}
				}
			}
		}
	}
	def, err := dataplane.GenerateDefaultCertificate(goldencases.Now)
	require.NoError(t, err)
	v, _ := lint.Validator(w, c.Options, nil) // the case's flags and ConfigMap, as lint judges them
	ings := dataplane.Judge(v, w)
	m, err := dataplane.Build(ings, dataplane.Options{Config: v.Options().Config, Resolver: w, Backends: dataplane.ServiceBackends{Resolver: w},
		DefaultCertificate: def, Now: c.Options.Now})
	require.NoError(t, err)
	return report.Applied{Ingresses: ings, Model: m, Generation: "g1"}, w
}

func reasons(os []report.Outcome) map[string]string {
	out := map[string]string{}
	for _, o := range os {
		out[o.Ingress.Namespace+"/"+o.Ingress.Name] = o.Reason + ": " + o.Message
	}
	return out
}

func TestOutcomes(t *testing.T) {
	a, _ := applied(t, "tls-chain")
	for name, r := range reasons(report.Outcomes(a.Ingresses, a.Model, a.Generation)) {
		assert.Equal(t, "Programmed: in force in nginx (configuration g1)", r, name)
	}

	a, _ = applied(t, "tls-secret-missing")
	got := reasons(report.Outcomes(a.Ingresses, a.Model, a.Generation))
	require.NotEmpty(t, got)
	for name, r := range got {
		assert.True(t, strings.HasPrefix(r, "Degraded: served in part: "), "%s: %s", name, r)
		assert.Contains(t, r, "is served with the default certificate until secret", name)
	}

	a, _ = applied(t, "snippet")
	for name, r := range reasons(report.Outcomes(a.Ingresses, a.Model, a.Generation)) {
		assert.True(t, strings.HasPrefix(r, "Rejected: not served: "), "%s: %s", name, r)
	}
}

type recorded struct{ typ, reason, note string }

type recorder struct{ events []recorded }

func (r *recorder) Eventf(_ runtime.Object, _ runtime.Object, typ, reason, _, note string, args ...interface{}) {
	r.events = append(r.events, recorded{typ, reason, fmt.Sprintf(note, args...)})
}

// TestPublisherReportsChangesAndStatus: an event when an Ingress's outcome
// changes, none when only the configuration generation does; the load
// balancer's addresses in the status of served Ingresses.
func TestPublisherReportsChangesAndStatus(t *testing.T) {
	a, _ := applied(t, "tls-chain")
	var objs []client.Object
	for _, ing := range a.Ingresses {
		objs = append(objs, ing.Object.DeepCopy())
	}
	c := fake.NewClientBuilder().WithScheme(apis.Scheme).WithObjects(objs...).WithStatusSubresource(&networkingv1.Ingress{}).Build()
	rec := &recorder{}
	lb := report.StaticAddresses([]string{"203.0.113.7", "lb.example.net"})
	p := &report.Publisher{Client: c, Recorder: rec,
		Addresses: func(context.Context) ([]networkingv1.IngressLoadBalancerIngress, error) { return lb, nil }}
	ctx := context.Background()

	p.Publish(ctx, a)
	require.Len(t, rec.events, len(a.Ingresses))
	assert.Equal(t, recorded{corev1.EventTypeNormal, report.Programmed, "in force in nginx (configuration g1)"}, rec.events[0])
	for _, ing := range a.Ingresses {
		var got networkingv1.Ingress
		require.NoError(t, c.Get(ctx, client.ObjectKeyFromObject(ing.Object), &got))
		assert.Equal(t, lb, got.Status.LoadBalancer.Ingress)
	}

	a.Generation = "g2"
	p.Publish(ctx, a)
	assert.Len(t, rec.events, len(a.Ingresses), "a new generation alone makes no event")

	// The same Ingress, now refused: a Warning, and its status cleared.
	broken, _ := applied(t, "snippet")
	require.NotEmpty(t, broken.Model.Refused)
	broken.Ingresses[0].Object = a.Ingresses[0].Object
	broken.Model.Refused[0].Ingress.Namespace, broken.Model.Refused[0].Ingress.Name = a.Ingresses[0].Object.Namespace, a.Ingresses[0].Object.Name
	var current networkingv1.Ingress
	require.NoError(t, c.Get(ctx, client.ObjectKeyFromObject(a.Ingresses[0].Object), &current))
	broken.Ingresses = broken.Ingresses[:1]
	broken.Ingresses[0].Object = &current
	p.Publish(ctx, broken)
	last := rec.events[len(rec.events)-1]
	assert.Equal(t, corev1.EventTypeWarning, last.typ)
	assert.Equal(t, report.Rejected, last.reason)
	var after networkingv1.Ingress
	require.NoError(t, c.Get(ctx, client.ObjectKeyFromObject(&current), &after))
	assert.Empty(t, after.Status.LoadBalancer.Ingress, "a refused Ingress does not advertise the load balancer")
}

func TestAddresses(t *testing.T) {
	svc := &corev1.Service{Spec: corev1.ServiceSpec{ExternalIPs: []string{"198.51.100.2"}},
		Status: corev1.ServiceStatus{LoadBalancer: corev1.LoadBalancerStatus{Ingress: []corev1.LoadBalancerIngress{{IP: "203.0.113.7"}, {Hostname: "lb.example.net"}}}}}
	assert.Equal(t, []networkingv1.IngressLoadBalancerIngress{{Hostname: "lb.example.net"}, {IP: "198.51.100.2"}, {IP: "203.0.113.7"}}, report.ServiceAddresses(svc))
	assert.Equal(t, []networkingv1.IngressLoadBalancerIngress{{Hostname: "ingress.example.com"}, {IP: "2001:db8::1"}},
		report.StaticAddresses([]string{"ingress.example.com", "2001:db8::1", "ingress.example.com"}))
}

func typesUID(s string) types.UID { return types.UID(s) }

// TestPublisherReportsARefusedConfigMapOnce: a Warning on the ConfigMap per
// refused version, none while it stays the same.
func TestPublisherReportsARefusedConfigMapOnce(t *testing.T) {
	a, _ := applied(t, "tls-chain")
	rec := &recorder{}
	p := &report.Publisher{Recorder: rec}
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: "portcullis-system", Name: "portcullis", UID: "cm", ResourceVersion: "7"}}
	a.RefusedConfigMap, a.RefusedWhy = cm, `data[hsts-max-age]: "soon" is not a number of seconds`
	count := func() int {
		n := 0
		for _, e := range rec.events {
			if e.reason == report.ConfigurationRefused {
				n++
				assert.Equal(t, corev1.EventTypeWarning, e.typ)
				assert.Contains(t, e.note, "the last good configuration stays in force")
				assert.Contains(t, e.note, "hsts-max-age")
			}
		}
		return n
	}
	ctx := context.Background()
	p.Publish(ctx, a)
	p.Publish(ctx, a)
	assert.Equal(t, 1, count(), "one event per refused version")
	cm.ResourceVersion = "8"
	p.Publish(ctx, a)
	assert.Equal(t, 2, count(), "a new refused version is reported")
	a.RefusedConfigMap = nil
	p.Publish(ctx, a)
	assert.Equal(t, 2, count())
}

// TestClaimsTellTheOwner: an Ingress of another namespace that names an
// owned host is Rejected with every problem it has, and the owner gets a
// HostClaimRefused Warning naming it, once.
func TestClaimsTellTheOwner(t *testing.T) {
	a, _ := applied(t, "tenancy-host-taken")
	got := reasons(report.Outcomes(a.Ingresses, a.Model, a.Generation))
	assert.True(t, strings.HasPrefix(got["evil/tls-steal"], "Rejected: not served: "), got["evil/tls-steal"])
	assert.Contains(t, got["evil/tls-steal"], `spec.rules[0].host: host "www.example.com" belongs to namespace "default"`)
	assert.Contains(t, got["evil/tls-steal"], "spec.tls[0].secretName: ", "every problem, not only the first")
	assert.True(t, strings.HasPrefix(got["default/web"], "Programmed"), "the owner keeps serving: %s", got["default/web"])

	claims := reasons(report.Claims(a.Ingresses))
	require.Len(t, claims, 1, "only the owner is told: %v", claims)
	assert.Contains(t, claims["default/web"], report.HostClaimRefused+": ")
	assert.Contains(t, claims["default/web"], "Ingress evil/acme-steal names www.example.com")
	assert.Contains(t, claims["default/web"], "Ingress evil/tls-steal names www.example.com")

	var objs []client.Object
	for _, ing := range a.Ingresses {
		objs = append(objs, ing.Object.DeepCopy())
	}
	c := fake.NewClientBuilder().WithScheme(apis.Scheme).WithObjects(objs...).WithStatusSubresource(&networkingv1.Ingress{}).Build()
	rec := &recorder{}
	p := &report.Publisher{Client: c, Recorder: rec}
	p.Publish(context.Background(), a)
	p.Publish(context.Background(), a)
	var claimEvents []recorded
	for _, e := range rec.events {
		if e.reason == report.HostClaimRefused {
			claimEvents = append(claimEvents, e)
		}
	}
	require.Len(t, claimEvents, 1, "reported once while nothing changes")
	assert.Equal(t, corev1.EventTypeWarning, claimEvents[0].typ)
}

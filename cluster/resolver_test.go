package cluster

import (
	"testing"

	"github.com/stretchr/testify/assert"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	"github.com/seed-d040b84d/portcullis/lib/apis"
	"github.com/seed-d040b84d/portcullis/lib/world"
)

// TestCacheResolverFindsIngressesByHost: through the index, and, on a reader
// without it, by going through every Ingress; both give the same answer.
func TestCacheResolverFindsIngressesByHost(t *testing.T) {
	ing := func(name string, hosts ...string) *networkingv1.Ingress {
		o := &networkingv1.Ingress{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: name}}
		for _, h := range hosts {
			o.Spec.Rules = append(o.Spec.Rules, networkingv1.IngressRule{Host: h})
		}
		return o
	}
	objs := []*networkingv1.Ingress{ing("a", "x.example.com", "y.example.com"), ing("b", "y.example.com"), ing("c", "z.example.com")}
	indexed := fake.NewClientBuilder().WithScheme(apis.Scheme).WithIndex(&networkingv1.Ingress{}, IngressHostField, ingressHosts)
	plain := fake.NewClientBuilder().WithScheme(apis.Scheme)
	for _, o := range objs {
		indexed.WithObjects(o.DeepCopy())
		plain.WithObjects(o.DeepCopy())
	}
	names := func(ings []*networkingv1.Ingress) []string {
		var out []string
		for _, i := range ings {
			out = append(out, i.Name)
		}
		return out
	}
	for name, r := range map[string]CacheResolver{"indexed": {Reader: indexed.Build()}, "scanned": {Reader: plain.Build()}} {
		var _ world.HostIndex = r
		assert.ElementsMatch(t, []string{"a"}, names(r.IngressesWithHost("x.example.com")), name)
		assert.ElementsMatch(t, []string{"a", "b"}, names(r.IngressesWithHost("y.example.com")), name)
		assert.Empty(t, r.IngressesWithHost("w.example.com"), name)
	}
}

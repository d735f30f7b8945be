package world

import (
	"testing"

	"github.com/stretchr/testify/assert"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// scanOnly hides Static's index, so IngressesWithHost goes through every
// Ingress.
type scanOnly struct{ *Static }

func (scanOnly) IngressesWithHost() {} // not HostIndex's signature

func ingress(name string, hosts ...string) *networkingv1.Ingress {
	ing := &networkingv1.Ingress{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: name}}
	for _, h := range hosts {
		ing.Spec.Rules = append(ing.Spec.Rules, networkingv1.IngressRule{Host: h})
	}
	return ing
}

func TestIngressesWithHost(t *testing.T) {
	s := NewStatic()
	a, b, c := ingress("a", "x.example.com", "y.example.com", "x.example.com"), ingress("b", "y.example.com"), ingress("c", "", "z.example.com")
	s.Add(a, b, c)
	var _ HostIndex = s
	_, indexed := any(scanOnly{s}).(HostIndex)
	assert.False(t, indexed)

	for _, r := range []Resolver{s, scanOnly{s}} {
		assert.ElementsMatch(t, []*networkingv1.Ingress{a}, IngressesWithHost(r, "x.example.com"), "an Ingress naming a host twice is listed once")
		assert.ElementsMatch(t, []*networkingv1.Ingress{a, b}, IngressesWithHost(r, "y.example.com"))
		assert.ElementsMatch(t, []*networkingv1.Ingress{c}, IngressesWithHost(r, "z.example.com"))
		assert.Empty(t, IngressesWithHost(r, ""), "rules without a host are not indexed")
		assert.Empty(t, IngressesWithHost(r, "X.example.com"), "hosts compare exactly, as the API server stores them")
	}
	assert.Equal(t, []string{"x.example.com", "y.example.com"}, RuleHosts(a))
	assert.Equal(t, []string{"z.example.com"}, RuleHosts(c))
}

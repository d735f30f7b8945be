package world

import (
	"testing"

	"github.com/stretchr/testify/assert"
	networkingv1 "k8s.io/api/networking/v1"
)

func TestHostsOverlap(t *testing.T) {
	t.Parallel()
	cases := []struct {
		a, b string
		want bool
	}{
		{"www.example.com", "www.example.com", true},
		{"*.example.com", "www.example.com", true},
		{"www.example.com", "*.example.com", true},
		{"*.example.com", "*.example.com", true},
		{"*.example.com", "example.com", false},
		{"*.example.com", "a.b.example.com", false},
		{"*.b.example.com", "*.example.com", false},
		{"www.example.com", "api.example.com", false},
		{"localhost", "localhost", true},
		{"localhost", "other", false},
	}
	for _, c := range cases {
		assert.Equal(t, c.want, HostsOverlap(c.a, c.b), "%s ~ %s", c.a, c.b)
	}
}

// The index and the scan find the same Ingresses under a parent domain.
func TestIngressesUnderIndexAgreesWithScan(t *testing.T) {
	t.Parallel()
	s := NewStatic()
	s.Add(ingress("www", "www.example.com"), ingress("wild", "*.example.com"), ingress("api", "api.example.com", "x.org"),
		ingress("deep", "a.b.example.com"), ingress("apex", "example.com"), ingress("local", "localhost"))
	names := func(ings []*networkingv1.Ingress) []string {
		var out []string
		for _, i := range ings {
			out = append(out, i.Name)
		}
		return out
	}
	for _, parent := range []string{"example.com", "b.example.com", "com", "org", "", "none.test"} {
		assert.ElementsMatch(t, names(IngressesUnder(scanOnly{s}, parent)), names(IngressesUnder(s, parent)), parent)
	}
	assert.ElementsMatch(t, []string{"www", "wild", "api"}, names(IngressesUnder(s, "example.com")))
	assert.ElementsMatch(t, []string{"local"}, names(IngressesUnder(s, "")))
}

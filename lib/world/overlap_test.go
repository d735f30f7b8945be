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

// The index and the scan find the same Ingresses.
func TestIngressesOverlappingIndexAgreesWithScan(t *testing.T) {
	t.Parallel()
	ing := ingress
	s := NewStatic()
	s.Add(ing("www", "www.example.com"), ing("wild", "*.example.com"), ing("api", "api.example.com", "x.org"),
		ing("deep", "a.b.example.com"), ing("apex", "example.com"))
	scan := scanOnly{s}
	for _, host := range []string{"www.example.com", "*.example.com", "a.b.example.com", "*.b.example.com", "example.com", "x.org", "none.test"} {
		names := func(ings []*networkingv1.Ingress) []string {
			var out []string
			for _, i := range ings {
				out = append(out, i.Name)
			}
			return out
		}
		assert.ElementsMatch(t, names(IngressesOverlapping(scan, host)), names(IngressesOverlapping(s, host)), host)
	}
	assert.ElementsMatch(t, []string{"www", "wild", "api"}, func() []string {
		var out []string
		for _, i := range IngressesOverlapping(s, "*.example.com") {
			out = append(out, i.Name)
		}
		return out
	}())
}


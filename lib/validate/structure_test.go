package validate

import (
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/seed-d040b84d/portcullis/lib/annotations/grammar"
)

// pathRegexp is the path grammar of docs/reference.md#ingress-structure as
// written there; ValidPath is its hand-written equivalent.
var pathRegexp = regexp.MustCompile(`^/[A-Za-z0-9._~%/-]*$`)

var grammarSamples = []string{
	"", "/", "/a", "/static/~user/%41", "/a-b_c.d", "a", "/a b", "/(.*)", "/a$", "/é", "//", "/a?b", "/a#b",
	"example.com", "a.b.c", "a", "-a", "a-", "a..b", ".a", "a.", "A.com", "a_b.com", "xn--bcher-kva.example",
	"a-.b", "a.-b", "1.2.3.4", "*.example.com", "a.b-", strings.Repeat("a", 253), strings.Repeat("a", 254),
	strings.Repeat("a.", 126) + "a", strings.Repeat("a", 64) + ".com",
}

func TestValidPathMatchesTheGrammar(t *testing.T) {
	t.Parallel()
	for _, s := range grammarSamples {
		assert.Equal(t, pathRegexp.MatchString(s), grammar.ValidPath(s), "%q", s)
	}
}

func TestIsDNS1123SubdomainMatchesApimachinery(t *testing.T) {
	t.Parallel()
	for _, s := range grammarSamples {
		assert.Equal(t, len(validation.IsDNS1123Subdomain(s)) == 0, isDNS1123Subdomain(s), "%q", s)
	}
}

func FuzzHostAndPathGrammar(f *testing.F) {
	for _, s := range grammarSamples {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := grammar.ValidPath(s), pathRegexp.MatchString(s); got != want {
			t.Errorf("grammar.ValidPath(%q) = %t, the grammar says %t", s, got, want)
		}
		if got, want := isDNS1123Subdomain(s), len(validation.IsDNS1123Subdomain(s)) == 0; got != want {
			t.Errorf("isDNS1123Subdomain(%q) = %t, apimachinery says %t", s, got, want)
		}
	})
}

package annotations

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestRedirectRules: the two dialects disagreeing on the application root
// or the path rewrite are refused; a redirect code alone and a permanent
// redirect under a temporal one are warned about.
func TestRedirectRules(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name             string
		anns             map[string]string
		errors, warnings []finding
	}{
		{
			name:   "app-root in both dialects, disagreeing",
			anns:   map[string]string{pre + "app-root": "/a", "nginx.org/app-root": "/b"},
			errors: []finding{{"metadata.annotations[nginx.org/app-root]", `nginx.org/app-root: "/b" conflicts with nginx.ingress.kubernetes.io/app-root: "/a" (both set the application root)`}},
		},
		{
			name: "app-root in both dialects, agreeing",
			anns: map[string]string{pre + "app-root": "/a", "nginx.org/app-root": "/a"},
		},
		{
			name:   "rewrite-target and nginx.org/rewrites",
			anns:   map[string]string{pre + "rewrite-target": "/", "nginx.org/rewrites": "serviceName=web rewrite=/"},
			errors: []finding{{"metadata.annotations[nginx.org/rewrites]", "both set the path passed to the backend"}},
		},
		{
			name:     "a code without its redirect",
			anns:     map[string]string{pre + "permanent-redirect-code": "308"},
			warnings: []finding{{"metadata.annotations[nginx.ingress.kubernetes.io/permanent-redirect-code]", "has no effect without nginx.ingress.kubernetes.io/permanent-redirect"}},
		},
		{
			name:     "temporal wins over permanent",
			anns:     map[string]string{pre + "permanent-redirect": "https://a.example/", pre + "temporal-redirect": "https://b.example/"},
			warnings: []finding{{"metadata.annotations[nginx.ingress.kubernetes.io/permanent-redirect]", "temporal-redirect is set too and wins"}},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			_, s := Parse(c.anns, Options{})
			assertFindings(t, s.ErrorEntries(), c.errors)
			assertFindings(t, s.WarningEntries(), c.warnings)
		})
	}
}

func TestEffectiveRedirect(t *testing.T) {
	t.Parallel()
	p, _ := Parse(map[string]string{pre + "permanent-redirect": "https://a.example/", pre + "temporal-redirect": "https://b.example/", pre + "temporal-redirect-code": "307"}, Options{})
	url, code := p.Nginx.Redirects.EffectiveRedirect()
	assert.Equal(t, "https://b.example/", url)
	assert.Equal(t, 307, code)
	p, _ = Parse(map[string]string{pre + "permanent-redirect": "https://a.example/"}, Options{})
	url, code = p.Nginx.Redirects.EffectiveRedirect()
	assert.Equal(t, "https://a.example/", url)
	assert.Equal(t, 301, code)
}

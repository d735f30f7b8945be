package validate

import (
	"testing"

	"github.com/stretchr/testify/assert"
	networkingv1 "k8s.io/api/networking/v1"

	"github.com/seed-d040b84d/portcullis/lib/world"
	"github.com/seed-d040b84d/portcullis/test/gen"
)

// TestWatchNamespacesLimitWhatIsOurs: with --watch-namespace, an Ingress of
// our class elsewhere is not ours (admitted and served untouched), even one
// that would otherwise be refused for a class conflict.
func TestWatchNamespacesLimitWhatIsOurs(t *testing.T) {
	ing := func(ns string, ann map[string]string) *networkingv1.Ingress {
		return gen.Ingress("web", gen.InNamespace(ns), gen.Annotations(ann))
	}
	r := world.NewStatic()
	opts := ClassOptions{Name: "portcullis", Namespaces: []string{"apps", "shop"}}

	name, ours, fs := IngressClassOf(ing("apps", nil), r, opts)
	assert.Equal(t, "portcullis", name)
	assert.True(t, ours)
	assert.True(t, fs.Allowed())

	name, ours, fs = IngressClassOf(ing("other", nil), r, opts)
	assert.Equal(t, "portcullis", name, "the class is still reported")
	assert.False(t, ours, "not a watched namespace")
	assert.True(t, fs.Allowed())

	conflict := map[string]string{LegacyClassAnnotation: "nginx"}
	_, ours, fs = IngressClassOf(ing("other", conflict), r, opts)
	assert.False(t, ours)
	assert.True(t, fs.Allowed(), "a class conflict outside the watched namespaces is not ours to refuse")
	_, ours, fs = IngressClassOf(ing("shop", conflict), r, opts)
	assert.True(t, ours)
	assert.False(t, fs.Allowed(), "and is refused inside them")

	_, ours, _ = IngressClassOf(ing("other", nil), r, ClassOptions{Name: "portcullis"})
	assert.True(t, ours, "without watch namespaces every namespace is watched")
}

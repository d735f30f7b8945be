package validate_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	networkingv1 "k8s.io/api/networking/v1"

	"github.com/seed-d040b84d/portcullis/lib/config"
	"github.com/seed-d040b84d/portcullis/lib/intent"
	"github.com/seed-d040b84d/portcullis/lib/validate"
	"github.com/seed-d040b84d/portcullis/lib/world"
	"github.com/seed-d040b84d/portcullis/test/gen"
)

// TestAnUpdateClaimsItsNewHostsNow: an old Ingress cannot take another
// namespace's host by changing its rules: the hosts an update adds are
// claimed at the update, after every other Ingress. Hosts it already had
// keep its creation time.
func TestAnUpdateClaimsItsNewHostsNow(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	ing := func(ns, name string, created time.Time, host string) *networkingv1.Ingress {
		return gen.Ingress(name, gen.InNamespace(ns), gen.Created(created), gen.Host(host), gen.Path("/", "svc", 80))
	}
	old := ing("evil", "early", start, "early.evil.test")
	web := ing("default", "web", start.Add(time.Hour), "www.example.com")
	w := world.NewStatic()
	w.Add(old, web)
	v := benchValidator()

	updated := old.DeepCopy()
	updated.Spec.Rules = append(updated.Spec.Rules, rule("www.example.com", "svc"))
	verdict := v.IngressUpdate(updated, old, w)
	require.False(t, verdict.Findings.Allowed(), "an older Ingress that adds another namespace's host")
	assert.Contains(t, verdict.Findings.Errors[0].Error(), `host "www.example.com" belongs to namespace "default": Ingress default/web`)
	assert.Equal(t, []validate.HostClaim{{Host: "www.example.com", Owner: intent.ObjectRef{Namespace: "default", Name: "web"}, OwnerHost: "www.example.com"}}, verdict.HostClaims)

	again := v.IngressUpdate(updated, updated, w)
	assert.True(t, again.Findings.Allowed(), "judged by creation time once the host is not new (the webhook admits what it already has)")

	grown := web.DeepCopy()
	grown.Spec.Rules = append(grown.Spec.Rules, rule("api.example.com", "svc"))
	grownVerdict := v.IngressUpdate(grown, web, w)
	assert.True(t, grownVerdict.Findings.Allowed(), "a host nobody else names")
}

// TestSameSecondClaimsFailClosed: creation times have a resolution of one
// second, so two namespaces' Ingresses for one host created in the same
// second have no order. Neither takes the host (the namespace whose name
// sorts first must not win it), a later Ingress of either namespace does
// not either, and a third namespace is still kept out; one verdict for each
// Ingress whether judged alone or in a batch.
func TestSameSecondClaimsFailClosed(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	ing := func(ns, name string, created time.Time, host string) *networkingv1.Ingress {
		return gen.Ingress(name, gen.InNamespace(ns), gen.Created(created), gen.Host(host), gen.Path("/", "svc", 80))
	}
	owner := ing("shop", "web", start, "www.example.com")
	racer := ing("attacker", "grab", start, "www.example.com")
	racerLater := ing("attacker", "grab-again", start.Add(time.Minute), "www.example.com")
	ownerLater := ing("shop", "web-again", start.Add(time.Minute), "www.example.com")
	third := ing("third", "web", start.Add(time.Minute), "www.example.com")
	wildRacer := ing("attacker", "wild", start, "*.shop.test")
	shopHost := ing("shop", "api", start, "api.shop.test")
	// A tie between namespaces where one lists the other is no contest,
	// whichever name sorts first.
	sharer := ing("zz-blog", "web", start, "blog.example.com")
	guest := ing("aa-guest", "web", start, "blog.example.com")
	w := world.NewStatic()
	w.Add(owner, racer, racerLater, ownerLater, third, wildRacer, shopHost, sharer, guest,
		gen.Namespace("zz-blog", gen.Annotation(config.ShareHostsWithAnnotation, "aa-guest")))

	for _, judge := range []struct {
		name string
		v    *validate.Validator
	}{{"alone", benchValidator()}, {"batch", benchValidator().Batch()}} {
		for _, c := range []struct {
			ing   *networkingv1.Ingress
			error string
		}{
			{owner, `Ingress attacker/grab names it and was created in the same second as this Ingress`},
			{racer, `Ingress shop/web names it and was created in the same second as this Ingress`},
			{racerLater, `Ingress shop/web names it`},
			{ownerLater, `Ingress attacker/grab names it`},
			{third, `Ingress attacker/grab names it`},
			{wildRacer, `Ingress shop/api names "api.shop.test", which overlaps it, and was created in the same second as this Ingress`},
			{shopHost, `Ingress attacker/wild names "*.shop.test", which overlaps it, and was created in the same second as this Ingress`},
		} {
			verdict := judge.v.Ingress(c.ing, w)
			if assert.False(t, verdict.Findings.Allowed(), "%s: %s/%s", judge.name, c.ing.Namespace, c.ing.Name) {
				assert.Contains(t, verdict.Findings.Errors[0].Error(), c.error, "%s: %s/%s", judge.name, c.ing.Namespace, c.ing.Name)
			}
		}
		for _, ing := range []*networkingv1.Ingress{sharer, guest} {
			assert.Empty(t, judge.v.Ingress(ing, w).Findings.Errors, "%s: %s/%s", judge.name, ing.Namespace, ing.Name)
		}
	}
}

// TestOwnerKeepsASharedHost: a namespace that shares its host with another
// keeps adding Ingresses to it after the guest's, and a third namespace
// stays out; sharing gives the owner no claim on the guest's own hosts.
func TestOwnerKeepsASharedHost(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	ing := func(ns, name string, minute int, host string) *networkingv1.Ingress {
		return gen.Ingress(name, gen.InNamespace(ns), gen.Created(start.Add(time.Duration(minute)*time.Minute)), gen.Host(host), gen.Path("/"+name, "svc", 80))
	}
	owner := ing("shop", "web", 0, "www.example.com")
	guest := ing("blog", "posts", 1, "www.example.com")
	ownerLater := ing("shop", "cart", 2, "www.example.com")
	third := ing("third", "grab", 3, "www.example.com")
	// blog's wildcard is older than shop's name under it: shop listing blog
	// does not let shop take it.
	guestWild := ing("blog", "wild", 0, "*.blog.test")
	ownerUnder := ing("shop", "under", 1, "api.blog.test")
	w := world.NewStatic()
	w.Add(owner, guest, ownerLater, third, guestWild, ownerUnder,
		gen.Namespace("shop", gen.Annotation(config.ShareHostsWithAnnotation, "blog")))
	for _, judge := range []struct {
		name string
		v    *validate.Validator
	}{{"alone", benchValidator()}, {"batch", benchValidator().Batch()}} {
		for _, ing := range []*networkingv1.Ingress{owner, guest, ownerLater, guestWild} {
			assert.Empty(t, judge.v.Ingress(ing, w).Findings.Errors, "%s: %s/%s", judge.name, ing.Namespace, ing.Name)
		}
		for ing, want := range map[*networkingv1.Ingress]string{
			third:      `belongs to namespace "shop": Ingress shop/web names it`,
			ownerUnder: `belongs to namespace "blog": Ingress blog/wild names "*.blog.test"`,
		} {
			verdict := judge.v.Ingress(ing, w)
			if assert.False(t, verdict.Findings.Allowed(), "%s: %s/%s", judge.name, ing.Namespace, ing.Name) {
				assert.Contains(t, verdict.Findings.Errors[0].Error(), want, "%s: %s/%s", judge.name, ing.Namespace, ing.Name)
			}
		}
	}
}

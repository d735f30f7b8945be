package validate_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	networkingv1 "k8s.io/api/networking/v1"

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

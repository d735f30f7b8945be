//go:build e2e

package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/seed-d040b84d/portcullis/lib/validate"
	"github.com/seed-d040b84d/portcullis/test/gen"
	"github.com/seed-d040b84d/portcullis/test/harness"
	"github.com/seed-d040b84d/portcullis/webhook"
)

// classedIngress is an Ingress of ns with the annotations, selecting class
// through spec.ingressClassName, or through the legacy annotation when legacy.
func classedIngress(ns, name, class string, legacy bool, annotations map[string]string) *networkingv1.Ingress {
	selects := gen.IngressOption(gen.IngressClassName(class))
	if legacy {
		selects = gen.IngressFunc(func(ing *networkingv1.Ingress) {
			gen.IngressClassName("")(ing)
			gen.Annotation(validate.LegacyClassAnnotation, class)(&ing.ObjectMeta)
		})
	}
	return gen.Ingress(name, gen.InNamespace(ns), selects, gen.Annotations(annotations), gen.DefaultBackend("web", 80))
}

// TestEveryClassOfOursIsJudgedAtAdmission: with a second IngressClass whose
// controller is portcullis's (team-b), the manager widens the Ingress
// webhooks' class condition, so an Ingress of team-b is refused (and
// canonicalized) at admission like one of the class portcullis, by
// spec.ingressClassName or the legacy annotation. An Ingress of another
// controller's class, in another namespace, is never sent to the webhook:
// it is stored as written, and it is created while the webhook is down.
func TestEveryClassOfOursIsJudgedAtAdmission(t *testing.T) {
	api := testAPI(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	require.NoError(t, api.Client.Create(ctx, gen.Namespace("portcullis-system")))
	for _, ns := range []string{"team-a", "team-b"} {
		require.NoError(t, api.Client.Create(ctx, gen.Namespace(ns)))
		require.NoError(t, api.Client.Create(ctx, gen.ExternalName("web", "localhost", gen.InNamespace(ns))))
	}
	port := harness.FreePort(t)
	installWebhookAt(ctx, t, api, port)
	done := managerRunning(ctx, t, api.Config, testFlags(t, "webhook", port))

	require.NoError(t, api.Client.Create(ctx, gen.IngressClass("team-b")))
	require.NoError(t, api.Client.Create(ctx, gen.IngressClass("elsewhere", gen.ClassController("example.com/other-controller"))))
	bad := map[string]string{"nginx.ingress.kubernetes.io/ssl-redirect": "yes"}
	var last error
	require.Eventually(t, func() bool {
		last = api.Client.Create(ctx, classedIngress("team-b", "typo", "team-b", false, bad), client.DryRunAll)
		return last != nil && strings.Contains(last.Error(), "denied the request")
	}, 30*time.Second, 100*time.Millisecond, "an Ingress of team-b is never judged at admission; last answer: %v", last)
	assert.Contains(t, last.Error(), "nginx.ingress.kubernetes.io/ssl-redirect")
	err := api.Client.Create(ctx, classedIngress("team-b", "typo-legacy", "team-b", true, bad))
	require.Error(t, err, "an Ingress selecting team-b by the legacy annotation is admitted unjudged")
	assert.Contains(t, err.Error(), "denied the request")

	var v admissionregistrationv1.ValidatingWebhookConfiguration
	require.NoError(t, api.Client.Get(ctx, client.ObjectKey{Name: "portcullis"}, &v))
	assert.Equal(t, webhook.ClassExpression([]string{"portcullis", "team-b"}), condition(v.Webhooks[0].MatchConditions),
		"the validating condition names the classes of ours, and not elsewhere")
	var m admissionregistrationv1.MutatingWebhookConfiguration
	require.NoError(t, api.Client.Get(ctx, client.ObjectKey{Name: "portcullis"}, &m))
	assert.Equal(t, webhook.ClassExpression([]string{"portcullis", "team-b"}), condition(m.Webhooks[0].MatchConditions))
	assert.NotEmpty(t, v.Webhooks[0].ClientConfig.CABundle, "the caBundle stays")

	// The mutating webhook sees team-b too: a value refused only for its
	// case is rewritten.
	miscased := map[string]string{"nginx.ingress.kubernetes.io/ssl-redirect": "True"}
	fixed := classedIngress("team-b", "miscased", "team-b", false, miscased)
	require.NoError(t, api.Client.Create(ctx, fixed))
	assert.Equal(t, "true", fixed.Annotations["nginx.ingress.kubernetes.io/ssl-redirect"])

	// Another controller's class is left alone: stored as written.
	for name, ann := range map[string]map[string]string{"typo": bad, "miscased": miscased} {
		sent := classedIngress("team-a", name, "elsewhere", false, ann)
		require.NoError(t, api.Client.Create(ctx, sent.DeepCopy()), name)
		var got networkingv1.Ingress
		require.NoError(t, api.Client.Get(ctx, client.ObjectKeyFromObject(sent), &got))
		assert.Equal(t, sent.Annotations, got.Annotations, name)
	}

	// With the webhook down (failurePolicy Fail), team-b's Ingresses wait
	// for it; another controller's do not.
	stopsCleanly(t, cancel, done)
	octx := context.Background()
	err = api.Client.Create(octx, classedIngress("team-b", "while-down", "team-b", false, nil), client.DryRunAll)
	require.Error(t, err, "an Ingress of team-b is admitted without the webhook")
	assert.Contains(t, err.Error(), "failed calling webhook")
	require.NoError(t, api.Client.Create(octx, classedIngress("team-a", "while-down", "elsewhere", false, bad), client.DryRunAll),
		"another controller's Ingress depends on portcullis's webhook")
}

// condition is the expression of the class condition among mcs.
func condition(mcs []admissionregistrationv1.MatchCondition) string {
	for _, mc := range mcs {
		if mc.Name == webhook.ClassConditionName {
			return mc.Expression
		}
	}
	return ""
}

//go:build e2e

package webhook_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	"github.com/seed-d040b84d/portcullis/lib/manifest"
	"github.com/seed-d040b84d/portcullis/lib/validate"
	"github.com/seed-d040b84d/portcullis/lint"
	"github.com/seed-d040b84d/portcullis/policies"
)

// ownerRego denies Ingresses in namespace pol without an owner label, with
// the message given.
func ownerRego(message string) string {
	return `package portcullis.owner

deny contains {"msg": "` + message + `", "field": "metadata.labels[owner]"} if {
	input.kind == "Ingress"
	input.namespace.name == "pol"
	not input.object.metadata.labels.owner
}
`
}

func policyConfigMap(name string, data map[string]string) *corev1.ConfigMap {
	return &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Namespace: "portcullis-system", Name: name, Labels: map[string]string{policies.ConfigMapLabel: "true"}},
		Data:       data,
	}
}

// denialOf returns the message of the refusal of a dry-run create, or "".
func denialOf(t *testing.T, obj client.Object) string {
	t.Helper()
	err := judged.Create(context.Background(), obj.DeepCopyObject().(client.Object), client.DryRunAll)
	if err == nil {
		return ""
	}
	var status apierrors.APIStatus
	require.ErrorAs(t, err, &status)
	return status.Status().Message
}

// TestPolicyConfigMapsAreEnforcedAndHotReloaded: a policy ConfigMap applied
// with kubectl is enforced at the next admissions, an update takes effect
// without a restart, and a ConfigMap that does not compile or whose tests
// fail is refused.
func TestPolicyConfigMapsAreEnforcedAndHotReloaded(t *testing.T) {
	ctx := context.Background()
	handlers.Settings.SetBase(validate.Options{Class: validate.ClassOptions{Name: "portcullis"}})
	namespace(t, "pol", nil)
	ing := tlsIngress("pol", "web", nil)
	require.Equal(t, "", denialOf(t, ing), "allowed before any policy")

	cm := policyConfigMap("owners", map[string]string{"owner.rego": ownerRego("Ingresses in pol need an owner label")})
	require.NoError(t, judged.Create(ctx, cm))
	t.Cleanup(func() { _ = api.Client.Delete(context.Background(), cm) })
	require.Eventually(t, func() bool { return strings.Contains(denialOf(t, ing), "Ingresses in pol need an owner label") },
		10*time.Second, 50*time.Millisecond, "the policy is enforced without a restart")
	assert.Contains(t, denialOf(t, ing), "metadata.labels[owner]: Ingresses in pol need an owner label")
	labelled := ing.DeepCopy()
	labelled.Labels = map[string]string{"owner": "web-team"}
	assert.Equal(t, "", denialOf(t, labelled))

	cm.Data["owner.rego"] = ownerRego("an owner label, please")
	require.NoError(t, judged.Update(ctx, cm))
	require.Eventually(t, func() bool { return strings.Contains(denialOf(t, ing), "an owner label, please") },
		10*time.Second, 50*time.Millisecond, "the updated policy is enforced without a restart")

	broken := policyConfigMap("broken", map[string]string{"broken.rego": "package portcullis.broken\n\ndeny contains msg if {\n\tmsg := \n}\n"})
	err := judged.Create(ctx, broken)
	require.Error(t, err, "a policy that does not compile is refused")
	assert.Contains(t, err.Error(), "data[broken.rego]: policy does not compile: line 5")

	failing := policyConfigMap("failing", map[string]string{
		"owner2.rego":      strings.ReplaceAll(ownerRego("x"), "portcullis.owner", "portcullis.owner2"),
		"owner2_test.rego": "package portcullis.owner2_test\n\nimport data.portcullis.owner2\n\ntest_wrong if {\n\tcount(owner2.deny) == 0 with input as {\"kind\": \"Ingress\", \"namespace\": {\"name\": \"pol\"}, \"object\": {\"metadata\": {}}}\n}\n",
	})
	err = judged.Create(ctx, failing)
	require.Error(t, err, "a policy whose tests fail is refused")
	assert.Contains(t, err.Error(), "data[owner2_test.rego]: Rego test data.portcullis.owner2_test.test_wrong (5) failed")

	require.NoError(t, api.Client.Delete(ctx, cm))
	require.Eventually(t, func() bool { return denialOf(t, ing) == "" }, 10*time.Second, 50*time.Millisecond,
		"deleting the ConfigMap removes its policy")
}

// TestBuiltinTurnedOnByTheConfigMap: the controller ConfigMap's policies key
// turns a built-in on for the next admission.
func TestBuiltinTurnedOnByTheConfigMap(t *testing.T) {
	ctx := context.Background()
	handlers.Settings.SetBase(validate.Options{Class: validate.ClassOptions{Name: "portcullis"}})
	namespace(t, "strict", map[string]string{})
	var ns corev1.Namespace
	require.NoError(t, api.Client.Get(ctx, client.ObjectKey{Name: "strict"}, &ns))
	ns.Labels["portcullis.dev/require-mtls"] = "true"
	require.NoError(t, api.Client.Update(ctx, &ns))
	inCache(t, &ns, false)
	ing := tlsIngress("strict", "pay", nil)
	require.Equal(t, "", denialOf(t, ing), "built-ins are off by default")

	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: "portcullis-system", Name: "portcullis"}, Data: map[string]string{"policies": "require-mtls"}}
	require.NoError(t, judged.Create(ctx, cm))
	inCache(t, cm, false)
	t.Cleanup(func() {
		_ = api.Client.Delete(context.Background(), cm)
		inCache(t, cm, true)
	})
	assert.Contains(t, denialOf(t, ing), "spec.rules[0].host: namespace strict requires client certificates")
}

// TestLintAndWebhookAgreeOnPolicies: the same Ingress and the same Rego, once
// through `portcullis lint --policies` and once through the API server with
// the policy in a ConfigMap, get the same errors.
func TestLintAndWebhookAgreeOnPolicies(t *testing.T) {
	ctx := context.Background()
	handlers.Settings.SetBase(validate.Options{Class: validate.ClassOptions{Name: "portcullis"}})
	namespace(t, "pol2", nil)
	rego := strings.ReplaceAll(ownerRego("Ingresses in pol2 need an owner label"), `"pol"`, `"pol2"`)
	cm := policyConfigMap("owners-pol2", map[string]string{"owner.rego": rego})
	require.NoError(t, judged.Create(ctx, cm))
	t.Cleanup(func() { _ = api.Client.Delete(context.Background(), cm) })

	ing := tlsIngress("pol2", "web", map[string]string{"nginx.ingress.kubernetes.io/ssl-redirect": "yes"})
	ing.TypeMeta = metav1.TypeMeta{APIVersion: "networking.k8s.io/v1", Kind: "Ingress"}

	engine, err := policies.New(policies.Options{})
	require.NoError(t, err)
	require.NoError(t, engine.Load(ctx, []policies.Module{{Name: "owner.rego", Text: rego}}))
	objs, err := manifest.Decode(strings.NewReader(mustYAML(t, ing)))
	require.NoError(t, err)
	rep := lint.Judge([]lint.Source{{Object: objs[0]}}, lint.Options{Review: policies.LintReviewer(engine)})
	require.Len(t, rep.Results, 1)
	require.False(t, rep.Results[0].Allowed)

	var got verdict
	require.Eventually(t, func() bool {
		warned.take()
		err := judged.Create(ctx, ing.DeepCopy(), client.DryRunAll)
		got = verdictOf(t, err, warned.take())
		return len(got.errors) == len(rep.Results[0].Errors)
	}, 10*time.Second, 50*time.Millisecond, "the webhook enforces the ConfigMap's policy")
	compare(t, "Ingress/pol2/web", rep.Results[0], got)
}

func mustYAML(t *testing.T, obj any) string {
	t.Helper()
	b, err := yaml.Marshal(obj)
	require.NoError(t, err)
	return string(b)
}

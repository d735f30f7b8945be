package webhook

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"

	cmapi "github.com/cert-manager/cert-manager/pkg/apis/certmanager/v1"

	"github.com/seed-d040b84d/portcullis/webhook"
)

func load(t *testing.T, file string, into any) {
	t.Helper()
	raw, err := os.ReadFile(file)
	require.NoError(t, err)
	require.NoError(t, yaml.UnmarshalStrict(raw, into), file)
}

// docs splits a multi-document YAML file.
func docs(t *testing.T, file string) [][]byte {
	t.Helper()
	raw, err := os.ReadFile(file)
	require.NoError(t, err)
	var out [][]byte
	for _, d := range strings.Split(string(raw), "\n---\n") {
		out = append(out, []byte(d))
	}
	return out
}

var served = map[string]bool{
	webhook.PathValidateIngress: true, webhook.PathMutateIngress: true, webhook.PathValidateSecret: true,
	webhook.PathValidatePolicy: true, webhook.PathValidateConfigMap: true,
}

func checkClient(t *testing.T, name string, cc admissionregistrationv1.WebhookClientConfig, svc *corev1.Service) {
	t.Helper()
	require.NotNil(t, cc.Service, name)
	assert.Equal(t, svc.Name, cc.Service.Name, name)
	assert.Equal(t, svc.Namespace, cc.Service.Namespace, name)
	require.NotNil(t, cc.Service.Port, name)
	assert.Equal(t, svc.Spec.Ports[0].Port, *cc.Service.Port, name)
	require.NotNil(t, cc.Service.Path, name)
	assert.True(t, served[*cc.Service.Path], "%s calls %s, which the server does not serve", name, *cc.Service.Path)
	assert.Empty(t, cc.CABundle, "%s: caBundle is filled in by the manager or cert-manager", name)
}

func TestWebhookConfigurations(t *testing.T) {
	var svc corev1.Service
	load(t, "service.yaml", &svc)
	assert.Equal(t, "webhook", svc.Spec.Ports[0].TargetPort.String(), "the Deployment names its webhook port \"webhook\"")

	var v admissionregistrationv1.ValidatingWebhookConfiguration
	load(t, "validating.yaml", &v)
	require.NotEmpty(t, v.Webhooks)
	for _, w := range v.Webhooks {
		checkClient(t, w.Name, w.ClientConfig, &svc)
		assert.Equal(t, admissionregistrationv1.Fail, *w.FailurePolicy, "%s: a bad object is never admitted because the webhook was down", w.Name)
		assert.Equal(t, admissionregistrationv1.SideEffectClassNone, *w.SideEffects, w.Name)
		assert.Equal(t, int32(5), *w.TimeoutSeconds, w.Name)
		assert.Equal(t, []string{"v1"}, w.AdmissionReviewVersions, w.Name)
		require.NotNil(t, w.NamespaceSelector, w.Name)
	}
	var m admissionregistrationv1.MutatingWebhookConfiguration
	load(t, "mutating.yaml", &m)
	require.Len(t, m.Webhooks, 1)
	w := m.Webhooks[0]
	checkClient(t, w.Name, w.ClientConfig, &svc)
	assert.Equal(t, admissionregistrationv1.Ignore, *w.FailurePolicy)
	assert.Equal(t, admissionregistrationv1.IfNeededReinvocationPolicy, *w.ReinvocationPolicy)
	assert.Equal(t, int32(5), *w.TimeoutSeconds)
	assert.Equal(t, admissionregistrationv1.SideEffectClassNone, *w.SideEffects)
}

// TestCertManagerOverlay: the Certificate cert-manager injects from covers
// the Service the configurations call, and its Secret is not the one the
// manager manages in self-signed mode.
func TestCertManagerOverlay(t *testing.T) {
	var svc corev1.Service
	load(t, "service.yaml", &svc)
	var serving *cmapi.Certificate
	for _, d := range docs(t, filepath.Join("..", "webhook-issuer", "certificate.yaml")) {
		var head struct {
			Kind     string `json:"kind"`
			Metadata struct {
				Name string `json:"name"`
			} `json:"metadata"`
		}
		require.NoError(t, yaml.Unmarshal(d, &head))
		if head.Kind == "Certificate" && head.Metadata.Name == "portcullis-webhook" {
			serving = &cmapi.Certificate{}
			require.NoError(t, yaml.UnmarshalStrict(d, serving))
		}
	}
	require.NotNil(t, serving, "webhook-issuer/certificate.yaml has the Certificate portcullis-webhook")
	assert.Contains(t, serving.Spec.DNSNames, svc.Name+"."+svc.Namespace+".svc")
	assert.NotEqual(t, webhook.DefaultServingSecret, serving.Spec.SecretName)
	raw, err := os.ReadFile(filepath.Join("..", "overlays", "webhook-cert-manager", "kustomization.yaml"))
	require.NoError(t, err)
	assert.Equal(t, 2, strings.Count(string(raw), "cert-manager.io/inject-ca-from: "+serving.Namespace+"/"+serving.Name),
		"both configurations get the CA of the serving Certificate")
}

// TestClassConditionIsTheManagersExpression: the shipped class condition of
// both Ingress webhooks is what the manager writes for the one class
// "portcullis", so a cluster with no other IngressClass of ours is never
// patched.
func TestClassConditionIsTheManagersExpression(t *testing.T) {
	want := webhook.ClassExpression([]string{"portcullis"})
	var v admissionregistrationv1.ValidatingWebhookConfiguration
	load(t, "validating.yaml", &v)
	var m admissionregistrationv1.MutatingWebhookConfiguration
	load(t, "mutating.yaml", &m)
	conditions := map[string][]admissionregistrationv1.MatchCondition{}
	for _, w := range v.Webhooks {
		conditions[w.Name] = w.MatchConditions
	}
	for _, w := range m.Webhooks {
		conditions[w.Name] = w.MatchConditions
	}
	for _, name := range []string{"ingresses.portcullis.dev", "ingresses.mutate.portcullis.dev"} {
		found := false
		for _, mc := range conditions[name] {
			if mc.Name == webhook.ClassConditionName {
				assert.Equal(t, want, mc.Expression, name)
				found = true
			}
		}
		assert.True(t, found, "%s has no %s condition", name, webhook.ClassConditionName)
	}
}

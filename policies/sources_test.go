package policies

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/seed-d040b84d/portcullis/lib/certs"
	"github.com/seed-d040b84d/portcullis/lib/config"
	"github.com/seed-d040b84d/portcullis/lib/findings"
	"github.com/seed-d040b84d/portcullis/lib/intent"
	"github.com/seed-d040b84d/portcullis/lib/world"
	"github.com/seed-d040b84d/portcullis/test/certgen"
)

func policyConfigMap(data map[string]string) *corev1.ConfigMap {
	return &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Namespace: "portcullis-system", Name: "team", Labels: map[string]string{ConfigMapLabel: "true"}},
		Data:       data,
	}
}

const ownerPolicy = `package portcullis.owner

deny contains {"msg": "Ingresses need an owner label", "field": "metadata.labels[owner]"} if {
	input.kind == "Ingress"
	not input.object.metadata.labels.owner
}
`

const ownerTests = `package portcullis.owner_test

import data.portcullis.owner

test_unlabelled_is_denied if {
	count(owner.deny) == 1 with input as {"kind": "Ingress", "object": {"metadata": {}}}
}

test_labelled_is_allowed if {
	count(owner.deny) == 0 with input as {"kind": "Ingress", "object": {"metadata": {"labels": {"owner": "web"}}}}
}
`

func TestIsPolicyConfigMap(t *testing.T) {
	cm := policyConfigMap(nil)
	assert.True(t, IsPolicyConfigMap(cm, "portcullis-system"))
	assert.False(t, IsPolicyConfigMap(cm, "other"))
	cm.Labels[ConfigMapLabel] = "True"
	assert.False(t, IsPolicyConfigMap(cm, "portcullis-system"))
}

func TestJudgeConfigMapAdmitsAPolicyWhoseTestsPass(t *testing.T) {
	fs := JudgeConfigMap(context.Background(), policyConfigMap(map[string]string{"owner.rego": ownerPolicy, "owner_test.rego": ownerTests}), nil)
	assert.True(t, fs.Allowed(), "%v", fs.Errors)
}

func TestJudgeConfigMapRefusesSyntaxErrorsOnTheirKeyAndLine(t *testing.T) {
	fs := JudgeConfigMap(context.Background(), policyConfigMap(map[string]string{
		"owner.rego":  ownerPolicy,
		"broken.rego": "package portcullis.broken\n\ndeny contains msg if {\n\tmsg := \n}\n",
	}), nil)
	require.False(t, fs.Allowed())
	assert.Equal(t, "data[broken.rego]", fs.Errors[0].Field)
	assert.Contains(t, findings.ErrorMessage(fs.Errors[0]), "policy does not compile: line 5: unexpected } token")
}

func TestJudgeConfigMapRefusesFailingTests(t *testing.T) {
	fs := JudgeConfigMap(context.Background(), policyConfigMap(map[string]string{
		"owner.rego":      ownerPolicy,
		"owner_test.rego": ownerTests + "\ntest_wrong if {\n\tcount(owner.deny) == 0 with input as {\"kind\": \"Ingress\", \"object\": {\"metadata\": {}}}\n}\n",
	}), nil)
	require.Len(t, fs.Errors, 1)
	assert.Equal(t, "data[owner_test.rego]", fs.Errors[0].Field)
	assert.Contains(t, findings.ErrorMessage(fs.Errors[0]), "test_wrong (13) failed")
}

func TestJudgeConfigMapSeesTheOtherPoliciesInForce(t *testing.T) {
	helpers := []Module{{Name: "configmap portcullis-system/base[helpers.rego]", Text: "package portcullis.helpers\n\nproduction(ns) if ns.labels.env == \"prod\"\n"}}
	uses := policyConfigMap(map[string]string{"prod.rego": "package portcullis.prod\n\nimport data.portcullis.helpers\n\ndeny contains \"no\" if helpers.production(input.namespace)\n"})
	ok := JudgeConfigMap(context.Background(), uses, helpers)
	assert.True(t, ok.Allowed(), "compiles with the helpers in force: %v", ok.Errors)
	fs := JudgeConfigMap(context.Background(), uses, nil)
	require.False(t, fs.Allowed(), "does not compile alone")
	assert.Equal(t, "data[prod.rego]", fs.Errors[0].Field)
	assert.Contains(t, findings.ErrorMessage(fs.Errors[0]), "line 5")
}

func TestJudgeConfigMapRefusesKeysThatAreNotRego(t *testing.T) {
	fs := JudgeConfigMap(context.Background(), policyConfigMap(map[string]string{"owner.txt": ownerPolicy}), nil)
	require.Len(t, fs.Errors, 1)
	assert.Equal(t, "data[owner.txt]", fs.Errors[0].Field)
	assert.Contains(t, findings.ErrorMessage(fs.Errors[0]), ".rego")
}

func TestFromDir(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "team"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "team", "owner.rego"), []byte(ownerPolicy), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "team", "owner_test.rego"), []byte(ownerTests), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "README.md"), []byte("not policy"), 0o644))
	mods, tests, err := FromDir(dir)
	require.NoError(t, err)
	require.Len(t, mods, 1)
	require.Len(t, tests, 1)
	assert.Equal(t, filepath.Join(dir, "team", "owner.rego"), mods[0].Name)
	_, _, err = FromDir(filepath.Join(dir, "missing"))
	assert.Error(t, err)
}

func TestInputForLooksUpNamespaceAndCertificates(t *testing.T) {
	ca, err := certgen.NewCA()
	require.NoError(t, err)
	now := time.Now()
	leaf, err := ca.NewLeaf(certgen.DNSNames("pay.example.com"), certgen.Validity(now.Add(-time.Hour), now.Add(800*24*time.Hour)))
	require.NoError(t, err)
	w := world.NewStatic()
	w.Add(
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "pay", Labels: map[string]string{"team": "payments"}}},
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "pay", Name: "pay-tls", ResourceVersion: "1"}, Type: corev1.SecretTypeTLS,
			Data: map[string][]byte{"tls.crt": leaf.ChainPEM(), "tls.key": leaf.KeyPEM()}},
	)
	in := ingressInput().Intent
	cfg := config.Default()
	cfg.Policies = []string{"max-certificate-lifetime"}
	got := InputFor(Request{Operation: OperationLint, Kind: "Ingress", Namespace: "pay", Object: []byte(`{"metadata":{"name":"web"},"spec":{"tls":[{"secretName":"pay-tls"}]}}`), Intent: in}, w, &certs.Cache{}, cfg)
	require.NotNil(t, got.Namespace)
	assert.Equal(t, "payments", got.Namespace.Labels["team"])
	require.Contains(t, got.Certificates, "pay/pay-tls")
	assert.Equal(t, []string{"pay.example.com"}, got.Certificates["pay/pay-tls"].DNSNames)
	assert.InDelta(t, 801*86400, got.Certificates["pay/pay-tls"].LifetimeSeconds, 86400)

	e := newEngine(t, Options{})
	fs := e.Review(context.Background(), got)
	require.Len(t, fs.Errors, 1, "an 801-day certificate is over the 398-day default")
	assert.Equal(t, "spec.tls[0].secretName", fs.Errors[0].Field)

	missing := InputFor(Request{Kind: "Ingress", Namespace: "nowhere", Intent: &intent.Ingress{}}, w, &certs.Cache{}, cfg)
	assert.Equal(t, "nowhere", missing.Namespace.Name)
}

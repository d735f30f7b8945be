//go:build e2e

package webhook_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-logr/logr"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	toolscache "k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	cmapi "github.com/cert-manager/cert-manager/pkg/apis/certmanager/v1"
	cmfake "github.com/cert-manager/cert-manager/pkg/client/clientset/versioned/fake"
	cmlisters "github.com/cert-manager/cert-manager/pkg/client/listers/certmanager/v1"
	"github.com/cert-manager/cert-manager/pkg/controller"
	shimhelper "github.com/cert-manager/cert-manager/pkg/controller/certificate-shim"

	"github.com/seed-d040b84d/portcullis/lib/validate"
	"github.com/seed-d040b84d/portcullis/test/certgen"
	"github.com/seed-d040b84d/portcullis/test/harness"
	"github.com/seed-d040b84d/portcullis/webhook"
)

// installMutating applies manifests/webhook/mutating.yaml pointed at the test
// server, and removes it when the test ends.
func installMutating(t *testing.T) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(harness.RepoRoot(), "manifests", "webhook", "mutating.yaml"))
	require.NoError(t, err)
	var cfg admissionregistrationv1.MutatingWebhookConfiguration
	require.NoError(t, yaml.Unmarshal(raw, &cfg))
	for i := range cfg.Webhooks {
		cc := &cfg.Webhooks[i].ClientConfig
		url := serverURL + *cc.Service.Path
		cc.URL, cc.Service, cc.CABundle = &url, nil, serverCA
	}
	ctx := context.Background()
	require.NoError(t, api.Client.Create(ctx, &cfg))
	t.Cleanup(func() { _ = api.Client.Delete(ctx, &cfg) })
}

func defaultIssuerConfig(t *testing.T, issuer string) {
	t.Helper()
	ctx := context.Background()
	cm := &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Namespace: "portcullis-system", Name: "portcullis"},
		Data:       map[string]string{"default-issuer": issuer},
	}
	require.NoError(t, api.Client.Create(ctx, cm))
	inCache(t, cm, false)
	t.Cleanup(func() {
		require.NoError(t, api.Client.Delete(ctx, cm))
		inCache(t, cm, true)
	})
}

func namespace(t *testing.T, name string, annotations map[string]string) {
	t.Helper()
	ctx := context.Background()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name, Annotations: annotations}}
	require.NoError(t, api.Client.Create(ctx, ns))
	inCache(t, ns, false)
}

func tlsIngress(ns, name string, ann map[string]string) *networkingv1.Ingress {
	class := "portcullis"
	return &networkingv1.Ingress{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Annotations: ann},
		Spec: networkingv1.IngressSpec{
			IngressClassName: &class,
			TLS:              []networkingv1.IngressTLS{{Hosts: []string{name + ".example.com"}, SecretName: name + "-tls"}},
			Rules: []networkingv1.IngressRule{{Host: name + ".example.com", IngressRuleValue: networkingv1.IngressRuleValue{
				HTTP: &networkingv1.HTTPIngressRuleValue{Paths: []networkingv1.HTTPIngressPath{{
					Path: "/", PathType: ptr(networkingv1.PathTypePrefix),
					Backend: networkingv1.IngressBackend{Service: &networkingv1.IngressServiceBackend{
						Name: "web", Port: networkingv1.ServiceBackendPort{Number: 80}}},
				}}},
			}}},
		},
	}
}

func ptr[T any](v T) *T { return &v }

// createMutated creates the Ingress, retrying until the mutating webhook has
// been picked up by the API server (it reads webhook configurations from its
// own informer), and returns the stored object and the warnings.
func createMutated(t *testing.T, ing *networkingv1.Ingress, expectKey string) (*networkingv1.Ingress, []string) {
	t.Helper()
	ctx := context.Background()
	deadline := time.Now().Add(10 * time.Second)
	for {
		probe := ing.DeepCopy()
		warned.take()
		require.NoError(t, judged.Create(ctx, probe, client.DryRunAll))
		if _, ok := probe.Annotations[expectKey]; ok || expectKey == "" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the mutating webhook never added %s to %s/%s within 10s; a dry run stored annotations %v",
				expectKey, ing.Namespace, ing.Name, probe.Annotations)
		}
		time.Sleep(100 * time.Millisecond)
	}
	warned.take()
	obj := ing.DeepCopy()
	require.NoError(t, judged.Create(ctx, obj))
	ws := warned.take()
	t.Cleanup(func() { _ = api.Client.Delete(ctx, obj) })
	stored := &networkingv1.Ingress{}
	require.NoError(t, api.Client.Get(ctx, client.ObjectKeyFromObject(obj), stored))
	return stored, ws
}

func TestMutationDefaultIssuer(t *testing.T) {
	handlers.Settings.SetBase(validate.Options{Class: validate.ClassOptions{Name: "portcullis"}})
	installMutating(t)
	defaultIssuerConfig(t, "ClusterIssuer/letsencrypt")
	namespace(t, "mut-plain", nil)
	namespace(t, "mut-override", map[string]string{webhook.NamespaceDefaultIssuerAnnotation: "Issuer/team-ca"})
	namespace(t, "mut-none", map[string]string{webhook.NamespaceDefaultIssuerAnnotation: "none"})

	t.Run("cluster default is filled in and cert-manager issues from it", func(t *testing.T) {
		stored, ws := createMutated(t, tlsIngress("mut-plain", "shop", nil), "cert-manager.io/cluster-issuer")
		assert.Equal(t, "letsencrypt", stored.Annotations["cert-manager.io/cluster-issuer"])
		assert.Contains(t, strings.Join(ws, "\n"), `portcullis added cert-manager.io/cluster-issuer: "letsencrypt"`)
		crt := certManagerIssues(t, stored)
		assert.Equal(t, "letsencrypt", crt.Spec.IssuerRef.Name)
		assert.Equal(t, "ClusterIssuer", crt.Spec.IssuerRef.Kind)
		assert.Equal(t, "shop-tls", crt.Spec.SecretName)
	})
	t.Run("namespace override wins", func(t *testing.T) {
		stored, ws := createMutated(t, tlsIngress("mut-override", "team", nil), "cert-manager.io/issuer")
		assert.Equal(t, "team-ca", stored.Annotations["cert-manager.io/issuer"])
		assert.NotContains(t, stored.Annotations, "cert-manager.io/cluster-issuer")
		assert.Contains(t, strings.Join(ws, "\n"), "namespace mut-override")
		crt := certManagerIssues(t, stored)
		assert.Equal(t, "team-ca", crt.Spec.IssuerRef.Name)
		assert.Equal(t, "Issuer", crt.Spec.IssuerRef.Kind)
	})
	t.Run("none turns it off", func(t *testing.T) {
		stored, _ := createMutated(t, tlsIngress("mut-none", "quiet", nil), "")
		assert.NotContains(t, stored.Annotations, "cert-manager.io/cluster-issuer")
		assert.NotContains(t, stored.Annotations, "cert-manager.io/issuer")
	})
	t.Run("an Ingress with its own issuer is left alone", func(t *testing.T) {
		stored, _ := createMutated(t, tlsIngress("mut-plain", "own", map[string]string{"cert-manager.io/issuer": "mine"}), "")
		assert.Equal(t, "mine", stored.Annotations["cert-manager.io/issuer"])
		assert.NotContains(t, stored.Annotations, "cert-manager.io/cluster-issuer")
	})
	t.Run("a user-provided secret is left alone", func(t *testing.T) {
		ca, err := certgen.NewCA()
		require.NoError(t, err)
		leaf, err := ca.NewLeaf(certgen.DNSNames("byo.example.com"))
		require.NoError(t, err)
		sec := &corev1.Secret{
			ObjectMeta: metav1.ObjectMeta{Namespace: "mut-plain", Name: "byo-tls", Labels: map[string]string{seedLabel: "true"}},
			Type:       corev1.SecretTypeTLS,
			Data:       map[string][]byte{"tls.crt": leaf.ChainPEM(), "tls.key": leaf.KeyPEM()},
		}
		require.NoError(t, api.Client.Create(context.Background(), sec))
		inCache(t, sec, false)
		stored, ws := createMutated(t, tlsIngress("mut-plain", "byo", nil), "")
		assert.NotContains(t, stored.Annotations, "cert-manager.io/cluster-issuer")
		assert.Contains(t, strings.Join(ws, "\n"), "user-provided")
	})
	t.Run("a value that differs only in case is canonicalized, with a warning", func(t *testing.T) {
		stored, ws := createMutated(t, tlsIngress("mut-none", "cased", map[string]string{
			"nginx.ingress.kubernetes.io/ssl-redirect": "True",
		}), "")
		assert.Equal(t, "true", stored.Annotations["nginx.ingress.kubernetes.io/ssl-redirect"])
		assert.Contains(t, strings.Join(ws, "\n"), `from "True" to "true"`)
	})
}

// certManagerIssues runs cert-manager's own ingress-shim on the stored
// Ingress, with cert-manager's defaults (no default issuer of its own), and
// returns the one Certificate it creates; it must report no BadConfig.
func certManagerIssues(t *testing.T, ing *networkingv1.Ingress) *cmapi.Certificate {
	t.Helper()
	cm := cmfake.NewClientset()
	lister := cmlisters.NewCertificateLister(toolscache.NewIndexer(toolscache.MetaNamespaceKeyFunc, toolscache.Indexers{}))
	rec := record.NewFakeRecorder(20)
	defaults := controller.IngressShimOptions{DefaultIssuerKind: "Issuer", DefaultIssuerGroup: "cert-manager.io", DefaultAutoCertificateAnnotations: []string{"kubernetes.io/tls-acme"}}
	sync := shimhelper.SyncFnFor(rec, logr.Discard(), cm, lister, defaults, "ingress-shim")
	require.NoError(t, sync(context.Background(), ing.DeepCopy()))
	close(rec.Events)
	for e := range rec.Events {
		assert.NotContains(t, e, "BadConfig", "cert-manager refused the mutated Ingress")
	}
	list, err := cm.CertmanagerV1().Certificates(ing.Namespace).List(context.Background(), metav1.ListOptions{})
	require.NoError(t, err)
	require.Len(t, list.Items, 1, "cert-manager should create one Certificate")
	return &list.Items[0]
}

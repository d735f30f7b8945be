//go:build e2e

package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/seed-d040b84d/portcullis/cmd/portcullis/devenv"
	"github.com/seed-d040b84d/portcullis/manifests/install"
	webhookmanifests "github.com/seed-d040b84d/portcullis/manifests/webhook"
	"github.com/seed-d040b84d/portcullis/test/harness"
	"github.com/seed-d040b84d/portcullis/webhook"
)

// TestManagerRunsUnderTheInstalledRBAC runs `portcullis manager` as the
// ServiceAccount install.yaml creates (impersonated), against a real API
// server with install.yaml's RBAC: the permissions are enough to start from
// nothing and judge, and no more than the manager needs.
func TestManagerRunsUnderTheInstalledRBAC(t *testing.T) {
	api, err := harness.StartAPI()
	require.NoError(t, err)
	t.Cleanup(func() { _ = api.Env.Stop() })
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	raw, err := os.ReadFile(filepath.Join(harness.RepoRoot(), "manifests", "install.yaml"))
	require.NoError(t, err)
	objs, err := install.Objects(raw)
	require.NoError(t, err)
	for _, o := range objs {
		switch o.GetKind() {
		case "Namespace", "ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding", "ConfigMap", "IngressClass":
			require.NoError(t, api.Client.Apply(ctx, client.ApplyConfigurationFromUnstructured(o), client.FieldOwner("rbac-test"), client.ForceOwnership), o.GetKind())
		}
	}
	port := harness.FreePort(t)
	cfgs, err := devenv.WebhookConfigurations(webhookmanifests.Configurations, fmt.Sprintf("https://127.0.0.1:%d", port))
	require.NoError(t, err)
	for _, c := range cfgs {
		require.NoError(t, api.Client.Create(ctx, c))
	}

	asSA := rest.CopyConfig(api.Config)
	asSA.Impersonate = rest.ImpersonationConfig{UserName: "system:serviceaccount:portcullis-system:portcullis"}
	var f managerFlags
	f.namespace, f.components, f.class, f.prefix = "portcullis-system", "webhook", "portcullis", "nginx.ingress.kubernetes.io"
	f.webhookHost, f.webhookPort, f.certDir, f.certMode = "127.0.0.1", port, t.TempDir(), certSelfSigned
	f.webhookHosts, f.webhookConfigs, f.metricsAddr, f.probeAddr = stringList{"127.0.0.1"}, "portcullis", "0", "0"
	serving := make(chan struct{})
	done := make(chan error, 1)
	go func() { done <- manage(ctx, asSA, f, func() { close(serving) }) }()
	select {
	case <-serving:
	case err := <-done:
		t.Fatalf("the manager could not start under the installed RBAC: %v", err)
	case <-time.After(60 * time.Second):
		t.Fatal("the webhook server did not serve within 60s")
	}
	class := "portcullis"
	bad := &networkingv1.Ingress{
		ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "typo", Annotations: map[string]string{"nginx.ingress.kubernetes.io/ssl-redirect": "yes"}},
		Spec: networkingv1.IngressSpec{IngressClassName: &class, DefaultBackend: &networkingv1.IngressBackend{
			Service: &networkingv1.IngressServiceBackend{Name: "web", Port: networkingv1.ServiceBackendPort{Number: 80}}}},
	}
	var last error
	require.Eventually(t, func() bool {
		last = api.Client.Create(ctx, bad.DeepCopy(), client.DryRunAll)
		return last != nil && strings.Contains(last.Error(), "denied the request")
	}, 20*time.Second, 100*time.Millisecond, "no verdict from the manager running as its ServiceAccount: %v", last)

	sa, err := client.New(asSA, client.Options{Scheme: webhook.Scheme})
	require.NoError(t, err)
	other := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "portcullis-system", Name: "someone-elses"}, StringData: map[string]string{"k": "v"}}
	require.NoError(t, api.Client.Create(ctx, other))
	other.StringData = map[string]string{"k": "changed"}
	assert.True(t, apierrors.IsForbidden(sa.Update(ctx, other)), "it may update only its own serving Secret")
	assert.True(t, apierrors.IsForbidden(sa.Delete(ctx, &networkingv1.Ingress{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "any"}})), "it never deletes Ingresses")
	assert.True(t, apierrors.IsForbidden(sa.List(ctx, &corev1.PodList{})), "it has no business with Pods")
	assert.True(t, apierrors.IsForbidden(sa.Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "planted"}})), "it creates Secrets in its own namespace only")
	cancel()
	select {
	case err := <-done:
		assert.NoError(t, err)
	case <-time.After(30 * time.Second):
		t.Fatal("the manager did not stop")
	}
}

//go:build e2e

package main

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/seed-d040b84d/portcullis/manifests/install"
	"github.com/seed-d040b84d/portcullis/test/harness"
	"github.com/seed-d040b84d/portcullis/webhook"
)

// TestManagerRunsUnderTheInstalledRBAC runs `portcullis manager` as the
// ServiceAccount install.yaml creates (impersonated), against a real API
// server with install.yaml's RBAC: the permissions are enough to start from
// nothing and judge, and no more than the manager needs.
func TestManagerRunsUnderTheInstalledRBAC(t *testing.T) {
	api := testAPI(t)
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
	installWebhookAt(ctx, t, api, port)

	asSA := rest.CopyConfig(api.Config)
	asSA.Impersonate = rest.ImpersonationConfig{UserName: "system:serviceaccount:portcullis-system:portcullis"}
	done := managerRunning(ctx, t, asSA, testFlags(t, "webhook", port))
	denialOnServing(ctx, t, api.Client, map[string]string{"nginx.ingress.kubernetes.io/ssl-redirect": "yes"})

	sa, err := client.New(asSA, client.Options{Scheme: webhook.Scheme})
	require.NoError(t, err)
	other := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "portcullis-system", Name: "someone-elses"}, StringData: map[string]string{"k": "v"}}
	require.NoError(t, api.Client.Create(ctx, other))
	other.StringData = map[string]string{"k": "changed"}
	assert.True(t, apierrors.IsForbidden(sa.Update(ctx, other)), "it may update only its own serving Secret")
	assert.True(t, apierrors.IsForbidden(sa.Delete(ctx, &networkingv1.Ingress{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "any"}})), "it never deletes Ingresses")
	assert.True(t, apierrors.IsForbidden(sa.List(ctx, &corev1.PodList{})), "it has no business with Pods")
	assert.True(t, apierrors.IsForbidden(sa.Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "planted"}})), "it creates Secrets in its own namespace only")
	stopsCleanly(t, cancel, done)
}

//go:build e2e

package main

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/seed-d040b84d/portcullis/test/gen"
	"github.com/seed-d040b84d/portcullis/test/harness"
)

// TestManagerStartsFromNothing runs `portcullis manager` against a real API
// server that has only the shipped webhook configurations (pointed at the
// manager, with no caBundle): the manager makes its CA and serving
// certificate, patches caBundle, and the API server then calls it for
// admission. Cancelling the context stops it cleanly.
func TestManagerStartsFromNothing(t *testing.T) {
	api := testAPI(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	require.NoError(t, api.Client.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "portcullis-system"}}))
	port := harness.FreePort(t)
	installWebhookAt(ctx, t, api, port)
	done := managerRunning(ctx, t, api.Config, testFlags(t, "webhook", port))

	last := denialOnServing(ctx, t, api.Client, map[string]string{"nginx.ingress.kubernetes.io/auth-tls-verify-clinet": "on"})
	assert.Contains(t, last.Error(), "did you mean nginx.ingress.kubernetes.io/auth-tls-verify-client?")
	var status apierrors.APIStatus
	require.ErrorAs(t, last, &status)
	require.NotEmpty(t, status.Status().Details.Causes)
	assert.Equal(t, "metadata.annotations[nginx.ingress.kubernetes.io/auth-tls-verify-clinet]", status.Status().Details.Causes[0].Field)

	good := gen.Ingress("fine", gen.InNamespace("default"), gen.DefaultBackend("web", 80))
	require.NoError(t, api.Client.Create(ctx, good))

	var sec corev1.Secret
	require.NoError(t, api.Client.Get(ctx, client.ObjectKey{Namespace: "portcullis-system", Name: "portcullis-webhook-tls"}, &sec))
	assert.NotEmpty(t, sec.Data["ca.crt"])

	stopsCleanly(t, cancel, done)
}

func TestManagerRefusesBadFlags(t *testing.T) {
	code, _, stderr := runCLI(t, "manager", "--webhook-cert-mode", "magic", "--kubeconfig", "/nonexistent")
	assert.Equal(t, 1, code)
	assert.NotEmpty(t, stderr)
	code, _, _ = runCLI(t, "manager", "extra")
	assert.Equal(t, 2, code)
}

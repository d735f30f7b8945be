//go:build e2e

package webhook_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/seed-d040b84d/portcullis/lib/validate"
	"github.com/seed-d040b84d/portcullis/test/harness"
	"github.com/seed-d040b84d/portcullis/webhook"
)

// TestSelfSignedServingCertificate starts a second webhook server from
// nothing with a self-made CA, and checks that the API server can call it once
// the rotator patched caBundle, through a forced renewal of the serving
// certificate and a forced CA rotation, without one failed admission.
func TestSelfSignedServingCertificate(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	handlers.Settings.SetBase(validate.Options{Class: validate.ClassOptions{Name: "portcullis"}})
	namespace(t, "rot-system", nil)
	namespace(t, "rot-target", nil)

	port := harness.FreePort(t)
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	certDir := t.TempDir()

	// The configuration exists first, with no caBundle, as kubectl apply of
	// manifests/webhook leaves it.
	url := fmt.Sprintf("https://%s%s", addr, webhook.PathValidateIngress)
	fail := admissionregistrationv1.Fail
	none := admissionregistrationv1.SideEffectClassNone
	cfg := &admissionregistrationv1.ValidatingWebhookConfiguration{
		ObjectMeta: metav1.ObjectMeta{Name: "portcullis-rotation"},
		Webhooks: []admissionregistrationv1.ValidatingWebhook{{
			Name:                    "ingresses.rotation.portcullis.dev",
			AdmissionReviewVersions: []string{"v1"},
			SideEffects:             &none,
			FailurePolicy:           &fail,
			ClientConfig:            admissionregistrationv1.WebhookClientConfig{URL: &url},
			Rules: []admissionregistrationv1.RuleWithOperations{{
				Operations: []admissionregistrationv1.OperationType{admissionregistrationv1.Create},
				Rule:       admissionregistrationv1.Rule{APIGroups: []string{"networking.k8s.io"}, APIVersions: []string{"v1"}, Resources: []string{"ingresses"}},
			}},
			NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{corev1.LabelMetadataName: "rot-target"}},
		}},
	}
	require.NoError(t, api.Client.Create(ctx, cfg))
	t.Cleanup(func() { _ = api.Client.Delete(context.Background(), cfg) })

	rot, err := webhook.NewCertRotator(webhook.CertOptions{
		Client: api.Client, Namespace: "rot-system", Hosts: []string{"127.0.0.1"}, CertDir: certDir,
		ValidatingConfigs: []string{"portcullis-rotation"}, CAGrace: 2 * time.Second,
	})
	require.NoError(t, err)
	require.NoError(t, rot.Ensure(ctx))
	for _, f := range []string{"tls.crt", "tls.key"} {
		fi, err := os.Stat(filepath.Join(certDir, f))
		require.NoError(t, err)
		assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm(), f)
	}
	srv := webhook.NewServer(webhook.ServerOptions{Host: "127.0.0.1", Port: port, CertDir: certDir})
	handlers.Register(srv)
	go func() { _ = srv.Start(ctx) }()
	require.NoError(t, harness.WaitForListener(addr, 10*time.Second))

	n := 0
	admit := func() error {
		n++
		return judged.Create(ctx, tlsIngress("rot-target", fmt.Sprintf("probe-%d", n), nil), client.DryRunAll)
	}
	require.Eventually(t, func() bool { return admit() == nil }, 15*time.Second, 100*time.Millisecond,
		"the API server never trusted the self-made CA")

	// admitsUntil admits continuously until cond holds; every admission must pass.
	admitsUntil := func(what string, cond func() bool) {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for !cond() {
			require.NoError(t, admit(), "an admission failed while %s", what)
			require.True(t, time.Now().Before(deadline), "timed out while %s", what)
			time.Sleep(50 * time.Millisecond)
		}
		for i := 0; i < 5; i++ {
			require.NoError(t, admit(), "an admission failed after %s", what)
		}
	}

	first := served(t, addr)
	require.NoError(t, rot.Rotate(ctx, false))
	admitsUntil("renewing the serving certificate", func() bool { return !served(t, addr).Equal(first) })
	renewed := served(t, addr)
	assert.Equal(t, first.AuthorityKeyId, renewed.AuthorityKeyId, "a renewal keeps the CA")

	require.NoError(t, rot.Rotate(ctx, true))
	var sec corev1.Secret
	require.NoError(t, api.Client.Get(ctx, client.ObjectKey{Namespace: "rot-system", Name: webhook.DefaultServingSecret}, &sec))
	assert.Len(t, certsIn(t, sec.Data["ca.crt"]), 2, "old and new CA are both trusted during a CA rotation")
	admitsUntil("rotating the CA", func() bool {
		require.NoError(t, rot.Ensure(ctx))
		return !bytes.Equal(served(t, addr).AuthorityKeyId, renewed.AuthorityKeyId)
	})
	_, hasKey := sec.Data["ca.key"]
	assert.True(t, hasKey)
}

// served returns the certificate the server presents.
func served(t *testing.T, addr string) *x509.Certificate {
	t.Helper()
	conn, err := tls.Dial("tcp", addr, &tls.Config{InsecureSkipVerify: true}) //nolint:gosec // inspecting, not trusting
	require.NoError(t, err)
	defer conn.Close()
	return conn.ConnectionState().PeerCertificates[0]
}

func certsIn(t *testing.T, b []byte) []*x509.Certificate {
	t.Helper()
	var out []*x509.Certificate
	for {
		var blk *pem.Block
		blk, b = pem.Decode(b)
		if blk == nil {
			return out
		}
		c, err := x509.ParseCertificate(blk.Bytes)
		require.NoError(t, err)
		out = append(out, c)
	}
}

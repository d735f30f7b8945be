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

	"github.com/seed-d040b84d/portcullis/lib/validate"
	"github.com/seed-d040b84d/portcullis/test/certgen"
)

// TestUpdateKeepsAdmittedIngressesUpdatable: an admitted Ingress stays
// updatable when its certificate expires (a warning) or its Secret changes
// under it (the error it already had becomes a warning on UPDATE), while an
// update that adds an error is refused.
func TestUpdateKeepsAdmittedIngressesUpdatable(t *testing.T) {
	ctx := context.Background()
	now := time.Now()
	clock := func(at time.Time) {
		handlers.Settings.SetBase(validate.Options{Class: validate.ClassOptions{Name: "portcullis"}, Now: func() time.Time { return at }})
	}
	clock(now)
	namespace(t, "upd", nil)
	ca, err := certgen.NewCA()
	require.NoError(t, err)
	leaf, err := ca.NewLeaf(certgen.DNSNames("shop.example.com"), certgen.Validity(now.Add(-time.Hour), now.Add(30*24*time.Hour)))
	require.NoError(t, err)
	sec := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: "upd", Name: "shop-tls"},
		Type:       corev1.SecretTypeTLS,
		Data:       map[string][]byte{"tls.crt": leaf.ChainPEM(), "tls.key": leaf.KeyPEM()},
	}
	require.NoError(t, judged.Create(ctx, sec))
	inCache(t, sec, false)

	ing := tlsIngress("upd", "shop", nil)
	require.NoError(t, judged.Create(ctx, ing))
	inCache(t, ing, false)

	clock(now.Add(60 * 24 * time.Hour)) // the certificate has expired since: a warning
	ing.Labels = map[string]string{"team": "web"}
	warned.take()
	require.NoError(t, judged.Update(ctx, ing), "an unrelated change to an Ingress whose certificate expired is allowed")
	assert.Contains(t, strings.Join(warned.take(), "\n"), "expired")
	inCache(t, ing, false)

	// The Secret is replaced by one for another host (a valid Secret on its
	// own): the Ingress now has an error it did not cause.
	clock(now)
	other, err := ca.NewLeaf(certgen.DNSNames("other.example.com"), certgen.Validity(now.Add(-time.Hour), now.Add(30*24*time.Hour)))
	require.NoError(t, err)
	sec.Data = map[string][]byte{"tls.crt": other.ChainPEM(), "tls.key": other.KeyPEM()}
	require.NoError(t, judged.Update(ctx, sec))
	inCache(t, sec, false)

	ing.Labels["tier"] = "frontend"
	warned.take()
	require.NoError(t, judged.Update(ctx, ing), "an error the stored Ingress already had does not block an unrelated change")
	ws := strings.Join(warned.take(), "\n")
	assert.Contains(t, ws, "already present before this update")
	assert.Contains(t, ws, "spec.tls[0].hosts[0]")
	inCache(t, ing, false)

	ing.Annotations = map[string]string{"nginx.ingress.kubernetes.io/ssl-redirect": "yes"}
	err = judged.Update(ctx, ing)
	require.Error(t, err, "a change that introduces an error is refused")
	status := err.(apierrors.APIStatus).Status()
	require.Len(t, status.Details.Causes, 1, "only the new error is an error: %s", status.Message)
	assert.Equal(t, "metadata.annotations[nginx.ingress.kubernetes.io/ssl-redirect]", status.Details.Causes[0].Field)
	assert.Contains(t, status.Message, `"yes"`)
}

// TestDryRun: dry-run requests get the same verdicts and store nothing (the
// webhook has no side effects, so sideEffects: None is true).
func TestDryRun(t *testing.T) {
	ctx := context.Background()
	handlers.Settings.SetBase(validate.Options{Class: validate.ClassOptions{Name: "portcullis"}})
	namespace(t, "dry", nil)

	bad := tlsIngress("dry", "bad", map[string]string{"nginx.ingress.kubernetes.io/auth-tls-verify-client": "True"})
	err := judged.Create(ctx, bad, client.DryRunAll)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "auth-tls-verify-client")

	good := tlsIngress("dry", "good", nil)
	warned.take()
	require.NoError(t, judged.Create(ctx, good, client.DryRunAll))
	assert.Contains(t, strings.Join(warned.take(), "\n"), "spec.tls[0].secretName: secret not found",
		"a secret that is not there yet is a warning, so kubectl apply -f dir/ works in any order")
	err = api.Client.Get(ctx, client.ObjectKeyFromObject(good), good)
	assert.True(t, apierrors.IsNotFound(err), "a dry-run create stores nothing: %v", err)
}

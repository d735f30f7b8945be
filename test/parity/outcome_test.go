package parity

import (
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// cmOutcome is what cert-manager v1.21.2 does with an Ingress annotation
// value, end to end: ingress-shim sync, then its webhook on the Certificate.
type cmOutcome int

const (
	// cmBadConfig: SyncFn emits a Warning BadConfig event, returns nil (no
	// requeue) and creates no Certificate.
	cmBadConfig cmOutcome = iota
	// cmSyncError: SyncFn returns an error (translateAnnotations'
	// "invalid ingress annotation"), so the Ingress is requeued with backoff
	// forever; it creates no Certificate and emits no event, so the Ingress
	// owner is never told.
	cmSyncError
	// cmWebhookDenied: the shim builds the Certificate, and cert-manager's
	// own webhook refuses it, so the API server rejects the create and the
	// shim requeues with backoff; no event either.
	cmWebhookDenied
	// cmMisHandled: the shim creates a Certificate that cert-manager's webhook
	// admits but that silently is not what the annotation asked for, or the
	// shim silently does nothing; the row's check shows how.
	cmMisHandled
	// cmAccepts is a documented disagreement: cert-manager accepts the value
	// and does what the user evidently meant, while portcullis denies it.
	cmAccepts
)

func (o cmOutcome) String() string {
	return [...]string{"BadConfig event", "SyncFn error", "webhook denies the Certificate", "silently mis-handled", "ACCEPTED by cert-manager"}[o]
}

// assertOutcome checks that cert-manager did what the row documents. msg is
// a substring of the event, error or webhook message (cmBadConfig,
// cmSyncError, cmWebhookDenied); check shows the mis-handling or handling
// (cmMisHandled, cmAccepts).
func assertOutcome(t *testing.T, w *webhook, r shimResult, o cmOutcome, msg string, check func(*testing.T, shimResult)) {
	t.Helper()
	switch o {
	case cmBadConfig:
		assert.NoError(t, r.Err, "SyncFn does not requeue bad config")
		assert.Empty(t, r.Certificates, "no Certificate is created")
		bad := r.badConfig()
		require.NotEmpty(t, bad, "expected a BadConfig event; got events %q", r.Events)
		assert.True(t, slices.ContainsFunc(bad, func(e string) bool { return strings.Contains(e, msg) }),
			"no BadConfig event contains %q: %q", msg, bad)
	case cmSyncError:
		require.Error(t, r.Err, "expected SyncFn to fail")
		assert.Contains(t, r.Err.Error(), msg)
		assert.Empty(t, r.Certificates, "no Certificate is created")
		assert.Empty(t, r.warnings(), "the shim emits no event for annotation errors")
	case cmWebhookDenied:
		require.NoError(t, r.Err)
		assert.Empty(t, r.warnings())
		require.NotEmpty(t, r.Certificates, "the shim builds a Certificate")
		denials := w.denials(t, r)
		for name := range r.Certificates {
			if assert.Contains(t, denials, name, "cert-manager's webhook admits Certificate %s", name) {
				assert.Contains(t, denials[name], msg)
			}
		}
	case cmMisHandled, cmAccepts:
		require.NoError(t, r.Err)
		assert.Empty(t, r.warnings(), "cert-manager says nothing")
		assert.Empty(t, w.denials(t, r), "cert-manager's webhook admits every Certificate")
		require.NotNil(t, check, "a %s row must show how", o)
		check(t, r)
	}
}

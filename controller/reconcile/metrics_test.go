package reconcile

import (
	"errors"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/assert"

	"github.com/seed-d040b84d/portcullis/controller/dataplane"
	"github.com/seed-d040b84d/portcullis/lib/intent"
)

func TestMetricsObserve(t *testing.T) {
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	m := NewMetrics()
	model := &dataplane.Model{
		Servers: []dataplane.Server{
			{Host: "shop.example.com", TLS: &dataplane.TLS{NotAfter: now.Add(48 * time.Hour)}},
			{Host: "old.example.com", TLS: &dataplane.TLS{NotAfter: now.Add(-time.Hour)}},
			{Host: "pending.example.com", TLS: &dataplane.TLS{Default: true, NotAfter: now.Add(365 * 24 * time.Hour)}},
			{Host: "plain.example.com"},
		},
		Refused: []dataplane.Refusal{{Ingress: intent.ObjectRef{Namespace: "shop", Name: "broken"}, Reason: "bad"}},
	}
	m.observe(model, "gen-1", true, 300*time.Millisecond, nil, now)
	assert.Equal(t, 1.0, testutil.ToFloat64(m.Reloads))
	assert.Equal(t, 0.0, testutil.ToFloat64(m.ReloadFailures))
	assert.Equal(t, 1.0, testutil.ToFloat64(m.Refused))
	assert.Equal(t, float64(now.Unix()), testutil.ToFloat64(m.LastSuccess))
	assert.Equal(t, 1.0, testutil.ToFloat64(m.Configuration.WithLabelValues("gen-1")))
	assert.Equal(t, 48*3600.0, testutil.ToFloat64(m.Expiry.WithLabelValues("shop.example.com", "false")))
	assert.Equal(t, -3600.0, testutil.ToFloat64(m.Expiry.WithLabelValues("old.example.com", "false")), "expired: negative")
	assert.Equal(t, 3, testutil.CollectAndCount(m.Expiry), "a plain-HTTP host has no certificate")
	assert.Equal(t, 1, testutil.CollectAndCount(m.ReloadDuration))

	// An unchanged model: no reload counted; a new generation replaces the old label.
	m.observe(model, "gen-2", false, 0, nil, now)
	assert.Equal(t, 1.0, testutil.ToFloat64(m.Reloads))
	assert.Equal(t, 1, testutil.CollectAndCount(m.Configuration), "only the configuration in force")

	m.observe(nil, "", false, 0, errors.New("nginx -t refused it"), now)
	assert.Equal(t, 1.0, testutil.ToFloat64(m.ReloadFailures))
	assert.Equal(t, 1.0, testutil.ToFloat64(m.Configuration.WithLabelValues("gen-2")), "a failure keeps the last good configuration's figures")

	var none *Metrics
	none.observe(model, "gen-3", true, 0, nil, now) // no metrics configured: nothing happens
}

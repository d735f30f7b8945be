package reconcile

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/seed-d040b84d/portcullis/controller/dataplane"
)

// Metrics are the reconciler's Prometheus metrics, served on the manager's
// metrics endpoint.
type Metrics struct {
	Reloads        prometheus.Counter
	ReloadFailures prometheus.Counter
	ReloadDuration prometheus.Histogram
	LastSuccess    prometheus.Gauge
	Configuration  *prometheus.GaugeVec
	Refused        prometheus.Gauge
	Expiry         *prometheus.GaugeVec
	// Replaced counts certificate files replaced without a reload.
	Replaced prometheus.Counter
	// ConfigMapRefused is 1 while the controller ConfigMap in the cluster is
	// refused (the last good one in use).
	ConfigMapRefused prometheus.Gauge
}

// NewMetrics returns the metrics, not yet registered.
func NewMetrics() *Metrics {
	return &Metrics{
		Reloads: prometheus.NewCounter(prometheus.CounterOpts{Name: "portcullis_nginx_reloads_total",
			Help: "nginx configurations put in force (start or graceful reload, confirmed serving)."}),
		ReloadFailures: prometheus.NewCounter(prometheus.CounterOpts{Name: "portcullis_nginx_reload_failures_total",
			Help: "syncs whose configuration was not put in force (build failed, or nginx refused or did not confirm it); the last good one stayed."}),
		ReloadDuration: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "portcullis_nginx_reload_duration_seconds",
			Help:    "time from a built model to nginx serving it (staging, reload, confirmation).",
			Buckets: []float64{.05, .1, .25, .5, 1, 2, 5, 10, 30}}),
		LastSuccess: prometheus.NewGauge(prometheus.GaugeOpts{Name: "portcullis_nginx_last_success_timestamp_seconds",
			Help: "when a sync last left nginx serving the current model (Unix time)."}),
		Configuration: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "portcullis_nginx_configuration_info",
			Help: "1 for the configuration in force, by generation (a hash of every byte nginx reads)."}, []string{"generation"}),
		Refused: prometheus.NewGauge(prometheus.GaugeOpts{Name: "portcullis_ingresses_refused",
			Help: "Ingresses of ours left out of the data plane because lib refuses them."}),
		Expiry: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "portcullis_certificate_expiry_seconds",
			Help: "seconds until the certificate served for a host expires (negative once expired)."}, []string{"host", "default"}),
		ConfigMapRefused: prometheus.NewGauge(prometheus.GaugeOpts{Name: "portcullis_configmap_refused",
			Help: "1 while the controller ConfigMap in the cluster is refused and the last good one is in use, else 0."}),
		Replaced: prometheus.NewCounter(prometheus.CounterOpts{Name: "portcullis_certificates_replaced_total",
			Help: "certificate files nginx reads at each handshake replaced without a reload (renewed with the same key, ssl-certificate-mode dynamic)."}),
	}
}

// Collectors are the metrics to register.
func (m *Metrics) Collectors() []prometheus.Collector {
	return []prometheus.Collector{m.Reloads, m.ReloadFailures, m.ReloadDuration, m.LastSuccess, m.Configuration, m.Refused, m.Expiry, m.Replaced, m.ConfigMapRefused}
}

// observe records one sync: its model, whether nginx was reloaded and how
// long that took, or its failure.
func (m *Metrics) observe(model *dataplane.Model, generation string, reloaded bool, took time.Duration, err error, now time.Time) {
	if m == nil {
		return
	}
	if err != nil {
		m.ReloadFailures.Inc()
		return
	}
	if reloaded {
		m.Reloads.Inc()
		m.ReloadDuration.Observe(took.Seconds())
	}
	m.LastSuccess.Set(float64(now.Unix()))
	m.Configuration.Reset()
	m.Configuration.WithLabelValues(generation).Set(1)
	m.Refused.Set(float64(len(model.Refused)))
	m.Expiry.Reset()
	for _, s := range model.Servers {
		if s.TLS == nil || s.TLS.NotAfter.IsZero() {
			continue
		}
		def := "false"
		if s.TLS.Default {
			def = "true"
		}
		m.Expiry.WithLabelValues(s.Host, def).Set(s.TLS.NotAfter.Sub(now).Seconds())
	}
}

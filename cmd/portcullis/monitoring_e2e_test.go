//go:build e2e

package main

import (
	"context"
	"strconv"
	"strings"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"

	"github.com/seed-d040b84d/portcullis/test/certgen"
	"github.com/seed-d040b84d/portcullis/test/gen"
	"github.com/seed-d040b84d/portcullis/test/harness"
)

// TestMonitoringReadsExportedMetrics runs the manager as installed (the
// webhook and the controller, nginx, the passthrough proxy), admits and
// serves a TLS Ingress in each of two namespaces, then requires every metric
// the shipped alerts and dashboard read to be one the manager's registry
// exports.
func TestMonitoringReadsExportedMetrics(t *testing.T) {
	api := testAPI(t)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	c := api.Client
	port := harness.FreePort(t)
	for _, ns := range []string{"portcullis-system", "mon-a", "mon-b"} {
		require.NoError(t, c.Create(ctx, gen.Namespace(ns)))
	}
	installWebhookAt(ctx, t, api, port)
	f := nginxFlags(t)
	f.components, f.webhookPort = "webhook,controller", port
	proxy := harness.FreePort(t)
	f.passthrough = true
	f.httpsAddr, f.passthroughFallback = "127.0.0.1:"+strconv.Itoa(proxy), "127.0.0.1:"+strconv.Itoa(f.nginxHTTPSPort)
	done := managerRunning(ctx, t, api.Config, f)
	t.Cleanup(func() { stopsCleanly(t, cancel, done) })

	ca, err := certgen.NewCA(certgen.CommonName("monitoring CA"))
	require.NoError(t, err)
	for _, ns := range []string{"mon-a", "mon-b"} {
		host := "web." + ns + ".test"
		require.NoError(t, c.Create(ctx, gen.TLSSecret("tls", leaf(t, ca, host, certgen.DNSNames(host)), gen.InNamespace(ns))))
		require.NoError(t, c.Create(ctx, gen.Ingress("web", gen.InNamespace(ns), gen.Host(host), gen.TLS("tls"), gen.Path("/", "web", 80))))
	}
	eventually(t, "both hosts never had a certificate expiry", func() string {
		if n := strings.Count(metricsText(t), "portcullis_certificate_expiry_seconds "); n != 2 {
			return strconv.Itoa(n) + " expiry series"
		}
		return ""
	})

	families, err := ctrlmetrics.Registry.Gather()
	require.NoError(t, err)
	exported := map[string]dto.MetricType{}
	for _, fam := range families {
		exported[fam.GetName()] = fam.GetType()
	}
	for where, expr := range monitoringQueries(t) {
		for _, name := range metricNames(expr) {
			base := name
			for _, suffix := range []string{"_bucket", "_sum", "_count"} {
				if b, ok := strings.CutSuffix(name, suffix); ok && exported[b] == dto.MetricType_HISTOGRAM {
					base = b
				}
			}
			assert.Contains(t, exported, base, "%s reads %s, which the manager does not export", where, name)
		}
	}
}

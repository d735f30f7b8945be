//go:build e2e

package webhook_test

import (
	"context"
	"path/filepath"
	"sort"
	"testing"
	"time"

	networkingv1 "k8s.io/api/networking/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/seed-d040b84d/portcullis/lib/validate"
	"github.com/seed-d040b84d/portcullis/test/goldencases"
)

// BenchmarkAPIServerDryRun measures what the webhook adds to a `kubectl apply
// --dry-run=server` of a typical Ingress (lib's golden case mtls-auth-tls):
// the same create, through the real API server, for an Ingress the webhook
// judges and for one of another class, which the configuration's
// matchConditions keep from the webhook:
//
//	go test -tags e2e ./webhook -run '^$' -bench APIServerDryRun
//
// webhook=on reports added-us: its median minus webhook=off's.
func BenchmarkAPIServerDryRun(b *testing.B) {
	c, err := goldencases.Load(filepath.Join(goldencases.Dir(), "mtls-auth-tls.in.yaml"))
	if err != nil {
		b.Fatal(err)
	}
	handlers.Settings.SetBase(validate.Options{Class: validate.ClassOptions{Name: "portcullis"}, Now: c.Options.Now})
	var ing *networkingv1.Ingress
	for _, o := range c.Objects {
		obj := o.Typed.(client.Object)
		if i, ok := obj.(*networkingv1.Ingress); ok {
			ing = i
			continue
		}
		placed := seed(b, obj)
		b.Cleanup(func() { _ = api.Client.Delete(context.Background(), placed) })
	}
	var offMedian float64
	run := func(b *testing.B, class string) float64 {
		obj := ing.DeepCopy()
		obj.Spec.IngressClassName = &class
		ctx := context.Background()
		if err := judged.Create(ctx, obj.DeepCopy(), client.DryRunAll); err != nil {
			b.Fatalf("the benchmark Ingress must be admitted: %v", err)
		}
		lat := make([]time.Duration, 0, b.N)
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			start := time.Now()
			if err := judged.Create(ctx, obj.DeepCopy(), client.DryRunAll); err != nil {
				b.Fatal(err)
			}
			lat = append(lat, time.Since(start))
		}
		b.StopTimer()
		sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
		median := float64(lat[len(lat)/2].Nanoseconds()) / 1e3
		b.ReportMetric(median, "p50-us")
		b.ReportMetric(float64(lat[len(lat)*99/100].Nanoseconds())/1e3, "p99-us")
		return median
	}
	b.Run("webhook=off", func(b *testing.B) { offMedian = run(b, "other") })
	b.Run("webhook=on", func(b *testing.B) {
		on := run(b, "portcullis")
		if offMedian > 0 {
			b.ReportMetric(on-offMedian, "added-us")
		}
	})
}

package policies

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"regexp"
	"sort"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/seed-d040b84d/portcullis/lib/certs"
	"github.com/seed-d040b84d/portcullis/lib/config"
	"github.com/seed-d040b84d/portcullis/lib/validate"
	"github.com/seed-d040b84d/portcullis/lib/world"
	"github.com/seed-d040b84d/portcullis/test/goldencases"
)

var packageLine = regexp.MustCompile(`(?m)^package portcullis\.builtin\.(\w+)$`)

// BenchmarkRegoEval evaluates 20 policies of the built-ins' size (the six
// built-ins, all turned on, and 14 copies of them in other packages) against
// the seed's mTLS Ingress (lib's golden case mtls-auth-tls, in a namespace
// labelled for require-mtls and deny-default-certificate), and lib's own
// validation of the same Ingress in the same run:
//
//	go test ./policies -run '^$' -bench RegoEval
//
// Reported: p50-us and p99-us of one Review, lib-us (lib's median) and
// x-lib (the Rego p50 over lib's).
func BenchmarkRegoEval(b *testing.B) {
	c, err := goldencases.Load(filepath.Join(goldencases.Dir(), "mtls-auth-tls.in.yaml"))
	if err != nil {
		b.Fatal(err)
	}
	w := world.NewStatic()
	var ing *networkingv1.Ingress
	for i, o := range c.Objects {
		o.Meta.SetResourceVersion(fmt.Sprint(100 + i)) // as from an API server: the certificate cache is warm
		w.Add(o.Typed)
		if x, ok := o.Typed.(*networkingv1.Ingress); ok {
			ing = x
		}
	}
	w.Add(&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ing.Namespace, Labels: map[string]string{
		"portcullis.dev/require-mtls": "true", "portcullis.dev/production": "true"}}})
	cache := &certs.Cache{}
	cfg := config.Default()
	cfg.Policies = config.BuiltinPolicies
	v := validate.New(validate.Options{Config: cfg, Now: c.Options.Now}, cache)

	var user []Module
	builtins := Builtins()
	for i := 0; len(user) < 14; i++ {
		m := builtins[i%len(builtins)]
		if !packageLine.MatchString(m.Text) {
			continue
		}
		user = append(user, Module{
			Name: fmt.Sprintf("bench/%d.rego", len(user)),
			Text: packageLine.ReplaceAllString(m.Text, fmt.Sprintf("package portcullis.bench.${1}_%d", len(user))),
		})
	}
	e, err := New(Options{Timeout: time.Second})
	if err != nil {
		b.Fatal(err)
	}
	if err := e.Load(context.Background(), user); err != nil {
		b.Fatal(err)
	}
	obj := ing.DeepCopy()
	obj.APIVersion, obj.Kind = "networking.k8s.io/v1", "Ingress"
	raw, err := json.Marshal(obj)
	if err != nil {
		b.Fatal(err)
	}

	// lib's time for the same Ingress, measured first in the same run.
	libLat := make([]time.Duration, 0, 2000)
	for i := 0; i < cap(libLat); i++ {
		start := time.Now()
		v.Ingress(ing, w)
		libLat = append(libLat, time.Since(start))
	}
	verdict := v.Ingress(ing, w)
	in := InputFor(Request{Operation: OperationCreate, Kind: "Ingress", Namespace: ing.Namespace, Object: raw, Intent: verdict.Intent, Findings: verdict.Findings}, w, cache, cfg)
	if fs := e.Review(context.Background(), in); len(fs.Errors) == 0 {
		b.Fatal("the benchmark input should trip some policies, so rules do real work")
	}

	lat := make([]time.Duration, 0, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		e.Review(context.Background(), in)
		lat = append(lat, time.Since(start))
	}
	b.StopTimer()
	p50, p99 := percentile(lat, 0.50), percentile(lat, 0.99)
	lib := percentile(libLat, 0.50)
	b.ReportMetric(p50, "p50-us")
	b.ReportMetric(p99, "p99-us")
	b.ReportMetric(lib, "lib-us")
	b.ReportMetric(p50/lib, "x-lib")
}

// percentile of the durations, in microseconds.
func percentile(d []time.Duration, p float64) float64 {
	s := append([]time.Duration(nil), d...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return float64(s[int(p*float64(len(s)-1))].Nanoseconds()) / 1e3
}

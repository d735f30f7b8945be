package validate_test

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	networkingv1 "k8s.io/api/networking/v1"

	"github.com/seed-d040b84d/portcullis/lib/certs"
	"github.com/seed-d040b84d/portcullis/lib/config"
	"github.com/seed-d040b84d/portcullis/lib/validate"
	"github.com/seed-d040b84d/portcullis/lib/world"
	"github.com/seed-d040b84d/portcullis/test/gen"
)

// BenchmarkJudgeClusterTenancy judges every Ingress of a cluster once, as
// the controller does after each change: n Ingresses of hosts
// app-<i>.example.com spread over 10 namespaces. off: with
// allow-cross-namespace-hosts (no tenancy work), the baseline; on: the
// default; wildcard: the same cluster with a platform team's *.example.com,
// older than every app and shared with their namespaces, so every host's
// owner depends on the whole domain;
// wildcard-unbatched: the same without Validator.Batch (each verdict replays
// the domain again, as one admission does). Each reports x-off, its time
// over the baseline's. PORTCULLIS_BENCH_INGRESSES=n sets n (default 2,000).
//
//	go test ./lib/validate -run '^$' -bench BenchmarkJudgeClusterTenancy -benchmem
func BenchmarkJudgeClusterTenancy(b *testing.B) {
	n := 2000
	if s := benchIngresses(); s > 0 {
		n = s
	}
	var baseline float64
	for _, c := range []struct {
		name                     string
		tenancy, wildcard, batch bool
	}{
		{"off", false, false, true},
		{"on", true, false, true},
		{"wildcard", true, true, true},
		{"wildcard-unbatched", true, true, false},
	} {
		b.Run(c.name+"/ingresses="+strconv.Itoa(n), func(b *testing.B) {
			w, ings := tenancyWorld(n, c.wildcard)
			cfg := config.Default()
			cfg.AllowCrossNamespaceHosts = !c.tenancy
			v := validate.New(validate.Options{Config: cfg, Now: func() time.Time { return goldenNow }}, &certs.Cache{})
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				judge := v
				if c.batch {
					judge = v.Batch()
				}
				for _, ing := range ings {
					judge.Ingress(ing, w)
				}
			}
			if !c.tenancy {
				baseline = nsPerOp(b)
			} else if baseline > 0 {
				b.ReportMetric(nsPerOp(b)/baseline, "x-off")
			}
		})
	}
}

func tenancyWorld(n int, wildcard bool) (*world.Static, []*networkingv1.Ingress) {
	w := world.NewStatic()
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var ings []*networkingv1.Ingress
	add := func(ns, name, host string, created time.Time) {
		ing := gen.Ingress(name, gen.InNamespace(ns), gen.Created(created), gen.Host(host), gen.Path("/", "svc", 80))
		ings = append(ings, ing)
		w.Add(ing)
	}
	if wildcard {
		// Created first: whether each host under it is granted depends on
		// whether the wildcard was, and so on every host older than it.
		add("platform", "wildcard", "*.example.com", start.Add(-time.Second))
		w.Add(gen.Namespace("platform", gen.Annotation(config.ShareHostsWithAnnotation, "team-0,team-1,team-2,team-3,team-4,team-5,team-6,team-7,team-8,team-9")))
	}
	for i := range n {
		add(fmt.Sprintf("team-%d", i%10), fmt.Sprintf("app-%d", i), fmt.Sprintf("app-%d.example.com", i), start.Add(time.Duration(i)*time.Second))
	}
	return w, ings
}

// benchIngresses is the first number of PORTCULLIS_BENCH_INGRESSES, 0 when unset.
func benchIngresses() int {
	s, _, _ := strings.Cut(os.Getenv("PORTCULLIS_BENCH_INGRESSES"), ",")
	n, _ := strconv.Atoi(s)
	return n
}

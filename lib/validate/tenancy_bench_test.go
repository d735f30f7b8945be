package validate_test

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/seed-d040b84d/portcullis/lib/world"
)

// BenchmarkJudgeClusterTenancy judges every Ingress of a cluster once, as
// the controller does after each change: n Ingresses of hosts
// app-<i>.example.com spread over 10 namespaces (baseline), and the same
// cluster with a platform team's *.example.com, which makes every host's
// owner depend on the whole domain (wildcard). wildcard reports x-baseline,
// its time over the baseline's. PORTCULLIS_BENCH_INGRESSES=n sets n (default
// 2,000).
//
//	go test ./lib/validate -run '^$' -bench BenchmarkJudgeClusterTenancy -benchmem
func BenchmarkJudgeClusterTenancy(b *testing.B) {
	n := 2000
	if s := benchIngresses(); s > 0 {
		n = s
	}
	var baseline float64
	for _, wildcard := range []bool{false, true} {
		name := "baseline"
		if wildcard {
			name = "wildcard"
		}
		b.Run(name+"/ingresses="+strconv.Itoa(n), func(b *testing.B) {
			w, ings := tenancyWorld(n, wildcard)
			v := benchValidator()
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				judge := v.Batch()
				for _, ing := range ings {
					judge.Ingress(ing, w)
				}
			}
			if !wildcard {
				baseline = nsPerOp(b)
			} else if baseline > 0 {
				b.ReportMetric(nsPerOp(b)/baseline, "x-baseline")
			}
		})
	}
}

func tenancyWorld(n int, wildcard bool) (*world.Static, []*networkingv1.Ingress) {
	w := world.NewStatic()
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var ings []*networkingv1.Ingress
	add := func(ns, name, host string, created time.Time) {
		class := "portcullis"
		ing := &networkingv1.Ingress{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, CreationTimestamp: metav1.NewTime(created)},
			Spec:       networkingv1.IngressSpec{IngressClassName: &class, Rules: []networkingv1.IngressRule{rule(host, "svc")}},
		}
		ings = append(ings, ing)
		w.Add(ing)
	}
	for i := range n {
		add(fmt.Sprintf("team-%d", i%10), fmt.Sprintf("app-%d", i), fmt.Sprintf("app-%d.example.com", i), start.Add(time.Duration(i)*time.Second))
	}
	if wildcard {
		// Created last: whether it is granted depends on every host under it.
		add("platform", "wildcard", "*.example.com", start.Add(time.Duration(n)*time.Second))
	}
	return w, ings
}

// benchIngresses is the first number of PORTCULLIS_BENCH_INGRESSES, 0 when unset.
func benchIngresses() int {
	s, _, _ := strings.Cut(os.Getenv("PORTCULLIS_BENCH_INGRESSES"), ",")
	n, _ := strconv.Atoi(s)
	return n
}

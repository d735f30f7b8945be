package validate_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/seed-d040b84d/portcullis/lib/certs"
	"github.com/seed-d040b84d/portcullis/lib/config"
	"github.com/seed-d040b84d/portcullis/lib/validate"
	"github.com/seed-d040b84d/portcullis/lib/world"
)

// BenchmarkValidateIngress measures one Ingress verdict as the webhook gives
// it, with the secret cache warm (the Secrets carry a resourceVersion):
//
//	go test ./lib/validate -run '^$' -bench BenchmarkValidateIngress -benchmem
//
// typical: 3 hosts in one TLS entry, a leaf→intermediate→root chain, client
// auth with auth-tls-secret; baseline: one host, one path, no TLS and no
// annotations. typical reports x-baseline, its time over the baseline's
// (when both run).
func BenchmarkValidateIngress(b *testing.B) {
	var baselineNsPerOp float64
	b.Run("baseline", func(b *testing.B) {
		v, w, ing := baselineWorld()
		benchIngress(b, v, w, ing)
		baselineNsPerOp = nsPerOp(b)
	})
	b.Run("typical", func(b *testing.B) {
		v, w, ing := typicalWorld(b)
		benchIngress(b, v, w, ing)
		// Without the baseline in this run (-bench .../typical) there is no
		// ratio: testing.Benchmark inside a benchmark deadlocks.
		if baselineNsPerOp > 0 {
			b.ReportMetric(nsPerOp(b)/baselineNsPerOp, "x-baseline")
		}
	})
}

func benchIngress(b *testing.B, v *validate.Validator, w world.Resolver, ing *networkingv1.Ingress) {
	b.Helper()
	// Warm the cache and check that the verdict is the one meant.
	if verdict := v.Ingress(ing, w); !verdict.Ours || !verdict.Findings.Allowed() || len(verdict.Findings.Warnings) > 0 {
		b.Fatalf("the benchmark Ingress must be ours and clean: %+v", verdict.Findings)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		v.Ingress(ing, w)
	}
}

func nsPerOp(b *testing.B) float64 {
	if b.N == 0 {
		return 0
	}
	return float64(b.Elapsed().Nanoseconds()) / float64(b.N)
}

func benchValidator() *validate.Validator {
	return validate.New(validate.Options{
		Config: config.Default(),
		Now:    func() time.Time { return goldenNow },
	}, &certs.Cache{})
}

func prefix() *networkingv1.PathType {
	p := networkingv1.PathTypePrefix
	return &p
}

func rule(host, service string) networkingv1.IngressRule {
	return networkingv1.IngressRule{Host: host, IngressRuleValue: networkingv1.IngressRuleValue{HTTP: &networkingv1.HTTPIngressRuleValue{
		Paths: []networkingv1.HTTPIngressPath{{Path: "/", PathType: prefix(), Backend: networkingv1.IngressBackend{
			Service: &networkingv1.IngressServiceBackend{Name: service, Port: networkingv1.ServiceBackendPort{Number: 80}},
		}}},
	}}}
}

func baselineWorld() (*validate.Validator, world.Resolver, *networkingv1.Ingress) {
	class := validate.DefaultClassName
	ing := &networkingv1.Ingress{
		ObjectMeta: metav1.ObjectMeta{Name: "plain", Namespace: "shop", ResourceVersion: "1"},
		Spec: networkingv1.IngressSpec{
			IngressClassName: &class,
			Rules:            []networkingv1.IngressRule{rule("plain.example.com", "web")},
		},
	}
	w := world.NewStatic()
	w.Add(ing)
	return benchValidator(), w, ing
}

func typicalWorld(b *testing.B) (*validate.Validator, world.Resolver, *networkingv1.Ingress) {
	read := func(name string) []byte {
		data, err := os.ReadFile(filepath.Join("testdata", "certs", name))
		if err != nil {
			b.Fatal(err)
		}
		return data
	}
	tlsSecret := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: "web-tls", Namespace: "shop", ResourceVersion: "101", UID: "u-web-tls"},
		Type:       corev1.SecretTypeTLS,
		Data:       map[string][]byte{"tls.crt": read("web-chain.pem"), "tls.key": read("web.key.pem")},
	}
	caSecret := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: "client-ca", Namespace: "shop", ResourceVersion: "102", UID: "u-client-ca"},
		Type:       validate.SecretTypeNginxCA,
		Data:       map[string][]byte{"ca.crt": read("client-ca.pem")},
	}
	class := validate.DefaultClassName
	hosts := []string{"www.example.com", "api.example.com", "admin.example.com"}
	ing := &networkingv1.Ingress{
		ObjectMeta: metav1.ObjectMeta{
			Name: "web", Namespace: "shop", ResourceVersion: "103",
			Annotations: map[string]string{
				"nginx.ingress.kubernetes.io/auth-tls-secret":                       "shop/client-ca",
				"nginx.ingress.kubernetes.io/auth-tls-verify-client":                "on",
				"nginx.ingress.kubernetes.io/auth-tls-verify-depth":                 "2",
				"nginx.ingress.kubernetes.io/auth-tls-pass-certificate-to-upstream": "true",
				"nginx.ingress.kubernetes.io/ssl-redirect":                          "true",
			},
		},
		Spec: networkingv1.IngressSpec{
			IngressClassName: &class,
			TLS:              []networkingv1.IngressTLS{{Hosts: hosts, SecretName: "web-tls"}},
			Rules:            []networkingv1.IngressRule{rule(hosts[0], "web"), rule(hosts[1], "api"), rule(hosts[2], "admin")},
		},
	}
	w := world.NewStatic()
	w.Add(tlsSecret, caSecret, ing)
	return benchValidator(), w, ing
}

package nginx

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/seed-d040b84d/portcullis/controller/dataplane"
	"github.com/seed-d040b84d/portcullis/lib/certs"
	"github.com/seed-d040b84d/portcullis/lib/config"
	"github.com/seed-d040b84d/portcullis/lib/validate"
	"github.com/seed-d040b84d/portcullis/lib/world"
)

// scaleWorld is a generated cluster of n Ingresses across 20 namespaces,
// each with its own host and its own certificate secret (a distinct leaf
// signed by one CA); every tenth requires client certificates from a shared
// CA secret, and every tenth other one re-encrypts to its backend with
// verification. Backends are on 127.0.0.1:backendPort (testBackends):
// Service "app" of each namespace, or, with servicePerIngress, one Service
// per Ingress ("app-<i>", each its own upstream).
func scaleWorld(b *testing.B, n, backendPort int, servicePerIngress bool) *world.Static {
	b.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		b.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		b.Fatal(err)
	}
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER})
	now := time.Now()
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "scale CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(365 * 24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &key.PublicKey, key)
	if err != nil {
		b.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	caPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER})

	w := world.NewStatic()
	for ns := 0; ns < 20; ns++ {
		name := "team-" + strconv.Itoa(ns)
		w.Add(&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}})
		w.Add(&corev1.Secret{ObjectMeta: scaleMeta(name, "client-ca", 1), Data: map[string][]byte{"ca.crt": caPEM}})
		w.Add(&corev1.Secret{ObjectMeta: scaleMeta(name, "backend-ca", 2), Data: map[string][]byte{"ca.crt": caPEM}})
	}
	class, prefix := "portcullis", networkingv1.PathTypePrefix
	for i := 0; i < n; i++ {
		ns := "team-" + strconv.Itoa(i%20)
		host := fmt.Sprintf("app-%d.scale.example", i)
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(int64(i) + 2), Subject: pkix.Name{CommonName: host},
			DNSNames: []string{host}, NotBefore: now.Add(-time.Hour), NotAfter: now.Add(90 * 24 * time.Hour),
			KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, key)
		if err != nil {
			b.Fatal(err)
		}
		secret := fmt.Sprintf("app-%d-tls", i)
		w.Add(&corev1.Secret{ObjectMeta: scaleMeta(ns, secret, 10+i), Type: corev1.SecretTypeTLS,
			Data: map[string][]byte{"tls.crt": pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), "tls.key": keyPEM}})
		ann := map[string]string{}
		switch i % 10 {
		case 3:
			ann["nginx.ingress.kubernetes.io/auth-tls-secret"] = ns + "/client-ca"
			ann["nginx.ingress.kubernetes.io/auth-tls-verify-client"] = "on"
		case 7:
			ann["nginx.ingress.kubernetes.io/backend-protocol"] = "HTTPS"
			ann["nginx.ingress.kubernetes.io/proxy-ssl-secret"] = ns + "/backend-ca"
			ann["nginx.ingress.kubernetes.io/proxy-ssl-verify"] = "on"
		}
		service := "app"
		if servicePerIngress {
			service = fmt.Sprintf("app-%d", i)
		}
		om := scaleMeta(ns, fmt.Sprintf("app-%d", i), 10+n+i)
		om.Annotations = ann
		w.Add(&networkingv1.Ingress{ObjectMeta: om, Spec: networkingv1.IngressSpec{IngressClassName: &class,
			TLS: []networkingv1.IngressTLS{{Hosts: []string{host}, SecretName: secret}},
			Rules: []networkingv1.IngressRule{{Host: host, IngressRuleValue: networkingv1.IngressRuleValue{
				HTTP: &networkingv1.HTTPIngressRuleValue{Paths: []networkingv1.HTTPIngressPath{{Path: "/", PathType: &prefix,
					Backend: networkingv1.IngressBackend{Service: &networkingv1.IngressServiceBackend{Name: service,
						Port: networkingv1.ServiceBackendPort{Number: int32(backendPort)}}}}}},
			}}}}})
	}
	return w
}

// scaleMeta names an object and gives it a resource version and creation time,
// as an API server would (the certificate cache keys on the version).
func scaleMeta(ns, name string, version int) metav1.ObjectMeta {
	return metav1.ObjectMeta{Namespace: ns, Name: name, ResourceVersion: strconv.Itoa(version),
		UID: types.UID("uid-" + ns + "-" + name), CreationTimestamp: metav1.NewTime(time.Unix(int64(1_700_000_000+version), 0))}
}

// BenchmarkBuildAndRender is one reconcile of a generated cluster: judge
// every Ingress with lib, build the model and render nginx.conf, with the
// certificate cache warm as it is after the first reconcile:
//
//	go test ./controller/nginx -run '^$' -bench BuildAndRender -benchtime 3x
//
// Reported: ns/op, ingresses-per-s and peak-MiB, the process's peak
// resident memory during the timed iterations (the world itself included,
// as the manager's informer caches hold it).
func BenchmarkBuildAndRender(b *testing.B) {
	for _, n := range benchSizes() {
		b.Run("ingresses="+strconv.Itoa(n), func(b *testing.B) {
			w := scaleWorld(b, n, 8080, false)
			cache := &certs.Cache{}
			def, err := dataplane.GenerateDefaultCertificate(time.Now())
			if err != nil {
				b.Fatal(err)
			}
			v := validate.New(validate.Options{Config: config.Default(), AllowMisorderedChains: true}, cache)
			opts := goldenOptions
			reconcile := func() []byte {
				m, err := dataplane.Build(dataplane.Judge(v, w), dataplane.Options{Config: config.Default(), Resolver: w,
					Certs: cache, Backends: testBackends{r: w}, DefaultCertificate: def})
				if err != nil {
					b.Fatal(err)
				}
				if len(m.Servers) < n || len(m.Refused) > 0 {
					b.Fatalf("%d servers and %d refused Ingresses for %d valid Ingresses", len(m.Servers), len(m.Refused), n)
				}
				conf, err := RenderModel(m, opts)
				if err != nil {
					b.Fatal(err)
				}
				return conf
			}
			conf := reconcile() // warms the certificate cache
			runtime.GC()
			resetPeakRSS()
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				conf = reconcile()
			}
			b.StopTimer()
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "ingresses-per-s")
			if peak := peakRSS(); peak > 0 {
				b.ReportMetric(float64(peak)/(1<<20), "peak-MiB")
			}
			b.ReportMetric(float64(len(conf))/(1<<20), "conf-MiB")
		})
	}
}

// resetPeakRSS resets the kernel's record of this process's peak resident
// memory (VmHWM) to the current one.
func resetPeakRSS() { _ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0o600) }

// peakRSS is VmHWM from /proc/self/status in bytes, 0 where it cannot be read.
func peakRSS() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			if err != nil {
				return 0
			}
			return kb << 10
		}
	}
	return 0
}

// benchSizes are the world sizes BenchmarkBuildAndRender runs;
// PORTCULLIS_BENCH_INGRESSES=n,m overrides them.
func benchSizes() []int {
	s := os.Getenv("PORTCULLIS_BENCH_INGRESSES")
	if s == "" {
		return []int{1000, 10000}
	}
	var out []int
	for _, f := range strings.Split(s, ",") {
		if n, err := strconv.Atoi(strings.TrimSpace(f)); err == nil && n > 0 {
			out = append(out, n)
		}
	}
	return out
}

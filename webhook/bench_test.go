package webhook

import (
	"bytes"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	admissionv1 "k8s.io/api/admission/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	"github.com/seed-d040b84d/portcullis/test/certgen"
	"github.com/seed-d040b84d/portcullis/test/goldencases"
)

// BenchmarkAdmissionHTTPS measures admission of a typical Ingress (the seed's
// mTLS Ingress: auth-tls annotations, a CA secret and a certificate chain,
// from lib's golden case mtls-auth-tls) through the real handler behind the
// real HTTPS server, with many concurrent clients sending at a fixed rate of
// 1,000 requests per second (latency counted from when each request was due,
// so a stall is not hidden). A no-op handler on the same server, at the same
// rate, is the baseline:
//
//	go test ./webhook -run '^$' -bench AdmissionHTTPS
//
// Reported: p50-us, p99-us and req/s for the Ingress handler, and x-noop, its
// p99 over the no-op handler's.
func BenchmarkAdmissionHTTPS(b *testing.B) {
	h, body := typicalAdmission(b)
	noop := &admission.Webhook{Handler: admission.HandlerFunc(func(context.Context, admission.Request) admission.Response {
		return admission.Allowed("")
	})}
	url, client := startBenchServer(b, map[string]http.Handler{
		PathValidateIngress: h.Webhooks()[PathValidateIngress],
		"/noop":             noop,
	})
	// Check the verdict once: a benchmark of a denial would measure the wrong thing.
	if err := send(client, url+PathValidateIngress, body, true); err != nil {
		b.Fatal(err)
	}
	warm(b, client, url+PathValidateIngress, body)
	const rate = 1000
	b.ResetTimer()
	ours := paced(b, client, url+PathValidateIngress, body, rate)
	base := paced(b, client, url+"/noop", body, rate)
	b.StopTimer()
	b.ReportMetric(ours.p50, "p50-us")
	b.ReportMetric(ours.p99, "p99-us")
	b.ReportMetric(ours.rate, "req/s")
	b.ReportMetric(ours.p99/base.p99, "x-noop")
	b.ReportMetric(base.p50, "noop-p50-us")
	b.ReportMetric(base.p99, "noop-p99-us")
}

// typicalAdmission returns handlers over the golden case's world and the
// AdmissionReview body for its Ingress.
func typicalAdmission(b *testing.B) (*Handlers, []byte) {
	c, err := goldencases.Load(filepath.Join(goldencases.Dir(), "mtls-auth-tls.in.yaml"))
	if err != nil {
		b.Fatal(err)
	}
	var objs []any
	var ing *networkingv1.Ingress
	for i, o := range c.Objects {
		// Objects from an API server carry a resourceVersion, which is what
		// lib's certificate cache is keyed by.
		o.Meta.SetResourceVersion(strconv.Itoa(100 + i))
		objs = append(objs, o.Typed)
		if i, ok := o.Typed.(*networkingv1.Ingress); ok {
			ing = i
		}
	}
	h := staticHandlers(objs...)
	base := h.Settings.Base
	base.Now = func() time.Time { return goldencases.Now }
	h.Settings.SetBase(base)
	return h, review(b, admissionv1.Create, ingressKind, ing)
}

// startBenchServer serves handlers with the webhook server's TLS settings
// (TLS 1.2+, HTTP/1.1) on loopback and returns its URL and a client that
// trusts it.
func startBenchServer(b *testing.B, handlers map[string]http.Handler) (string, *http.Client) {
	ca, err := certgen.NewCA()
	if err != nil {
		b.Fatal(err)
	}
	leaf, err := ca.NewLeaf(certgen.DNSNames("localhost"))
	if err != nil {
		b.Fatal(err)
	}
	dir := b.TempDir()
	for name, data := range map[string][]byte{"tls.crt": leaf.ChainPEM(), "tls.key": leaf.KeyPEM()} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			b.Fatal(err)
		}
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	_ = l.Close()
	srv := NewServer(ServerOptions{Host: "127.0.0.1", Port: port, CertDir: dir})
	for path, hd := range handlers {
		srv.Register(path, hd)
	}
	ctx, cancel := context.WithCancel(context.Background())
	b.Cleanup(cancel)
	go func() { _ = srv.Start(ctx) }()
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	for deadline := time.Now().Add(10 * time.Second); ; {
		if c, err := net.Dial("tcp", addr); err == nil {
			_ = c.Close()
			break
		}
		if time.Now().After(deadline) {
			b.Fatalf("webhook server did not listen on %s", addr)
		}
		time.Sleep(10 * time.Millisecond)
	}
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		TLSClientConfig:     &tls.Config{RootCAs: ca.Pool(), ServerName: "localhost", MinVersion: tls.VersionTLS12},
		MaxIdleConnsPerHost: 64,
	}}
	b.Cleanup(client.CloseIdleConnections)
	return "https://" + addr, client
}

func send(c *http.Client, url string, body []byte, wantAllowed bool) error {
	resp, err := c.Post(url, "application/json", bytes.NewReader(body))
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("status %d: %s", resp.StatusCode, out)
	}
	if wantAllowed && !bytes.Contains(out, []byte(`"allowed":true`)) {
		return fmt.Errorf("not allowed: %s", out)
	}
	return nil
}

// warm opens the clients' connections (one TLS handshake each) before
// anything is measured.
func warm(b *testing.B, c *http.Client, url string, body []byte) {
	var wg sync.WaitGroup
	for w := 0; w < pacedWorkers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 4; i++ {
				if err := send(c, url, body, false); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
}

// pacedWorkers is the number of concurrent clients.
const pacedWorkers = 64

type latencies struct{ p50, p99, rate float64 }

// paced sends b.N requests, request i due at start + i/rate, from 64
// concurrent clients, and returns latency percentiles in microseconds
// measured from each request's due time, and the rate achieved.
func paced(b *testing.B, c *http.Client, url string, body []byte, rate int) latencies {
	n := b.N
	lat := make([]time.Duration, n)
	var next atomic.Int64
	var failed atomic.Value
	interval := time.Second / time.Duration(rate)
	start := time.Now()
	var wg sync.WaitGroup
	for w := 0; w < pacedWorkers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				due := start.Add(time.Duration(i) * interval)
				time.Sleep(time.Until(due))
				if err := send(c, url, body, false); err != nil {
					failed.Store(err)
				}
				lat[i] = time.Since(due)
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	if err, _ := failed.Load().(error); err != nil {
		b.Fatal(err)
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	pct := func(p float64) float64 {
		return float64(lat[int(p*float64(n-1))].Nanoseconds()) / 1e3
	}
	return latencies{p50: pct(0.50), p99: pct(0.99), rate: float64(n) / elapsed.Seconds()}
}

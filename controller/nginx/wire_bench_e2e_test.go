//go:build e2e

package nginx_test

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/seed-d040b84d/portcullis/controller/dataplane"
	"github.com/seed-d040b84d/portcullis/controller/nginx"
	"github.com/seed-d040b84d/portcullis/lib/certs"
	"github.com/seed-d040b84d/portcullis/lib/config"
	"github.com/seed-d040b84d/portcullis/lib/validate"
	"github.com/seed-d040b84d/portcullis/lib/world"
	"github.com/seed-d040b84d/portcullis/test/certgen"
	"github.com/seed-d040b84d/portcullis/test/harness"
)

// benchHost is the one host both configurations serve.
const benchHost = "bench.example.test"

// wirePair is nginx running portcullis's generated configuration for one
// TLS Ingress, and another nginx running a minimal hand-written TLS
// configuration for the same certificate and backend: the reference.
type wirePair struct {
	generated, reference string // HTTPS addresses
	cfg                  *tls.Config
}

func startWirePair(b *testing.B, static bool) wirePair {
	b.Helper()
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "ok\n")
	}))
	b.Cleanup(backend.Close)
	backendPort := backend.Listener.Addr().(*net.TCPAddr).Port

	ca, err := certgen.NewCA()
	if err != nil {
		b.Fatal(err)
	}
	leaf, err := ca.NewLeaf(certgen.DNSNames(benchHost))
	if err != nil {
		b.Fatal(err)
	}

	// The generated configuration, through lib, the model and the supervisor.
	class, prefix := "portcullis", networkingv1.PathTypePrefix
	w := world.NewStatic()
	w.Add(
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "bench-tls", ResourceVersion: "1"}, Type: corev1.SecretTypeTLS,
			Data: map[string][]byte{"tls.crt": leaf.ChainPEM(), "tls.key": leaf.KeyPEM()}},
		&corev1.Service{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "backend"},
			Spec: corev1.ServiceSpec{Type: corev1.ServiceTypeExternalName, ExternalName: "127.0.0.1"}},
		&networkingv1.Ingress{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "bench", ResourceVersion: "1"},
			Spec: networkingv1.IngressSpec{IngressClassName: &class,
				TLS: []networkingv1.IngressTLS{{Hosts: []string{benchHost}, SecretName: "bench-tls"}},
				Rules: []networkingv1.IngressRule{{Host: benchHost, IngressRuleValue: networkingv1.IngressRuleValue{HTTP: &networkingv1.HTTPIngressRuleValue{
					Paths: []networkingv1.HTTPIngressPath{{Path: "/", PathType: &prefix, Backend: networkingv1.IngressBackend{
						Service: &networkingv1.IngressServiceBackend{Name: "backend", Port: networkingv1.ServiceBackendPort{Number: int32(backendPort)}}}}}}}}}}},
	)
	cache := &certs.Cache{}
	def, err := dataplane.GenerateDefaultCertificate(time.Now())
	if err != nil {
		b.Fatal(err)
	}
	cfg := config.Default()
	cfg.StaticCertificates = static
	m, err := dataplane.Build(dataplane.Judge(validate.New(validate.Options{Config: cfg}, cache), w), dataplane.Options{
		Config: cfg, Resolver: w, Certs: cache, Backends: dataplane.ServiceBackends{Resolver: w}, DefaultCertificate: def})
	if err != nil {
		b.Fatal(err)
	}
	if len(m.Servers) != 1 || m.Servers[0].Reject || m.Servers[0].TLS == nil || m.Servers[0].TLS.Default {
		b.Fatalf("the bench Ingress is not served with its own certificate: %+v", m.Servers)
	}
	genPort, httpPort, statusPort := harness.FreePort(b), harness.FreePort(b), harness.FreePort(b)
	sup, err := nginx.NewSupervisor(nginx.SupervisorConfig{Dir: harness.NginxDir(b), Log: logr.Discard(), Render: nginx.Options{
		Address: "127.0.0.1", HTTPPort: httpPort, HTTPSPort: genPort, StatusAddress: "127.0.0.1:" + strconv.Itoa(statusPort), WorkerProcesses: 1,
	}})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = sup.Stop(ctx)
	})
	if _, err := sup.Apply(context.Background(), m); err != nil {
		b.Fatal(err)
	}

	// The reference: what one would write by hand for the same certificate,
	// with nginx's defaults for everything else.
	refDir := b.TempDir()
	crt, key := filepath.Join(refDir, "tls.crt"), filepath.Join(refDir, "tls.key")
	if err := os.WriteFile(crt, leaf.ChainPEM(), 0o600); err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(key, leaf.KeyPEM(), 0o600); err != nil {
		b.Fatal(err)
	}
	refAddr := "127.0.0.1:" + strconv.Itoa(harness.FreePort(b))
	conf := harness.NginxMain(b, refDir, false) + fmt.Sprintf(`http {
%s
  access_log off;
  upstream backend { server 127.0.0.1:%d; keepalive 32; }
  # nginx 1.22's default protocols stop at TLS 1.2; both sides speak 1.3.
  ssl_protocols TLSv1.2 TLSv1.3;
  server {
    listen %s ssl;
    server_name %s;
    ssl_certificate %s;
    ssl_certificate_key %s;
    location / {
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_pass http://backend;
    }
  }
}
`, harness.HTTPTempPaths(refDir), backendPort, refAddr, benchHost, crt, key)
	harness.StartNginx(b, refDir, conf, refAddr)

	return wirePair{
		generated: "127.0.0.1:" + strconv.Itoa(genPort), reference: refAddr,
		cfg: &tls.Config{ServerName: benchHost, RootCAs: ca.Pool(), MinVersion: tls.VersionTLS12},
	}
}

// parallel runs n calls of f over c goroutines and returns the rate per second.
func parallel(b *testing.B, n, c int, f func() error) float64 {
	var wg sync.WaitGroup
	var mu sync.Mutex
	var failed error
	next := make(chan struct{}, n)
	for i := 0; i < n; i++ {
		next <- struct{}{}
	}
	close(next)
	start := time.Now()
	for i := 0; i < c; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range next {
				if err := f(); err != nil {
					mu.Lock()
					failed = err
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	if failed != nil {
		b.Fatal(failed)
	}
	return float64(n) / time.Since(start).Seconds()
}

// BenchmarkNginxTLSHandshake: TLS handshakes, four clients at once,
// through nginx running portcullis's generated configuration (in each
// certificate mode, ssl-certificate-mode) and through the reference
// configuration, alternating in each iteration; full handshakes (TLS 1.3,
// no session resumption), then resumed ones, each with one request (TLS
// 1.3 hands the session ticket over after the handshake), resuming the
// session of the client's previous connection:
//
//	go test -tags e2e ./controller/nginx -run '^$' -bench NginxTLSHandshake -benchtime 5x
//
// Reported: gen-hs/s, ref-hs/s and x-reference (generated ÷ reference;
// target ≥ 0.95 for static certificates on full handshakes).
func BenchmarkNginxTLSHandshake(b *testing.B) {
	for _, mode := range []string{"dynamic", "static"} {
		b.Run("certificates="+mode, func(b *testing.B) {
			p := startWirePair(b, mode == "static")
			for _, resume := range []bool{false, true} {
				name := "full"
				if resume {
					name = "resumed"
				}
				b.Run(name, func(b *testing.B) { handshakes(b, p, resume) })
			}
		})
	}
}

func handshakes(b *testing.B, p wirePair, resume bool) {
	const perIteration = 400
	var resumed, total atomic.Int64
	handshake := func(addr string) func() error {
		cfg := p.cfg.Clone()
		if resume {
			cfg.ClientSessionCache = tls.NewLRUClientSessionCache(64)
		}
		return func() error {
			c, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", addr, cfg)
			if err != nil {
				return err
			}
			if resume {
				// A TLS 1.3 session ticket comes after the handshake,
				// before the first response: one request, as a client
				// that resumes makes.
				_ = c.SetDeadline(time.Now().Add(5 * time.Second))
				if _, err := io.WriteString(c, "GET / HTTP/1.1\r\nHost: "+benchHost+"\r\nConnection: close\r\n\r\n"); err != nil {
					return err
				}
				reply, err := io.ReadAll(c)
				if err != nil {
					return err
				}
				if !strings.HasPrefix(string(reply), "HTTP/1.1 200 ") {
					return fmt.Errorf("reply %.40q", reply)
				}
			}
			total.Add(1)
			if v := c.ConnectionState().Version; v != tls.VersionTLS13 {
				c.Close()
				return fmt.Errorf("%s negotiated TLS version %x, not 1.3", addr, v)
			}
			if c.ConnectionState().DidResume {
				resumed.Add(1)
			}
			return c.Close()
		}
	}
	var gen, ref float64
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		gen += parallel(b, perIteration, 4, handshake(p.generated))
		ref += parallel(b, perIteration, 4, handshake(p.reference))
	}
	b.StopTimer()
	if resume && resumed.Load() < total.Load()*9/10 {
		b.Fatalf("only %d of %d handshakes resumed a session", resumed.Load(), total.Load())
	}
	if !resume && resumed.Load() > 0 {
		b.Fatalf("%d full handshakes resumed a session", resumed.Load())
	}
	b.ReportMetric(gen/float64(b.N), "gen-hs/s")
	b.ReportMetric(ref/float64(b.N), "ref-hs/s")
	b.ReportMetric(gen/ref, "x-reference")
}

// BenchmarkNginxRequests: keep-alive HTTPS GETs, four clients at once each
// on its own connection, through the generated configuration and through
// the reference, to the same backend, alternating in each iteration:
//
//	go test -tags e2e ./controller/nginx -run '^$' -bench NginxRequests -benchtime 5x
//
// Reported: gen-req/s, ref-req/s and x-reference.
func BenchmarkNginxRequests(b *testing.B) {
	p := startWirePair(b, false)
	const perIteration = 2000
	client := func(addr string) *http.Client {
		return &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{
			TLSClientConfig: p.cfg, MaxIdleConnsPerHost: 4, ForceAttemptHTTP2: false,
			DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
				return (&net.Dialer{}).DialContext(ctx, network, addr)
			},
		}}
	}
	request := func(c *http.Client) func() error {
		return func() error {
			resp, err := c.Get("https://" + benchHost + "/")
			if err != nil {
				return err
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				return fmt.Errorf("status %d", resp.StatusCode)
			}
			return nil
		}
	}
	gc, rc := client(p.generated), client(p.reference)
	defer gc.CloseIdleConnections()
	defer rc.CloseIdleConnections()
	var gen, ref float64
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		gen += parallel(b, perIteration, 4, request(gc))
		ref += parallel(b, perIteration, 4, request(rc))
	}
	b.StopTimer()
	b.ReportMetric(gen/float64(b.N), "gen-req/s")
	b.ReportMetric(ref/float64(b.N), "ref-req/s")
	b.ReportMetric(gen/ref, "x-reference")
}

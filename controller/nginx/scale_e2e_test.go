//go:build e2e

package nginx

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/go-logr/logr"
	networkingv1 "k8s.io/api/networking/v1"

	"github.com/seed-d040b84d/portcullis/controller/dataplane"
	"github.com/seed-d040b84d/portcullis/lib/certs"
	"github.com/seed-d040b84d/portcullis/lib/config"
	"github.com/seed-d040b84d/portcullis/lib/validate"
	"github.com/seed-d040b84d/portcullis/lib/world"
)

// BenchmarkScale runs real nginx for a generated cluster of N Ingresses and
// their N certificate secrets (scaleWorld):
//
//	go test -tags e2e ./controller/nginx -run '^$' -bench Scale
//
// startup-s: from nothing (an empty certificate cache) to the first request
// served over HTTPS: judge every Ingress, build the model, stage every file,
// nginx -t, start nginx and confirm it serves, then one GET. change-s: one
// new Ingress with its own certificate added to the running cluster, to its
// first request served: rebuild, stage, nginx -t, graceful reload, confirm,
// GET.
func BenchmarkScale(b *testing.B) {
	for _, n := range benchSizes() {
		b.Run("ingresses="+strconv.Itoa(n), func(b *testing.B) {
			backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, r.Host) }))
			defer backend.Close()
			w := scaleWorld(b, n+b.N, backend.Listener.Addr().(*net.TCPAddr).Port)
			// The world holds one spare Ingress (and secret) per iteration,
			// left out until its change is timed.
			all := w.Ingresses()
			var startup, change time.Duration
			for i := 0; i < b.N; i++ {
				spare := all[n+i]
				cluster := &withoutIngresses{Static: w, hidden: map[*networkingv1.Ingress]bool{}}
				for _, ing := range all[n:] {
					cluster.hidden[ing] = true
				}
				s, c := scaleRun(b, cluster, spare)
				startup += s
				change += c
			}
			b.ReportMetric(startup.Seconds()/float64(b.N), "startup-s")
			b.ReportMetric(change.Seconds()/float64(b.N), "change-s")
		})
	}
}

// withoutIngresses is a world with some of its Ingresses not (yet) there.
type withoutIngresses struct {
	*world.Static
	hidden map[*networkingv1.Ingress]bool
}

func (w *withoutIngresses) Ingresses() []*networkingv1.Ingress {
	var out []*networkingv1.Ingress
	for _, ing := range w.Static.Ingresses() {
		if !w.hidden[ing] {
			out = append(out, ing)
		}
	}
	return out
}

func (w *withoutIngresses) IngressesWithHost(host string) []*networkingv1.Ingress {
	return w.visible(w.Static.IngressesWithHost(host))
}

func (w *withoutIngresses) IngressesUnder(parent string) []*networkingv1.Ingress {
	return w.visible(w.Static.IngressesUnder(parent))
}

func (w *withoutIngresses) visible(ings []*networkingv1.Ingress) []*networkingv1.Ingress {
	var out []*networkingv1.Ingress
	for _, ing := range ings {
		if !w.hidden[ing] {
			out = append(out, ing)
		}
	}
	return out
}

// scaleRun times one cold start and one change; nginx is stopped after.
func scaleRun(b *testing.B, w *withoutIngresses, spare *networkingv1.Ingress) (startup, change time.Duration) {
	b.Helper()
	ports := make([]int, 3)
	for i := range ports {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			b.Fatal(err)
		}
		ports[i] = l.Addr().(*net.TCPAddr).Port
		l.Close()
	}
	httpsPort := ports[1]
	sup, err := NewSupervisor(SupervisorConfig{Dir: filepath.Join(b.TempDir(), "state"), Log: logr.Discard(), ConfirmTimeout: 2 * time.Minute,
		Render: Options{Address: "127.0.0.1", HTTPPort: ports[0], HTTPSPort: httpsPort, StatusAddress: "127.0.0.1:" + strconv.Itoa(ports[2])}})
	if err != nil {
		b.Fatal(err)
	}
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		_ = sup.Stop(ctx)
	}()
	def, err := dataplane.GenerateDefaultCertificate(time.Now())
	if err != nil {
		b.Fatal(err)
	}
	cache := &certs.Cache{}
	v := validate.New(validate.Options{Config: config.Default(), AllowMisorderedChains: true}, cache)
	apply := func() {
		m, err := dataplane.Build(dataplane.Judge(v, w), dataplane.Options{Config: config.Default(), Resolver: w,
			Certs: cache, Backends: testBackends{r: w}, DefaultCertificate: def})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := sup.Apply(context.Background(), m); err != nil {
			b.Fatal(err)
		}
	}
	// Hosts i%10 == 0 are plain TLS to the HTTP backend (scaleWorld).
	first := w.Ingresses()[0].Spec.Rules[0].Host
	startAt := time.Now()
	apply()
	served(b, httpsPort, first)
	startup = time.Since(startAt)

	delete(w.hidden, spare)
	changeAt := time.Now()
	apply()
	applied := time.Since(changeAt)
	served(b, httpsPort, spare.Spec.Rules[0].Host)
	change = time.Since(changeAt)
	b.Logf("change: applied in %v, served after %v", applied, change)
	return startup, change
}

// served waits until host answers a GET over HTTPS on nginx's port with its
// own certificate and the backend's reply.
func served(b *testing.B, port int, host string) {
	b.Helper()
	c := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		DisableKeepAlives: true,
		// The scale world's CA is not kept; the certificate is checked by name.
		TLSClientConfig: &tls.Config{ServerName: host, InsecureSkipVerify: true, MinVersion: tls.VersionTLS12,
			VerifyConnection: func(cs tls.ConnectionState) error {
				if len(cs.PeerCertificates) == 0 || cs.PeerCertificates[0].Subject.CommonName != host {
					return fmt.Errorf("served another certificate than %s's", host)
				}
				return nil
			}},
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, network, "127.0.0.1:"+strconv.Itoa(port))
		},
	}}
	deadline := time.Now().Add(time.Minute)
	var last error
	for time.Now().Before(deadline) {
		resp, err := c.Get("https://" + host + "/")
		if err == nil {
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK && string(body) == host {
				return
			}
			err = fmt.Errorf("status %d: %s", resp.StatusCode, body)
		}
		last = err
		time.Sleep(10 * time.Millisecond)
	}
	b.Fatalf("%s not served within a minute: %v", host, last)
}

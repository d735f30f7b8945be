//go:build e2e

package nginx

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
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
// their N certificate secrets (scaleWorld), in each certificate mode
// (ssl-certificate-mode), with one Service per namespace (hosts of a
// namespace and kind share a server block) and, with dynamic
// certificates, one Service per Ingress (a server block per host):
//
//	go test -tags e2e ./controller/nginx -run '^$' -bench Scale
//
// startup-s: from nothing (an empty certificate cache) to the first request
// served over HTTPS: judge every Ingress, build the model, stage every file,
// nginx -t, start nginx and confirm it serves, then one GET. change-s: one
// new Ingress with its own certificate added to the running cluster, to its
// first request served: rebuild, stage, graceful reload (the master's
// verdict), confirm, GET. nginx-rss-MiB: the most the master and its
// workers held together (the sum of their resident sets, shared pages
// counted in each) while that change was served, the previous generation's
// workers included; nginx-pss-MiB the same with shared pages counted once. rotate-s: a host's secret renewed with the same key, to
// the first handshake with the new serial: rebuild, replace the file (no
// reload, with dynamic certificates), handshake; dropped: requests to that
// host that failed meanwhile, from a client looping over new connections.
func BenchmarkScale(b *testing.B) {
	for _, n := range benchSizes() {
		for _, v := range []struct {
			mode     string
			services string
		}{{"dynamic", "per-namespace"}, {"static", "per-namespace"}, {"dynamic", "per-ingress"}} {
			b.Run("ingresses="+strconv.Itoa(n)+"/certificates="+v.mode+"/services="+v.services, func(b *testing.B) {
				backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, r.Host) }))
				defer backend.Close()
				w := scaleWorld(b, n+b.N, backend.Listener.Addr().(*net.TCPAddr).Port, v.services == "per-ingress")
				// The world holds one spare Ingress (and secret) per iteration,
				// left out until its change is timed.
				all := w.Ingresses()
				var sum scaleFigures
				for i := 0; i < b.N; i++ {
					spare := all[n+i]
					cluster := &withoutIngresses{Static: w, hidden: map[*networkingv1.Ingress]bool{}}
					for _, ing := range all[n:] {
						cluster.hidden[ing] = true
					}
					f := scaleRun(b, cluster, spare, v.mode == "static")
					sum.startup += f.startup
					sum.change += f.change
					sum.rotate += f.rotate
					sum.rss, sum.pss = max(sum.rss, f.rss), max(sum.pss, f.pss)
					sum.dropped += f.dropped
				}
				b.ReportMetric(sum.startup.Seconds()/float64(b.N), "startup-s")
				b.ReportMetric(sum.change.Seconds()/float64(b.N), "change-s")
				b.ReportMetric(sum.rotate.Seconds()/float64(b.N), "rotate-s")
				b.ReportMetric(float64(sum.rss)/(1<<20), "nginx-rss-MiB")
				b.ReportMetric(float64(sum.pss)/(1<<20), "nginx-pss-MiB")
				b.ReportMetric(float64(sum.dropped), "dropped")
			})
		}
	}
}

type scaleFigures struct {
	startup, change, rotate time.Duration
	rss, pss                int64
	dropped                 int
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

// scaleRun times one cold start, one change and one certificate renewal;
// nginx is stopped after.
func scaleRun(b *testing.B, w *withoutIngresses, spare *networkingv1.Ingress, static bool) (f scaleFigures) {
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
	sup, err := NewSupervisor(SupervisorConfig{Dir: stateDir(b), Log: logr.Discard(), ConfirmTimeout: 2 * time.Minute,
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
	cfg := config.Default()
	cfg.StaticCertificates = static
	v := validate.New(validate.Options{Config: cfg, AllowMisorderedChains: true}, cache)
	apply := func() bool {
		m, err := dataplane.Build(dataplane.Judge(v, w), dataplane.Options{Config: cfg, Resolver: w,
			Certs: cache, Backends: testBackends{r: w}, DefaultCertificate: def})
		if err != nil {
			b.Fatal(err)
		}
		reloaded, err := sup.Apply(context.Background(), m)
		if err != nil {
			b.Fatal(err)
		}
		return reloaded
	}
	// Hosts i%10 == 0 are plain TLS to the HTTP backend (scaleWorld).
	first := w.Ingresses()[0].Spec.Rules[0].Host
	startAt := time.Now()
	apply()
	served(b, httpsPort, first)
	f.startup = time.Since(startAt)

	delete(w.hidden, spare)
	sampling := sampleMemory(sup)
	changeAt := time.Now()
	apply()
	applied := time.Since(changeAt)
	served(b, httpsPort, spare.Spec.Rules[0].Host)
	f.change = time.Since(changeAt)
	f.rss, f.pss = sampling()
	b.Logf("change: applied in %v, served after %v", applied, f.change)

	// A renewal of the first host's certificate with the same key, while a
	// client keeps connecting to it.
	serial := renewScaleCertificate(b, w.Static, w.Ingresses()[0])
	stop, dropped := keepConnecting(httpsPort, first)
	rotateAt := time.Now()
	reloaded := apply()
	for servedSerial(b, httpsPort, first, nil) != serial.String() {
		if time.Since(rotateAt) > time.Minute {
			b.Fatalf("%s: the renewed certificate was not served within a minute", first)
		}
		time.Sleep(5 * time.Millisecond)
	}
	f.rotate = time.Since(rotateAt)
	stop()
	f.dropped = int(dropped.Load())
	if reloaded != static {
		b.Fatalf("a renewal with the same key reloaded: %v (static certificates: %v)", reloaded, static)
	}
	return f
}

// sampleMemory samples the memory of nginx's master and workers every
// 100 ms (reading smaps_rollup walks the process's pages) until the returned function is called, which returns the largest
// sums seen of their resident sets and of their proportional sets.
func sampleMemory(sup *Supervisor) func() (rss, pss int64) {
	sup.mu.Lock()
	pid := sup.cmd.Process.Pid
	sup.mu.Unlock()
	done := make(chan [2]int64)
	stop := make(chan struct{})
	go func() {
		var peak [2]int64
		for {
			peak[0] = max(peak[0], treeMemory(pid, "status", "VmRSS:"))
			peak[1] = max(peak[1], treeMemory(pid, "smaps_rollup", "Pss:"))
			select {
			case <-stop:
				done <- peak
				return
			case <-time.After(100 * time.Millisecond):
			}
		}
	}()
	return func() (int64, int64) {
		close(stop)
		p := <-done
		return p[0], p[1]
	}
}

// treeMemory is the sum of a memory field of pid and its children, bytes:
// "VmRSS:" of status (shared pages counted in each process), or "Pss:" of
// smaps_rollup (shared pages divided among those sharing them).
func treeMemory(pid int, file, field string) int64 {
	pids := []string{strconv.Itoa(pid)}
	if children, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/children", pid, pid)); err == nil {
		pids = append(pids, strings.Fields(string(children))...)
	}
	var sum int64
	for _, p := range pids {
		status, err := os.ReadFile("/proc/" + p + "/" + file)
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(status), "\n") {
			if v, ok := strings.CutPrefix(line, field); ok {
				kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
				sum += kb << 10
			}
		}
	}
	return sum
}

// renewScaleCertificate replaces the secret of ing's host with a new
// certificate (a new serial) for the same key, signed by the same CA, as
// cert-manager renews with rotationPolicy Never; it returns the serial.
func renewScaleCertificate(b *testing.B, w *world.Static, ing *networkingv1.Ingress) *big.Int {
	b.Helper()
	sec, ok := w.Secret(ing.Namespace, ing.Spec.TLS[0].SecretName)
	if !ok {
		b.Fatal("no secret")
	}
	// scaleWorld signs with the CA's own key.
	block, _ := pem.Decode(sec.Data["tls.key"])
	key, err := x509.ParseECPrivateKey(block.Bytes)
	if err != nil {
		b.Fatal(err)
	}
	old, _ := pem.Decode(sec.Data["tls.crt"])
	leaf, err := x509.ParseCertificate(old.Bytes)
	if err != nil {
		b.Fatal(err)
	}
	caSec, _ := w.Secret(ing.Namespace, "client-ca")
	caBlock, _ := pem.Decode(caSec.Data["ca.crt"])
	ca, err := x509.ParseCertificate(caBlock.Bytes)
	if err != nil {
		b.Fatal(err)
	}
	tmpl := *leaf
	tmpl.SerialNumber = new(big.Int).Add(leaf.SerialNumber, big.NewInt(1_000_000_000))
	der, err := x509.CreateCertificate(rand.Reader, &tmpl, ca, &key.PublicKey, key)
	if err != nil {
		b.Fatal(err)
	}
	renewed := sec.DeepCopy()
	renewed.ResourceVersion += "-renewed"
	renewed.Data["tls.crt"] = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	w.Add(renewed)
	return tmpl.SerialNumber
}

// keepConnecting sends requests for host, each on a new TLS connection,
// until stop is called; dropped counts those that failed.
func keepConnecting(port int, host string) (stop func(), dropped *atomic.Int64) {
	dropped = &atomic.Int64{}
	quit, done := make(chan struct{}), make(chan struct{})
	c := scaleClient(port, host)
	go func() {
		defer close(done)
		for {
			select {
			case <-quit:
				return
			default:
			}
			resp, err := c.Get("https://" + host + "/")
			if err == nil {
				_, err = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if err == nil && resp.StatusCode != http.StatusOK {
					err = fmt.Errorf("status %d", resp.StatusCode)
				}
			}
			if err != nil {
				dropped.Add(1)
			}
		}
	}()
	return func() { close(quit); <-done }, dropped
}

// served waits until host answers a GET over HTTPS on nginx's port with its
// own certificate and the backend's reply.
func served(b *testing.B, port int, host string) {
	b.Helper()
	c := scaleClient(port, host)
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

// scaleClient connects to nginx's HTTPS port, a new connection per
// request, and accepts host's own certificate only.
func scaleClient(port int, host string) *http.Client {
	return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
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
}

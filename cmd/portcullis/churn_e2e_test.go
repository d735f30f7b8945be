//go:build e2e

package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"

	"github.com/seed-d040b84d/portcullis/test/certgen"
	"github.com/seed-d040b84d/portcullis/test/gen"
)

// Churn's size: Ingresses (each with its own Secret) created, updated and
// deleted while the stable hosts serve.
const (
	churnIngresses = 500
	stableHosts    = 20
	churnWorkers   = 8
)

// TestChurnKeepsStableHostsServing creates, updates and deletes 500
// Ingresses and their Secrets while clients keep 20 stable TLS hosts busy
// over keep-alive connections: no request to a stable host fails, through
// every reload; afterwards the manager's goroutines are those it started
// with (goleak), and its heap is back near where it was before the churn.
func TestChurnKeepsStableHostsServing(t *testing.T) {
	api := testAPI(t)
	ignore := goleak.IgnoreCurrent()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	echoSrv := quietServer(echo("echo"))
	echoSrv.Start()
	defer echoSrv.Close()
	f := nginxFlags(t)
	w := &wire{ctx: ctx, c: api.Client, httpPort: f.httpPort, httpsPort: f.nginxHTTPSPort, nginxDir: f.nginxDir,
		echoPort: echoSrv.Listener.Addr().(*net.TCPAddr).Port}
	const ns = "churn"
	w.namespace(t, ns)

	ca := w.newCA(t, "churn CA")
	wildcard := leaf(t, ca, "*.churn.test", certgen.DNSNames("*.churn.test"))
	w.create(t, gen.TLSSecret("stable-tls", wildcard, gen.InNamespace(ns)), gen.ExternalName("backend", "localhost", gen.InNamespace(ns)))
	for i := 0; i < stableHosts; i++ {
		w.create(t, gen.Ingress(fmt.Sprintf("stable-%d", i), gen.InNamespace(ns), gen.Host(fmt.Sprintf("stable-%d.churn.test", i)),
			gen.TLS("stable-tls"), gen.Path("/", "backend", int32(w.echoPort))))
	}
	done := managerRunning(ctx, t, api.Config, f)
	stopped := false
	defer func() {
		if !stopped {
			stopsCleanly(t, cancel, done)
		}
	}()
	probe := w.client(trusting(ca, nil))
	for i := 0; i < stableHosts; i++ {
		w.await(t, probe, w.https(fmt.Sprintf("stable-%d.churn.test", i), "/"), http.StatusOK, nil)
	}
	w.settled(t)
	heapBefore := heapInUse()

	// Clients on keep-alive connections, round-robin over the stable hosts.
	var requests, failures atomic.Int64
	var firstFailure atomic.Value
	stop := make(chan struct{})
	var clients sync.WaitGroup
	for c := 0; c < 4; c++ {
		clients.Add(1)
		go func(c int) {
			defer clients.Done()
			hc := keepAliveClient(w.httpsPort, ca)
			defer hc.CloseIdleConnections()
			for i := c; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				host := fmt.Sprintf("stable-%d.churn.test", i%stableHosts)
				requests.Add(1)
				if err := getOK(hc, w.https(host, "/")); err != nil {
					failures.Add(1)
					firstFailure.CompareAndSwap(nil, fmt.Sprintf("%s: %v", host, err))
				}
			}
		}(c)
	}

	// The churn: each worker creates, updates and deletes its share.
	start := time.Now()
	var churn sync.WaitGroup
	errs := make(chan error, churnWorkers)
	for k := 0; k < churnWorkers; k++ {
		churn.Add(1)
		go func(k int) {
			defer churn.Done()
			for i := k; i < churnIngresses; i += churnWorkers {
				if err := churnOne(ctx, w.c, ns, i, wildcard); err != nil {
					errs <- err
					return
				}
			}
		}(k)
	}
	churn.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	churned := time.Since(start)
	eventually(t, "nginx still serves churned hosts", func() string {
		conf, err := os.ReadFile(filepath.Join(w.nginxDir, "nginx.conf"))
		if err != nil {
			return err.Error()
		}
		if bytes.Contains(conf, []byte(`"churn-`)) {
			return "nginx.conf still names churned hosts"
		}
		return ""
	})
	w.settled(t)
	close(stop)
	clients.Wait()

	t.Logf("churn of %d Ingresses took %v; %d requests to stable hosts meanwhile", churnIngresses, churned, requests.Load())
	assert.Positive(t, requests.Load())
	assert.Zero(t, failures.Load(), "requests to stable hosts failed during the churn; first: %v", firstFailure.Load())
	var left networkingv1.IngressList
	require.NoError(t, w.c.List(ctx, &left, client.InNamespace(ns)))
	assert.Len(t, left.Items, stableHosts, "the churned Ingresses are gone")

	// Memory back near the baseline: deleted Secrets leave the certificate
	// cache, deleted Ingresses the model.
	heapAfter := heapInUse()
	t.Logf("heap in use: %d MiB before the churn, %d MiB after", heapBefore>>20, heapAfter>>20)
	assert.Less(t, heapAfter, heapBefore+heapBefore/2+16<<20, "the heap grew by the churn and stayed grown")

	// Nothing the controller published during the churn carries key
	// material: the events on the Ingresses, and every metric.
	published := eventsText(ctx, t, w.c) + metricsText(t)
	assert.Contains(t, published, "Programmed", "the sweep sees the controller's events")
	assert.Contains(t, published, "portcullis_nginx_reloads_total", "the sweep sees the controller's metrics")
	for _, marker := range keyMarkers(t, wildcard.KeyPEM()) {
		assert.NotContains(t, published, marker, "private key material in an event or a metric")
	}

	stopsCleanly(t, cancel, done)
	stopped = true
	probe.CloseIdleConnections()
	echoSrv.Close()
	goleak.VerifyNone(t, ignore)
}

// churnOne creates an Ingress and its Secret, updates the Ingress, then
// deletes both.
func churnOne(ctx context.Context, c client.Client, ns string, i int, cert *certgen.Cert) error {
	name, host := fmt.Sprintf("churn-%d", i), fmt.Sprintf("churn-%d.churn.test", i)
	sec := gen.TLSSecret(name, cert, gen.InNamespace(ns))
	ing := gen.Ingress(name, gen.InNamespace(ns), gen.Host(host), gen.TLS(name), gen.Path("/", "backend", 8080))
	if err := c.Create(ctx, sec); err != nil {
		return fmt.Errorf("create secret %s: %w", name, err)
	}
	if err := c.Create(ctx, ing); err != nil {
		return fmt.Errorf("create ingress %s: %w", name, err)
	}
	ing.Annotations = map[string]string{ingressNginx + "hsts-max-age": "600"}
	if err := c.Update(ctx, ing); err != nil {
		return fmt.Errorf("update ingress %s: %w", name, err)
	}
	if err := c.Delete(ctx, ing); err != nil {
		return fmt.Errorf("delete ingress %s: %w", name, err)
	}
	if err := c.Delete(ctx, sec); err != nil {
		return fmt.Errorf("delete secret %s: %w", name, err)
	}
	return nil
}

// keepAliveClient speaks HTTPS to nginx's loopback port over kept-alive
// connections, trusting ca.
func keepAliveClient(port int, ca *certgen.Cert) *http.Client {
	dialer := &net.Dialer{Timeout: 2 * time.Second}
	return &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{
		TLSClientConfig:     &tls.Config{RootCAs: ca.Pool(), MinVersion: tls.VersionTLS12},
		MaxIdleConnsPerHost: 2,
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return dialer.DialContext(ctx, network, "127.0.0.1:"+strconv.Itoa(port))
		},
	}}
}

func getOK(c *http.Client, url string) error {
	resp, err := c.Get(url)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("status %d", resp.StatusCode)
	}
	return nil
}

// heapInUse is the heap in use after a full collection.
func heapInUse() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse
}

// eventsText is every event in the cluster, both APIs, as text.
func eventsText(ctx context.Context, t *testing.T, c client.Client) string {
	t.Helper()
	var b strings.Builder
	var core corev1.EventList
	require.NoError(t, c.List(ctx, &core))
	for _, e := range core.Items {
		fmt.Fprintf(&b, "%s %s %s %s\n", e.InvolvedObject.Name, e.Reason, e.Message, e.Annotations)
	}
	var evs eventsv1.EventList
	require.NoError(t, c.List(ctx, &evs))
	for _, e := range evs.Items {
		fmt.Fprintf(&b, "%s %s %s %s\n", e.Regarding.Name, e.Reason, e.Note, e.Annotations)
	}
	return b.String()
}

// metricsText is every metric of the manager's registry, names, labels and
// values, as text.
func metricsText(t *testing.T) string {
	t.Helper()
	families, err := ctrlmetrics.Registry.Gather()
	require.NoError(t, err)
	var b strings.Builder
	for _, f := range families {
		for _, m := range f.GetMetric() {
			fmt.Fprintf(&b, "%s %v\n", f.GetName(), m.String())
		}
	}
	return b.String()
}

// keyMarkers are what a leaked private key would look like in text: the PEM
// header (plain and base64-encoded, as in a Secret's data) and a stretch of
// the key's own DER, in base64 and in hex.
func keyMarkers(t *testing.T, keyPEM []byte) []string {
	t.Helper()
	block, _ := pem.Decode(keyPEM)
	require.NotNil(t, block)
	require.Greater(t, len(block.Bytes), 48)
	body := block.Bytes[15:33]
	return []string{"PRIVATE KEY", "LS0tLS1CRUdJTi", base64.StdEncoding.EncodeToString(body), hex.EncodeToString(body)}
}

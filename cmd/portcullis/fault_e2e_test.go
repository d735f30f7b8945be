//go:build e2e

package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"

	"github.com/seed-d040b84d/portcullis/test/certgen"
	"github.com/seed-d040b84d/portcullis/test/harness"
)

// faultRig is a manager running the controller with real nginx against its
// own API server, serving one TLS host from a backend.
type faultRig struct {
	*wire
	api    *harness.API
	cancel context.CancelFunc
	done   <-chan error
	host   string
	ca     *certgen.Cert
}

func startFaultRig(t *testing.T, backend http.Handler) *faultRig {
	t.Helper()
	api := testAPI(t)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	srv := quietServer(backend)
	srv.Start()
	t.Cleanup(srv.Close)
	f := testFlags(t, "controller", 0)
	f.nginx, f.nginxDir, f.nginxAddress = true, t.TempDir(), "127.0.0.1"
	f.httpPort, f.nginxHTTPSPort = harness.FreePort(t), harness.FreePort(t)
	f.nginxStatus = "127.0.0.1:" + strconv.Itoa(harness.FreePort(t))
	w := &wire{ctx: ctx, c: api.Client, httpPort: f.httpPort, httpsPort: f.nginxHTTPSPort, nginxDir: f.nginxDir,
		echoPort: srv.Listener.Addr().(*net.TCPAddr).Port}
	const ns, host = "faults", "app.faults.test"
	w.namespace(t, ns)
	ca := w.newCA(t, "faults CA")
	w.create(t, tlsSecret(ns, "tls", leaf(t, ca, host, certgen.DNSNames(host))), externalName(ns, "backend"),
		newIngress(ns, "app", host, withTLS("tls"), route("/", "backend", w.echoPort)))
	done := managerRunning(ctx, t, api.Config, f)
	r := &faultRig{wire: w, api: api, cancel: cancel, done: done, host: host, ca: ca}
	w.await(t, w.client(trusting(ca, nil)), w.https(host, "/"), http.StatusOK, nil)
	w.settled(t)
	return r
}

// TestDataPlaneOutlivesTheAPIServer: with the API server gone, nginx keeps
// serving the last configuration, every request answered, and the manager
// keeps running; it still stops cleanly.
func TestDataPlaneOutlivesTheAPIServer(t *testing.T) {
	r := startFaultRig(t, echo("backend"))
	// The API server dies (SIGKILL: a crash, not a graceful shutdown that
	// waits for the manager's watches to end).
	killed := 0
	for _, pid := range descendants(os.Getpid()) {
		if processName(pid) == "kube-apiserver" {
			require.NoError(t, syscall.Kill(pid, syscall.SIGKILL))
			killed++
		}
	}
	require.Equal(t, 1, killed, "this test's kube-apiserver")
	err := r.c.List(r.ctx, &corev1.NamespaceList{})
	require.Error(t, err, "the API server still answers")

	c := r.client(trusting(r.ca, nil))
	deadline := time.Now().Add(5 * time.Second)
	served := 0
	for time.Now().Before(deadline) {
		reply := r.must(t, c, r.https(r.host, "/"), nil)
		require.Equal(t, http.StatusOK, reply.status, "request %d with the API server down: %s", served, reply)
		served++
		time.Sleep(50 * time.Millisecond)
	}
	select {
	case err := <-r.done:
		t.Fatalf("the manager stopped when the API server went away: %v", err)
	default:
	}
	t.Logf("%d requests served with the API server down", served)
	stopsCleanly(t, r.cancel, r.done)
}

// TestStopDrainsInFlightRequests: stopping the manager (SIGTERM in
// `portcullis manager`) lets a request already at the backend finish with
// its answer, then nginx is gone: new connections are refused.
func TestStopDrainsInFlightRequests(t *testing.T) {
	release := make(chan struct{})
	arrived := make(chan struct{}, 1)
	r := startFaultRig(t, http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.URL.Path == "/slow" {
			arrived <- struct{}{}
			<-release
		}
		io.WriteString(w, "answered "+req.URL.Path)
	}))

	c := r.client(trusting(r.ca, nil))
	type result struct {
		reply reply
		err   error
	}
	inflight := make(chan result, 1)
	go func() {
		rep, err := r.get(c, r.https(r.host, "/slow"), nil)
		inflight <- result{rep, err}
	}()
	select {
	case <-arrived:
	case <-time.After(10 * time.Second):
		t.Fatal("the slow request never reached the backend")
	}

	r.cancel() // what SIGTERM does to `portcullis manager`
	time.Sleep(300 * time.Millisecond)
	close(release)
	res := <-inflight
	require.NoError(t, res.err, "the in-flight request was cut")
	assert.Equal(t, http.StatusOK, res.reply.status)
	assert.Equal(t, "answered /slow", res.reply.body)

	select {
	case err := <-r.done:
		require.NoError(t, err)
	case <-time.After(60 * time.Second):
		t.Fatal("the manager did not stop within 60s")
	}
	_, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", r.httpsPort), time.Second)
	assert.Error(t, err, "nginx still listens after the manager stopped")
}

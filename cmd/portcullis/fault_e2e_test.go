//go:build e2e

package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/rest"

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
	return startFaultRigVia(t, backend, nil)
}

// startFaultRigVia is startFaultRig with the manager reaching the API server
// at the address via returns for the API server's (nil: directly).
func startFaultRigVia(t *testing.T, backend http.Handler, via func(apiAddr string) string) *faultRig {
	t.Helper()
	api := testAPI(t)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	srv := quietServer(backend)
	srv.Start()
	t.Cleanup(srv.Close)
	f := nginxFlags(t)
	w := &wire{ctx: ctx, c: api.Client, httpPort: f.httpPort, httpsPort: f.nginxHTTPSPort, nginxDir: f.nginxDir,
		echoPort: srv.Listener.Addr().(*net.TCPAddr).Port}
	const ns, host = "faults", "app.faults.test"
	w.namespace(t, ns)
	ca := w.newCA(t, "faults CA")
	w.create(t, tlsSecret(ns, "tls", leaf(t, ca, host, certgen.DNSNames(host))), externalName(ns, "backend"),
		newIngress(ns, "app", host, withTLS("tls"), route("/", "backend", w.echoPort)))
	cfg := api.Config
	if via != nil {
		cfg = rest.CopyConfig(api.Config)
		u, err := url.Parse(cfg.Host)
		require.NoError(t, err)
		u.Host = via(u.Host)
		cfg.Host = u.String()
	}
	done := managerRunning(ctx, t, cfg, f)
	r := &faultRig{wire: w, api: api, cancel: cancel, done: done, host: host, ca: ca}
	w.await(t, w.client(trusting(ca, nil)), w.https(host, "/"), http.StatusOK, nil)
	w.settled(t)
	return r
}

// servesThroughout GETs the rig's host every interval for d: every request
// must be answered 200, and the manager must still be running after.
func (r *faultRig) servesThroughout(t *testing.T, d, interval time.Duration, when string) {
	t.Helper()
	c := r.client(trusting(r.ca, nil))
	deadline := time.Now().Add(d)
	served := 0
	for time.Now().Before(deadline) {
		reply := r.must(t, c, r.https(r.host, "/"), nil)
		require.Equal(t, http.StatusOK, reply.status, "request %d %s: %s", served, when, reply)
		served++
		time.Sleep(interval)
	}
	t.Logf("%d requests served %s", served, when)
	select {
	case err := <-r.done:
		t.Fatalf("the manager stopped %s: %v", when, err)
	default:
	}
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

	r.servesThroughout(t, 5*time.Second, 50*time.Millisecond, "with the API server down")
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
	// Released at the latest when the test ends: the test server's Close
	// waits for the held request.
	releaseBackend := sync.OnceFunc(func() { close(release) })
	t.Cleanup(releaseBackend)

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
	// nginx has begun its graceful shutdown once it closes its listening
	// sockets: from then on new connections are refused while the request
	// at the backend is still held.
	httpsAddr := fmt.Sprintf("127.0.0.1:%d", r.httpsPort)
	require.Eventually(t, func() bool {
		c, err := net.DialTimeout("tcp", httpsAddr, time.Second)
		if err == nil {
			_ = c.Close()
		}
		return err != nil
	}, 30*time.Second, 20*time.Millisecond, "nginx never began shutting down")
	select {
	case res := <-inflight:
		t.Fatalf("the in-flight request was cut when nginx began shutting down: %v %v", res.err, res.reply)
	default:
	}
	releaseBackend()
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
	_, err := net.DialTimeout("tcp", httpsAddr, time.Second)
	assert.Error(t, err, "nginx still listens after the manager stopped")
}

// relay forwards TCP connections from a loopback port to the API server;
// cut closes the port and every connection through it (the API server is
// unreachable), restore listens on the same port again.
type relay struct {
	target string
	addr   string
	mu     sync.Mutex
	l      net.Listener
	conns  map[net.Conn]struct{}
}

func newRelay(t *testing.T, target string) *relay {
	r := &relay{target: target, addr: "127.0.0.1:" + strconv.Itoa(harness.FreePort(t)), conns: map[net.Conn]struct{}{}}
	require.NoError(t, r.restore())
	t.Cleanup(r.cut)
	return r
}

func (r *relay) restore() error {
	l, err := net.Listen("tcp", r.addr)
	if err != nil {
		return err
	}
	r.mu.Lock()
	r.l = l
	r.mu.Unlock()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			up, err := net.Dial("tcp", r.target)
			if err != nil {
				c.Close()
				continue
			}
			r.mu.Lock()
			r.conns[c], r.conns[up] = struct{}{}, struct{}{}
			r.mu.Unlock()
			go func() { _, _ = io.Copy(up, c); up.Close() }()
			go func() { _, _ = io.Copy(c, up); c.Close() }()
		}
	}()
	return nil
}

func (r *relay) cut() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.l != nil {
		r.l.Close()
		r.l = nil
	}
	for c := range r.conns {
		c.Close()
		delete(r.conns, c)
	}
}

// TestDataPlaneRidesOutAnAPIServerOutage: the API server unreachable for
// 30 s: nginx keeps serving the last configuration, every request answered;
// when it is back, the controller resynchronizes and serves an Ingress
// created during the outage.
func TestDataPlaneRidesOutAnAPIServerOutage(t *testing.T) {
	var rl *relay
	r := startFaultRigVia(t, echo("backend"), func(apiAddr string) string {
		rl = newRelay(t, apiAddr)
		return rl.addr
	})
	rl.cut()
	// Created directly (the test's client does not go through the relay):
	// the manager cannot see it until the API server is back.
	const later = "later.faults.test"
	r.create(t, newIngress("faults", "later", later, withTLS("tls-later"), route("/", "backend", r.echoPort)),
		tlsSecret("faults", "tls-later", leaf(t, r.ca, later, certgen.DNSNames(later))))

	r.servesThroughout(t, 30*time.Second, 100*time.Millisecond, "during the outage")
	c := r.client(trusting(r.ca, nil))
	reply := r.must(t, r.client(unverified()), r.https(later, "/"), nil)
	assert.NotEqual(t, http.StatusOK, reply.status, "the Ingress created during the outage is not served before the API server is back")

	require.NoError(t, rl.restore())
	if !assert.Eventually(t, func() bool {
		reply, err := r.get(c, r.https(later, "/"), nil)
		return err == nil && reply.status == http.StatusOK
	}, 90*time.Second, 250*time.Millisecond) {
		t.Fatal("the controller did not resynchronize after the API server came back")
	}
	stopsCleanly(t, r.cancel, r.done)
}

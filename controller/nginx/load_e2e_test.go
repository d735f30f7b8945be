//go:build e2e

package nginx

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"

	"github.com/seed-d040b84d/portcullis/controller/dataplane"
)

// loadConns is how many connections TestFiveThousandKeepAliveConnections
// holds open at once.
const loadConns = 5000

// TestFiveThousandKeepAliveConnections holds 5,000 keep-alive client
// connections open through real nginx at once, with the ConfigMap's default
// workers (one per CPU, 16,384 connections each), and sends two requests on
// each: every one is answered by the backend, and nginx never logs that its
// worker_connections are not enough. Loopback only, bounded in time.
func TestFiveThousandKeepAliveConnections(t *testing.T) {
	var l syscall.Rlimit
	require.NoError(t, syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l))
	// The test holds a client and a backend socket per connection.
	require.GreaterOrEqual(t, l.Cur, uint64(2*loadConns+1024), "the open-file limit cannot hold the test's own sockets")

	backend := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "ok")
	}))
	backend.Start()
	defer backend.Close()
	backendPort := backend.Listener.Addr().(*net.TCPAddr).Port

	sup, dir, httpPort, _ := startSupervisor(t)
	def, err := dataplane.GenerateDefaultCertificate(time.Now())
	require.NoError(t, err)
	ing := e2eIngress("load", "load.example.test", backendPort, nil)
	ing.Spec.TLS = nil
	m := e2eModel(t, []any{
		&corev1.Service{ObjectMeta: meta("backend"), Spec: corev1.ServiceSpec{Type: corev1.ServiceTypeExternalName, ExternalName: "localhost"}},
		ing,
	}, def)
	_, err = sup.Apply(context.Background(), m)
	require.NoError(t, err)

	deadline := time.Now().Add(90 * time.Second)
	conns := make([]net.Conn, loadConns)
	var failures atomic.Int64
	var firstErr atomic.Value
	fail := func(err error) {
		if failures.Add(1) == 1 {
			firstErr.Store(err.Error())
		}
	}
	// Open every connection first, so that all are held at once.
	var wg sync.WaitGroup
	sem := make(chan struct{}, 200)
	for i := range conns {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			c, err := net.DialTimeout("tcp", "127.0.0.1:"+strconv.Itoa(httpPort), 5*time.Second)
			if err != nil {
				fail(err)
				return
			}
			_ = c.SetDeadline(deadline)
			conns[i] = c
		}()
	}
	wg.Wait()
	defer func() {
		for _, c := range conns {
			if c != nil {
				c.Close()
			}
		}
	}()
	require.Zero(t, failures.Load(), "connecting: %v", firstErr.Load())

	request := func(c net.Conn, br *bufio.Reader) error {
		if _, err := fmt.Fprint(c, "GET / HTTP/1.1\r\nHost: load.example.test\r\n\r\n"); err != nil {
			return err
		}
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		buf := make([]byte, 8)
		n, _ := resp.Body.Read(buf)
		if resp.StatusCode != http.StatusOK || string(buf[:n]) != "ok" {
			return fmt.Errorf("answered %d %q", resp.StatusCode, buf[:n])
		}
		return nil
	}
	for i := range conns {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			br := bufio.NewReader(conns[i])
			for range 2 { // keep-alive: the same connection twice
				if err := request(conns[i], br); err != nil {
					fail(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	assert.Zero(t, failures.Load(), "requests: %v", firstErr.Load())

	log, err := os.ReadFile(filepath.Join(dir, "run", "error.log"))
	require.NoError(t, err)
	assert.NotContains(t, string(log), "worker_connections are not enough")
}

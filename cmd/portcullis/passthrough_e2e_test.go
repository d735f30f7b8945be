//go:build e2e

package main

import (
	"context"
	"crypto/tls"
	"io"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed-d040b84d/portcullis/test/certgen"
	"github.com/seed-d040b84d/portcullis/test/gen"
	"github.com/seed-d040b84d/portcullis/test/harness"
)

// TestManagerPassesThroughBySNI runs `portcullis manager --components=controller
// --enable-ssl-passthrough` against a real API server: an Ingress with
// ssl-passthrough, whose ExternalName Service points at a local TLS backend,
// makes the proxy route that host to the backend untouched (an ExternalName
// Service is addressed by its name in both upstream modes; the endpoints mode
// also watches EndpointSlices); deleting the Ingress takes the route away.
func TestManagerPassesThroughBySNI(t *testing.T) {
	for _, upstream := range []string{"service", "endpoints"} {
		t.Run("upstream="+upstream, func(t *testing.T) { passesThroughBySNI(t, upstream) })
	}
}

func passesThroughBySNI(t *testing.T, upstream string) {
	api := testAPI(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	ca, err := certgen.NewCA()
	require.NoError(t, err)
	leaf, err := ca.NewLeaf(certgen.DNSNames("pass.example.com"))
	require.NoError(t, err)
	cert, err := tls.X509KeyPair(leaf.ChainPEM(), leaf.KeyPEM())
	require.NoError(t, err)
	backend, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12})
	require.NoError(t, err)
	defer backend.Close()
	go func() {
		for {
			c, err := backend.Accept()
			if err != nil {
				return
			}
			go func() { defer c.Close(); _, _ = io.WriteString(c, "from the backend\n") }()
		}
	}()
	backendPort := backend.Addr().(*net.TCPAddr).Port

	in := gen.InNamespace("default")
	require.NoError(t, api.Client.Create(ctx, gen.ExternalName("vault", "localhost", in)))
	ing := gen.Ingress("vault", in, gen.Host("pass.example.com"), gen.Path("/", "vault", int32(backendPort)),
		gen.Annotation("nginx.ingress.kubernetes.io/ssl-passthrough", "true"))
	require.NoError(t, api.Client.Create(ctx, ing))

	https := "127.0.0.1:" + strconv.Itoa(harness.FreePort(t))
	f := testFlags(t, "controller", 0)
	f.passthrough, f.httpsAddr, f.passthroughFallback, f.passthroughUpstream = true, https, "127.0.0.1:1", upstream
	done := managerRunning(ctx, t, api.Config, f)

	dial := func() (string, error) {
		c, err := tls.DialWithDialer(&net.Dialer{Timeout: 2 * time.Second}, "tcp", https, &tls.Config{ServerName: "pass.example.com", RootCAs: ca.Pool(), MinVersion: tls.VersionTLS12})
		if err != nil {
			return "", err
		}
		defer c.Close()
		_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
		b, err := io.ReadAll(c)
		return string(b), err
	}
	var got string
	var last error
	if !assert.Eventually(t, func() bool {
		got, last = dial()
		return last == nil
	}, 30*time.Second, 100*time.Millisecond) {
		t.Fatalf("the proxy never routed pass.example.com; last attempt: %v", last)
	}
	assert.Equal(t, "from the backend\n", got, "the backend's own certificate verified: TLS passed through untouched")

	require.NoError(t, api.Client.Delete(ctx, ing))
	require.Eventually(t, func() bool {
		_, err := dial()
		return err != nil
	}, 30*time.Second, 100*time.Millisecond, "the route outlived its Ingress")

	stopsCleanly(t, cancel, done)
}

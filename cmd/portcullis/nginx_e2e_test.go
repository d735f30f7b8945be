//go:build e2e

package main

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed-d040b84d/portcullis/test/certgen"
	"github.com/seed-d040b84d/portcullis/test/gen"
)

// TestManagerProgramsNginx runs `portcullis manager --components=controller`
// with real nginx against a real API server: a TLS Ingress whose
// ExternalName Service points at a local backend is served over HTTPS with
// its own certificate; deleting it takes the host away (the default
// certificate answers); stopping the manager stops nginx.
func TestManagerProgramsNginx(t *testing.T) {
	api := testAPI(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "backend saw %s %s\n", r.Host, r.URL.Path)
	}))
	defer backend.Close()
	_, backendPort, err := net.SplitHostPort(backend.Listener.Addr().String())
	require.NoError(t, err)
	port, err := strconv.Atoi(backendPort)
	require.NoError(t, err)

	ca, err := certgen.NewCA()
	require.NoError(t, err)
	leaf, err := ca.NewLeaf(certgen.DNSNames("web.example.com"))
	require.NoError(t, err)
	in := gen.InNamespace("default")
	require.NoError(t, api.Client.Create(ctx, gen.TLSSecret("web-tls", leaf, in)))
	require.NoError(t, api.Client.Create(ctx, gen.ExternalName("web", "localhost", in)))
	ing := gen.Ingress("web", in, gen.Host("web.example.com"), gen.TLS("web-tls"), gen.Path("/", "web", int32(port)))
	require.NoError(t, api.Client.Create(ctx, ing))

	f := nginxFlags(t)
	done := managerRunning(ctx, t, api.Config, f)

	https := "127.0.0.1:" + strconv.Itoa(f.nginxHTTPSPort)
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: ca.Pool(), MinVersion: tls.VersionTLS12},
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, network, https)
		},
	}}
	defer client.CloseIdleConnections()
	get := func() (string, error) {
		resp, err := client.Get("https://web.example.com/shop")
		if err != nil {
			return "", err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK {
			return "", fmt.Errorf("status %d: %s", resp.StatusCode, b)
		}
		return string(b), err
	}
	var body string
	var last error
	if !assert.Eventually(t, func() bool { body, last = get(); return last == nil }, 30*time.Second, 200*time.Millisecond) {
		t.Fatalf("nginx never served web.example.com: %v", last)
	}
	assert.Equal(t, "backend saw web.example.com /shop\n", body, "served with the Ingress's own certificate, proxied to its backend")

	require.NoError(t, api.Client.Delete(ctx, ing))
	client.CloseIdleConnections()
	require.Eventually(t, func() bool {
		client.CloseIdleConnections()
		_, err := get()
		return err != nil
	}, 30*time.Second, 200*time.Millisecond, "the host outlived its Ingress")

	stopsCleanly(t, cancel, done)
	_, err = net.DialTimeout("tcp", https, time.Second)
	assert.Error(t, err, "nginx still listens after the manager stopped")
}

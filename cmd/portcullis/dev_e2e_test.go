//go:build e2e

package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	"github.com/seed-d040b84d/portcullis/lib/apis"
	"github.com/seed-d040b84d/portcullis/test/harness"
)

// TestDevServesTheWebhookAndTheDemo runs `portcullis dev` and uses it the
// way the banner says: the kubeconfig it wrote, the broken Ingress it left
// (refused, naming every field), the demo Ingress the mutating webhook gave
// an issuer. Ctrl-C (here: cancellation) stops the API server.
func TestDevServesTheWebhookAndTheDemo(t *testing.T) {
	state := harness.NginxDir(t)
	ready := filepath.Join(state, "ready")
	t.Cleanup(func() {
		if t.Failed() {
			for _, f := range []string{"portcullis.log", "nginx/error.log", "cert-manager/cert-manager-controller.log", "cert-manager/pebble.log"} {
				b, _ := os.ReadFile(filepath.Join(state, f))
				t.Logf("%s:\n%s", f, b)
			}
		}
	})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out bytes.Buffer
	done := make(chan error, 1)
	https := harness.FreePort(t)
	go func() {
		done <- dev(ctx, devFlags{stateDir: state, readyFile: ready, webhookPort: harness.FreePort(t), httpsPort: https, httpPort: harness.FreePort(t), passthrough: true}, &out, &out)
	}()
	deadline := time.After(180 * time.Second)
	for {
		if _, err := os.Stat(ready); err == nil {
			break
		}
		select {
		case err := <-done:
			t.Fatalf("dev stopped before it was ready: %v\n%s", err, out.String())
		case <-deadline:
			t.Fatalf("dev was not ready within 180s:\n%s", out.String())
		case <-time.After(100 * time.Millisecond):
		}
	}
	banner := out.String()
	assert.Contains(t, banner, "kubectl --kubeconfig "+filepath.Join(state, "kubeconfig"))
	assert.Contains(t, banner, filepath.Join(state, "broken-ingress.yaml"))

	cfg, err := clientcmd.BuildConfigFromFlags("", filepath.Join(state, "kubeconfig"))
	require.NoError(t, err)
	c, err := client.New(cfg, client.Options{Scheme: apis.Scheme})
	require.NoError(t, err)

	raw, err := os.ReadFile(filepath.Join(state, "broken-ingress.yaml"))
	require.NoError(t, err)
	var broken networkingv1.Ingress
	require.NoError(t, yaml.UnmarshalStrict(raw, &broken))
	err = c.Create(ctx, &broken)
	require.Error(t, err)
	for _, want := range []string{"auth-tls-verify-clinet", "did you mean", "proxy-ssl-verify", `"of"`, `namespace "kube-system"`, "(3 problems)"} {
		assert.Contains(t, err.Error(), want)
	}

	var issued networkingv1.Ingress
	require.NoError(t, c.Get(ctx, client.ObjectKey{Namespace: "demo", Name: "issued"}, &issued))
	assert.Equal(t, devCAIssuer, issued.Annotations["cert-manager.io/cluster-issuer"], "the mutating webhook added the default issuer")

	// The banner's curl for the passthrough host, with Go's client: the demo
	// CA verifies the backend's own certificate through the proxy.
	assert.Contains(t, banner, fmt.Sprintf("curl --resolve pass.demo.test:%d:127.0.0.1", https))
	caPEM, err := os.ReadFile(filepath.Join(state, "ca.crt"))
	require.NoError(t, err)
	pool := x509.NewCertPool()
	require.True(t, pool.AppendCertsFromPEM(caPEM))
	hc := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12},
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, network, fmt.Sprintf("127.0.0.1:%d", https))
		},
	}}
	var body []byte
	require.Eventually(t, func() bool {
		resp, err := hc.Get(fmt.Sprintf("https://pass.demo.test:%d/", https))
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		body, _ = io.ReadAll(resp.Body)
		return resp.StatusCode == 200
	}, 20*time.Second, 100*time.Millisecond)
	assert.Contains(t, string(body), "passed this TLS connection through untouched")
	hc.CloseIdleConnections()

	// The banner's curls for TLS and mTLS, through the proxy's fallback to nginx.
	get := func(host string, cert *tls.Certificate) (int, string) {
		cfg := &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
		if cert != nil {
			cfg.Certificates = []tls.Certificate{*cert}
		}
		c := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: cfg,
			DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
				return (&net.Dialer{}).DialContext(ctx, network, fmt.Sprintf("127.0.0.1:%d", https))
			}}}
		defer c.CloseIdleConnections()
		resp, err := c.Get(fmt.Sprintf("https://%s:%d/", host, https))
		if err != nil {
			return 0, err.Error()
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	require.Eventually(t, func() bool { code, _ := get("tls.demo.test", nil); return code == 200 }, 30*time.Second, 200*time.Millisecond,
		"nginx serves the TLS demo host")
	_, b := get("tls.demo.test", nil)
	assert.Contains(t, b, "hello from the demo backend: tls.demo.test /")
	code, _ := get("mtls.demo.test", nil)
	assert.Equal(t, 400, code, "no client certificate: 400")
	clientCert, err := tls.LoadX509KeyPair(filepath.Join(state, "client.crt"), filepath.Join(state, "client.key"))
	require.NoError(t, err)
	code, b = get("mtls.demo.test", &clientCert)
	assert.Equal(t, 200, code)
	assert.Contains(t, b, "client certificate SUCCESS")

	// The banner's curl commands, run as printed, each answered as the
	// banner says.
	want := map[string]string{
		"tls.demo.test":       "hello from the demo backend: tls.demo.test /",
		"mtls.demo.test":      "400 No required SSL certificate was sent",
		"mtls.demo.test+cert": "client certificate SUCCESS",
		"reencrypt.demo.test": "hello from the re-encryption backend: nginx verified its certificate for backend.demo.test against the demo CA (SNI \"backend.demo.test\")",
		"default.demo.test":   "hello from the demo backend: default.demo.test /",
		"pass.demo.test":      "passed this TLS connection through untouched",
		// Issued by cert-manager: from dev-ca (the ConfigMap's default
		// issuer), and from dev-acme over HTTP-01 through nginx, each curl
		// verifying against its root.
		issuedHost: "hello from the demo backend: " + issuedHost + " /",
		acmeHost:   "hello from the demo backend: " + acmeHost + " /",
	}
	ran := map[string]bool{}
	for _, line := range strings.Split(banner, "\n") {
		cmd, ok := strings.CutPrefix(line, "  curl ")
		if !ok {
			continue
		}
		key := ""
		for host := range want {
			if !strings.Contains(host, "+") && strings.Contains(cmd, "https://"+host+":") {
				key = host
			}
		}
		if strings.Contains(cmd, "--cert ") {
			key += "+cert"
		}
		require.Contains(t, want, key, "a banner curl for an unknown demo host: %s", line)
		out, err := exec.Command("sh", "-c", "curl --silent --show-error --max-time 10 "+cmd).CombinedOutput()
		require.NoError(t, err, "%s\n%s", line, out)
		assert.Contains(t, string(out), want[key], line)
		ran[key] = true
	}
	assert.Len(t, ran, len(want), "the banner has a curl for every demo host: %v", ran)

	access, err := os.ReadFile(filepath.Join(state, "access.log"))
	require.NoError(t, err, "nginx's access log is in the state directory")
	assert.Contains(t, string(access), `host="tls.demo.test"`, "a line for the banner's request")
	assert.Regexp(t, `request_id="[0-9a-f]{32}" host="tls.demo.test" .* status="200" .* upstream_addr="[^"]+" upstream_status="200"`, string(access))
	for _, secret := range []string{"BEGIN CERTIFICATE", "PRIVATE KEY", "Authorization", "Bearer"} {
		assert.NotContains(t, string(access), secret)
	}

	logs, err := os.ReadFile(filepath.Join(state, "portcullis.log"))
	require.NoError(t, err)
	assert.Contains(t, string(logs), "nginx configuration in force", "the manager logs to the state directory")
	assert.NotContains(t, string(logs), "PRIVATE KEY")
	for _, f := range []string{"kubeconfig", "ca.crt", "client.crt", "client.key", "webhook-certs/tls.key", "portcullis.log"} {
		fi, err := os.Stat(filepath.Join(state, f))
		require.NoError(t, err, f)
		assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm(), f)
	}

	cancel()
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(60 * time.Second):
		t.Fatal("dev did not stop within 60s")
	}
	u, err := url.Parse(cfg.Host)
	require.NoError(t, err)
	_, err = net.DialTimeout("tcp", u.Host, time.Second)
	assert.Error(t, err, "the API server still listens after dev stopped")
	assert.True(t, strings.Contains(out.String(), "stopping"))
}

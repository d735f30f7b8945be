//go:build e2e

package passthrough

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed-d040b84d/portcullis/test/certgen"
	"github.com/seed-d040b84d/portcullis/test/harness"
)

// startFallbackNginx runs nginx as the fallback: TLS with proxy_protocol on
// port, answering with the client address the PROXY header carried. It
// returns nginx's CA.
func startFallbackNginx(t testing.TB, port int) *certgen.Cert {
	t.Helper()
	ca, err := certgen.NewCA()
	require.NoError(t, err)
	leaf, err := ca.NewLeaf(certgen.DNSNames("www.example.com"))
	require.NoError(t, err)
	prefix := t.TempDir()
	crt, key := filepath.Join(prefix, "tls.crt"), filepath.Join(prefix, "tls.key")
	require.NoError(t, os.WriteFile(crt, leaf.ChainPEM(), 0o600))
	require.NoError(t, os.WriteFile(key, leaf.KeyPEM(), 0o600))
	addr := "127.0.0.1:" + strconv.Itoa(port)
	conf := harness.NginxMain(t, prefix, false) + fmt.Sprintf(`http {
%s  server {
    listen %s ssl proxy_protocol;
    server_name www.example.com;
    ssl_certificate %s;
    ssl_certificate_key %s;
    location / { return 200 "client $proxy_protocol_addr:$proxy_protocol_port\n"; }
  }
}
`, harness.HTTPTempPaths(prefix), addr, crt, key)
	harness.StartNginx(t, prefix, conf, addr)
	return ca
}

// TestFallbackToRealNginx: a connection for a host that is not passed through
// reaches nginx, which serves its own certificate and sees the real client
// address in the PROXY v2 header (so logs and X-Forwarded-For show it).
func TestFallbackToRealNginx(t *testing.T) {
	port := harness.FreePort(t)
	ca := startFallbackNginx(t, port)
	p, addr := startProxy(t, Options{Fallback: "127.0.0.1:" + strconv.Itoa(port)})
	var local string
	client := fallbackClient(ca, addr, &local)
	defer client.CloseIdleConnections()
	resp, err := client.Get("https://www.example.com/")
	require.NoError(t, err, "nginx's certificate verifies: the proxy never terminates TLS")
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	assert.Equal(t, "client "+local+"\n", string(body), "nginx sees the client's own address and port")
	assert.Equal(t, int64(1), p.Stats().Fallback)
}

// fallbackClient is an HTTPS client that connects through the proxy,
// recording the local address it connected from.
func fallbackClient(ca *certgen.Cert, proxy string, local *string) *http.Client {
	return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: ca.Pool(), MinVersion: tls.VersionTLS12},
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			c, err := (&net.Dialer{}).DialContext(ctx, network, proxy)
			if err == nil {
				*local = c.LocalAddr().String()
			}
			return c, err
		},
	}}
}

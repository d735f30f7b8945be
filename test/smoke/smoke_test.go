//go:build e2e

package smoke

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	networkingv1 "k8s.io/api/networking/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	nginxv1 "github.com/seed-d040b84d/portcullis/lib/apis/k8snginx/v1"
	"github.com/seed-d040b84d/portcullis/test/certgen"
	"github.com/seed-d040b84d/portcullis/test/gen"
	"github.com/seed-d040b84d/portcullis/test/harness"
)

var api *harness.API

func TestMain(m *testing.M) { os.Exit(harness.RunWithAPI(m, &api)) }

func TestAPIServerStoresIngress(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ing := gen.Ingress("web", gen.InNamespace("default"), gen.Host("web.example.com"), gen.Path("/", "web", 80),
		gen.TLS("web-tls"), gen.Annotation("nginx.ingress.kubernetes.io/ssl-redirect", "true"))
	require.NoError(t, api.Client.Create(ctx, ing))

	var got networkingv1.Ingress
	require.NoError(t, api.Client.Get(ctx, client.ObjectKeyFromObject(ing), &got))
	assert.NotEmpty(t, got.UID, "the API server assigned a UID")
	assert.Equal(t, "true", got.Annotations["nginx.ingress.kubernetes.io/ssl-redirect"])
	assert.Equal(t, []string{"web.example.com"}, got.Spec.TLS[0].Hosts)
	assert.Equal(t, "web", got.Spec.Rules[0].HTTP.Paths[0].Backend.Service.Name)
}

func TestNginxServesVerifiedHTTPS(t *testing.T) {
	root, err := certgen.NewCA()
	require.NoError(t, err)
	inter, err := root.NewIntermediate()
	require.NoError(t, err)
	leaf, err := inter.NewLeaf(certgen.DNSNames("smoke.example.test"))
	require.NoError(t, err)

	prefix := t.TempDir()
	crt, key := filepath.Join(prefix, "tls.crt"), filepath.Join(prefix, "tls.key")
	require.NoError(t, os.WriteFile(crt, leaf.ChainPEM(), 0o600))
	require.NoError(t, os.WriteFile(key, leaf.KeyPEM(), 0o600))

	port := harness.FreePort(t)
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	conf := harness.NginxMain(t, prefix, false) + fmt.Sprintf(`http {
%s  server {
    listen %s ssl;
    server_name smoke.example.test;
    ssl_certificate %s;
    ssl_certificate_key %s;
    ssl_protocols TLSv1.2 TLSv1.3;
    location / { return 200 "served by nginx\n"; }
  }
}
`, harness.HTTPTempPaths(prefix), addr, crt, key)
	harness.StartNginx(t, prefix, conf, addr)

	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: root.Pool(), ServerName: "smoke.example.test", MinVersion: tls.VersionTLS12},
	}}
	resp, err := client.Get("https://" + addr + "/")
	require.NoError(t, err, "the chain leaf→intermediate verifies against the root")
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "served by nginx\n", string(body))
	require.Len(t, resp.TLS.PeerCertificates, 2)
	assert.Equal(t, leaf.Cert.Raw, resp.TLS.PeerCertificates[0].Raw)

	// A client that does not trust the root must fail: the test can tell verified from unverified.
	strict := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{ServerName: "smoke.example.test", MinVersion: tls.VersionTLS12},
	}}
	_, err = strict.Get("https://" + addr + "/")
	assert.ErrorContains(t, err, "certificate signed by unknown authority")
}

func TestPolicyCRDServesNGINXExamples(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	// NGINX's egressMTLS example, as its documentation writes it (verifyServer: on
	// is a YAML boolean), applied to the CRD portcullis ships.
	var pol nginxv1.Policy
	require.NoError(t, yaml.Unmarshal([]byte(`
apiVersion: k8s.nginx.org/v1
kind: Policy
metadata:
  name: egress-mtls-policy
  namespace: default
spec:
  egressMTLS:
    tlsSecret: egress-mtls-secret
    trustedCertSecret: egress-trusted-ca-secret
    verifyServer: on
    serverName: on
    sslName: secure-app.example.com
`), &pol))
	require.NoError(t, api.Client.Create(ctx, &pol))

	var got nginxv1.Policy
	require.NoError(t, api.Client.Get(ctx, client.ObjectKeyFromObject(&pol), &got))
	require.NotNil(t, got.Spec.EgressMTLS)
	assert.True(t, got.Spec.EgressMTLS.VerifyServer)
	assert.Equal(t, "secure-app.example.com", got.Spec.EgressMTLS.SSLName)
}

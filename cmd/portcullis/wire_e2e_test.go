//go:build e2e

package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	eventsv1 "k8s.io/api/events/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/seed-d040b84d/portcullis/controller/dataplane"
	"github.com/seed-d040b84d/portcullis/controller/nginx"
	nginxv1 "github.com/seed-d040b84d/portcullis/lib/apis/k8snginx/v1"
	"github.com/seed-d040b84d/portcullis/lib/config"
	"github.com/seed-d040b84d/portcullis/test/certgen"
)

// TestWireBehaviour checks what clients see on the wire (FEATURES.md §3–§8):
// one manager running the controller component with real nginx against a
// real API server, Go TLS clients, and Go backends on loopback reached through
// ExternalName Services pointing at localhost. Each subtest makes its own
// namespace and hosts; the manager runs no webhook, so the API server admits
// anything, including Ingresses lib refuses.
func TestWireBehaviour(t *testing.T) {
	w := startWire(t)
	t.Run("a leaf-intermediate chain is served and verifies against the root", w.chain)
	t.Run("client certificates (ingress-nginx annotations and ingressMTLS Policy)", w.clientAuth)
	t.Run("plain HTTP redirects to HTTPS except ACME challenges", w.redirect)
	t.Run("HSTS only on hosts with their own certificate", w.hsts)
	t.Run("unknown SNI gets the generated default certificate", w.unknownSNI)
	t.Run("re-encryption verifies the backend against proxy-ssl-secret", w.reencrypt)
	t.Run("legacy TLS is refused unless the ConfigMap allows it", w.legacyTLS)
	t.Run("rotated secrets take effect without restarting nginx", w.rotation)
	t.Run("one refused Ingress fails closed alone among 50", w.blastRadius)
	t.Run("mergeable minions and egressMTLS", w.mergeable)
	t.Run("a ClusterIP Service is reached through its ready EndpointSlice addresses", w.endpoints)
	t.Run("an Ingress nginx refuses fails its own hosts, the rest is still updated", w.nginxRefuses)
	t.Run("a deleted Secret: its host falls back to the default certificate, nothing else changes", w.secretDeleted)
	t.Run("an invalid ConfigMap keeps the last good configuration, with an event", w.invalidConfigMap)
}

// Annotation prefixes.
const (
	ingressNginx = "nginx.ingress.kubernetes.io/"
	nginxOrg     = "nginx.org/"
)

// wire is the running system: the manager's nginx on loopback and a plain
// HTTP echo backend.
type wire struct {
	ctx                 context.Context
	c                   client.Client
	httpPort, httpsPort int
	nginxDir            string
	echoPort            int
	cas                 []*certgen.Cert // every CA the test made
}

func startWire(t *testing.T) *wire { return startWireWith(t, nil) }

// startWireWith is startWire with the manager's flags, and the rig, changed
// by adjust before the manager starts.
func startWireWith(t *testing.T, adjust func(*managerFlags, *wire)) *wire {
	api := testAPI(t)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	echoSrv := quietServer(echo("echo"))
	echoSrv.Start()
	t.Cleanup(echoSrv.Close)

	f := nginxFlags(t)
	w := &wire{ctx: ctx, c: api.Client, httpPort: f.httpPort, httpsPort: f.nginxHTTPSPort, nginxDir: f.nginxDir,
		echoPort: echoSrv.Listener.Addr().(*net.TCPAddr).Port}
	if adjust != nil {
		adjust(&f, w)
	}
	w.namespace(t, f.namespace) // where the controller ConfigMap lives
	done := managerRunning(ctx, t, api.Config, f)
	t.Cleanup(func() { stopsCleanly(t, cancel, done) })
	// The caches have synced; nginx answers once the first configuration is in.
	w.await(t, w.client(unverified()), w.http("nobody.wire.test", "/"), http.StatusNotFound, nil)
	return w
}

// --- objects -----------------------------------------------------------------

func (w *wire) namespace(t *testing.T, name string) {
	t.Helper()
	require.NoError(t, w.c.Create(w.ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}))
}

func (w *wire) create(t *testing.T, objs ...client.Object) {
	t.Helper()
	for _, o := range objs {
		require.NoError(t, w.c.Create(w.ctx, o), "create %T %s", o, o.GetName())
	}
}

func (w *wire) update(t *testing.T, o client.Object) {
	t.Helper()
	require.NoError(t, w.c.Update(w.ctx, o), "update %T %s", o, o.GetName())
}

// newCA makes a root CA and remembers it.
func (w *wire) newCA(t *testing.T, cn string) *certgen.Cert {
	t.Helper()
	ca, err := certgen.NewCA(certgen.CommonName(cn))
	require.NoError(t, err)
	w.cas = append(w.cas, ca)
	return ca
}

func leaf(t *testing.T, issuer *certgen.Cert, cn string, opts ...certgen.Option) *certgen.Cert {
	t.Helper()
	c, err := issuer.NewLeaf(append([]certgen.Option{certgen.CommonName(cn)}, opts...)...)
	require.NoError(t, err)
	return c
}

func tlsSecret(ns, name string, c *certgen.Cert) *corev1.Secret {
	return &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}, Type: corev1.SecretTypeTLS,
		Data: map[string][]byte{"tls.crt": c.ChainPEM(), "tls.key": c.KeyPEM()}}
}

func caSecret(ns, name string, ca *certgen.Cert) *corev1.Secret {
	return &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}, Type: "nginx.org/ca",
		Data: map[string][]byte{"ca.crt": ca.CertPEM()}}
}

// externalName is a Service for a backend on this machine.
func externalName(ns, name string) *corev1.Service {
	return &corev1.Service{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: corev1.ServiceSpec{Type: corev1.ServiceTypeExternalName, ExternalName: "localhost"}}
}

type ingressOption func(*networkingv1.Ingress)

// newIngress is an Ingress of ours with one rule for host and no paths.
func newIngress(ns, name, host string, opts ...ingressOption) *networkingv1.Ingress {
	class := "portcullis"
	ing := &networkingv1.Ingress{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Annotations: map[string]string{}},
		Spec:       networkingv1.IngressSpec{IngressClassName: &class, Rules: []networkingv1.IngressRule{{Host: host}}},
	}
	for _, o := range opts {
		o(ing)
	}
	return ing
}

// route adds a Prefix path to service:port.
func route(path, service string, port int) ingressOption {
	return func(ing *networkingv1.Ingress) {
		r := &ing.Spec.Rules[0]
		if r.HTTP == nil {
			r.HTTP = &networkingv1.HTTPIngressRuleValue{}
		}
		prefix := networkingv1.PathTypePrefix
		r.HTTP.Paths = append(r.HTTP.Paths, networkingv1.HTTPIngressPath{Path: path, PathType: &prefix,
			Backend: networkingv1.IngressBackend{Service: &networkingv1.IngressServiceBackend{
				Name: service, Port: networkingv1.ServiceBackendPort{Number: int32(port)}}}})
	}
}

// withTLS adds a TLS entry for the rule's host with secret.
func withTLS(secret string) ingressOption {
	return func(ing *networkingv1.Ingress) {
		ing.Spec.TLS = append(ing.Spec.TLS, networkingv1.IngressTLS{Hosts: []string{ing.Spec.Rules[0].Host}, SecretName: secret})
	}
}

// annotate sets annotations from key, value pairs.
func annotate(kv ...string) ingressOption {
	return func(ing *networkingv1.Ingress) {
		for i := 0; i+1 < len(kv); i += 2 {
			ing.Annotations[kv[i]] = kv[i+1]
		}
	}
}

// --- backends ----------------------------------------------------------------

// seen is what a test backend saw of a request; it answers it as JSON.
type seen struct {
	Backend  string            // which test backend answered
	Host     string            // the Host header
	URI      string            // the request URI
	Identity map[string]string // the ssl-client-* request headers that reached it
	SNI      string            // the server name nginx sent (HTTPS backends)
	ClientCN string            // CN of the certificate nginx presented (HTTPS backends)
}

func echo(name string) http.Handler {
	return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		s := seen{Backend: name, Host: r.Host, URI: r.RequestURI, Identity: map[string]string{}}
		for k, v := range r.Header {
			if strings.HasPrefix(strings.ToLower(k), "ssl-client-") {
				s.Identity[strings.ToLower(k)] = strings.Join(v, ",")
			}
		}
		if r.TLS != nil {
			s.SNI = r.TLS.ServerName
			if len(r.TLS.PeerCertificates) > 0 {
				s.ClientCN = r.TLS.PeerCertificates[0].Subject.CommonName
			}
		}
		rw.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(rw).Encode(s)
	})
}

// quietServer is an unstarted loopback test server that does not log
// handshake errors (some tests make them on purpose).
func quietServer(h http.Handler) *httptest.Server {
	s := httptest.NewUnstartedServer(h)
	s.Config.ErrorLog = log.New(io.Discard, "", 0)
	return s
}

// tlsBackend starts an HTTPS echo backend serving cert's chain, asking for
// client certificates signed by clientCA as auth says; it returns the port.
func tlsBackend(t *testing.T, name string, cert *certgen.Cert, auth tls.ClientAuthType, clientCA *certgen.Cert) int {
	t.Helper()
	s := quietServer(echo(name))
	pair, err := tls.X509KeyPair(cert.ChainPEM(), cert.KeyPEM())
	require.NoError(t, err)
	s.TLS = &tls.Config{Certificates: []tls.Certificate{pair}, ClientAuth: auth, MinVersion: tls.VersionTLS12}
	if clientCA != nil {
		s.TLS.ClientCAs = clientCA.Pool()
	}
	s.StartTLS()
	t.Cleanup(s.Close)
	return s.Listener.Addr().(*net.TCPAddr).Port
}

// --- clients -----------------------------------------------------------------

// trusting is a client TLS configuration verifying nginx against root and,
// when cert is given, always presenting it (Go's client would otherwise
// withhold a certificate whose issuer the server does not list).
func trusting(root *certgen.Cert, cert *certgen.Cert) *tls.Config {
	tc := &tls.Config{RootCAs: root.Pool(), MinVersion: tls.VersionTLS12}
	if cert != nil {
		pair := &tls.Certificate{Certificate: [][]byte{cert.Cert.Raw}, PrivateKey: cert.Key, Leaf: cert.Cert}
		tc.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return pair, nil }
	}
	return tc
}

// unverified is a client TLS configuration that accepts any certificate, to
// look at which one nginx serves.
func unverified() *tls.Config {
	return &tls.Config{InsecureSkipVerify: true, MinVersion: tls.VersionTLS12} //nolint:gosec // inspects the served certificate
}

// client speaks to nginx on loopback whatever the URL's host (the URL's port
// says which listener), without keep-alive and without following redirects.
func (w *wire) client(tc *tls.Config) *http.Client {
	dialer := &net.Dialer{Timeout: 2 * time.Second}
	return &http.Client{
		Timeout: 5 * time.Second,
		Transport: &http.Transport{
			TLSClientConfig:   tc,
			DisableKeepAlives: true,
			DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
				_, port, err := net.SplitHostPort(addr)
				if err != nil {
					return nil, err
				}
				return dialer.DialContext(ctx, network, net.JoinHostPort("127.0.0.1", port))
			},
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

func (w *wire) https(host, uri string) string {
	return "https://" + host + ":" + strconv.Itoa(w.httpsPort) + uri
}

func (w *wire) http(host, uri string) string {
	return "http://" + host + ":" + strconv.Itoa(w.httpPort) + uri
}

// reply is nginx's answer; seen is set when a test backend wrote the body.
type reply struct {
	status int
	header http.Header
	body   string
	tls    *tls.ConnectionState
	seen   *seen
}

func (r reply) String() string {
	return fmt.Sprintf("status %d, body %.300q", r.status, r.body)
}

func (w *wire) get(c *http.Client, url string, header map[string]string) (reply, error) {
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		return reply{}, err
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := c.Do(req)
	if err != nil {
		return reply{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return reply{}, err
	}
	r := reply{status: resp.StatusCode, header: resp.Header, body: string(b), tls: resp.TLS}
	var s seen
	if json.Unmarshal(b, &s) == nil && s.Backend != "" {
		r.seen = &s
	}
	return r, nil
}

// must is one GET that must get an HTTP answer.
func (w *wire) must(t *testing.T, c *http.Client, url string, header map[string]string) reply {
	t.Helper()
	r, err := w.get(c, url, header)
	require.NoError(t, err, "GET %s", url)
	return r
}

// await polls GET url until nginx answers want (the controller coalesces
// changes and reloads nginx), waits for the reload to settle, and returns
// that answer.
func (w *wire) await(t *testing.T, c *http.Client, url string, want int, header map[string]string) reply {
	t.Helper()
	var r reply
	eventually(t, fmt.Sprintf("GET %s never answered %d", url, want), func() string {
		var err error
		if r, err = w.get(c, url, header); err != nil {
			return err.Error()
		}
		if r.status != want {
			return r.String()
		}
		return ""
	})
	w.settled(t)
	return r
}

// settled waits until only the current generation of nginx workers accepts
// connections. On a reload nginx's master starts the new workers and lets the
// previous ones accept for about 100 ms more before telling them to shut down
// (they then rename themselves "worker process is shutting down"), so right
// after a client first sees a change, the next connection may still meet the
// previous configuration.
func (w *wire) settled(t *testing.T) {
	t.Helper()
	eventually(t, "nginx's previous workers kept accepting connections", func() string {
		p, err := w.masterPID()
		if err != nil {
			return err.Error()
		}
		conf, err := os.ReadFile(filepath.Join(w.nginxDir, "nginx.conf"))
		if err != nil {
			return err.Error()
		}
		m := regexp.MustCompile(`worker_processes "?(\d+|auto)"?;`).FindSubmatch(conf)
		if m == nil {
			return "no worker_processes in nginx.conf"
		}
		if string(m[1]) == "auto" {
			m[1] = []byte(strconv.Itoa(nginx.Workers(0)))
		}
		children, err := os.ReadFile("/proc/" + p + "/task/" + p + "/children")
		if err != nil {
			return err.Error()
		}
		serving := 0
		for _, c := range strings.Fields(string(children)) {
			cmdline, _ := os.ReadFile("/proc/" + c + "/cmdline")
			if strings.TrimRight(string(cmdline), "\x00 ") == "nginx: worker process" {
				serving++
			}
		}
		if strconv.Itoa(serving) != string(m[1]) {
			return fmt.Sprintf("%d workers accept, nginx.conf has worker_processes %s", serving, m[1])
		}
		return ""
	})
}

// programmed waits until url gets an HTTP answer other than 404 (its path
// is in nginx's configuration) and no worker of the previous configuration
// still accepts.
func (w *wire) programmed(t *testing.T, c *http.Client, url string) {
	t.Helper()
	eventually(t, "GET "+url+" was never programmed", func() string {
		r, err := w.get(c, url, nil)
		if err != nil {
			return err.Error()
		}
		if r.status == http.StatusNotFound {
			return r.String()
		}
		return ""
	})
	w.settled(t)
}

// keptApart GETs served (200) and then other three times: other must get
// 502 every time, never a connection or TLS session served opened.
func (w *wire) keptApart(t *testing.T, c *http.Client, served, other string) {
	t.Helper()
	for i := 0; i < 3; i++ {
		r := w.must(t, c, served, nil)
		require.Equal(t, http.StatusOK, r.status)
		r = w.must(t, c, other, nil)
		assert.Equal(t, http.StatusBadGateway, r.status, "iteration %d: %s", i, r)
	}
}

// eventually polls cond until it has nothing to complain about; otherwise the
// test fails with what and cond's last complaint.
func eventually(t *testing.T, what string, cond func() string) {
	t.Helper()
	last := "never polled"
	if !assert.Eventually(t, func() bool { last = cond(); return last == "" }, 30*time.Second, 150*time.Millisecond) {
		t.Fatalf("%s; last: %s", what, last)
	}
}

// handshake makes a TLS connection to nginx for serverName.
func (w *wire) handshake(serverName string, tc *tls.Config) (tls.ConnectionState, error) {
	tc = tc.Clone()
	tc.ServerName = serverName
	conn, err := tls.DialWithDialer(&net.Dialer{Timeout: 2 * time.Second}, "tcp", "127.0.0.1:"+strconv.Itoa(w.httpsPort), tc)
	if err != nil {
		return tls.ConnectionState{}, err
	}
	defer conn.Close()
	return conn.ConnectionState(), nil
}

// masterPID is the nginx master's process id.
func (w *wire) masterPID() (string, error) {
	b, err := os.ReadFile(filepath.Join(w.nginxDir, "run", "nginx.pid"))
	return strings.TrimSpace(string(b)), err
}

func (w *wire) nginxPID(t *testing.T) string {
	t.Helper()
	pid, err := w.masterPID()
	require.NoError(t, err)
	return pid
}

// metricLine is the first line of metricsText for the metric name.
func metricLine(t *testing.T, name string) string {
	t.Helper()
	for _, l := range strings.Split(metricsText(t), "\n") {
		if strings.HasPrefix(l, name+" ") {
			return l
		}
	}
	return ""
}

// servesCert waits until a request for host is served with cert.
func (w *wire) servesCert(t *testing.T, c *http.Client, host string, cert *certgen.Cert, what string) {
	t.Helper()
	eventually(t, what, func() string {
		r, err := w.get(c, w.https(host, "/"), nil)
		switch {
		case err != nil:
			return err.Error()
		case !sameCert(r.tls.PeerCertificates[0], cert.Cert):
			return "served serial " + r.tls.PeerCertificates[0].SerialNumber.String()
		}
		return ""
	})
}

// nginxWorkers are the process ids of the nginx master's children: a
// reload replaces them.
func (w *wire) nginxWorkers(t *testing.T) string {
	t.Helper()
	pid := w.nginxPID(t)
	b, err := os.ReadFile("/proc/" + pid + "/task/" + pid + "/children")
	require.NoError(t, err)
	return strings.TrimSpace(string(b))
}

func sameCert(a, b *x509.Certificate) bool { return bytes.Equal(a.Raw, b.Raw) }

// --- scenarios ---------------------------------------------------------------

func (w *wire) chain(t *testing.T) {
	const ns, host = "chain", "chain.wire.test"
	root := w.newCA(t, "chain root CA")
	inter, err := root.NewIntermediate(certgen.CommonName("chain intermediate CA"))
	require.NoError(t, err)
	srv := leaf(t, inter, host, certgen.DNSNames(host))
	w.namespace(t, ns)
	w.create(t, tlsSecret(ns, "tls", srv), externalName(ns, "backend"),
		newIngress(ns, "web", host, withTLS("tls"), route("/", "backend", w.echoPort)))

	r := w.await(t, w.client(trusting(root, nil)), w.https(host, "/"), http.StatusOK, nil)
	require.NotNil(t, r.tls)
	peers := r.tls.PeerCertificates
	require.Len(t, peers, 2, "nginx sends the leaf and the intermediate, not the root")
	assert.True(t, sameCert(peers[0], srv.Cert), "the secret's leaf is served first")
	assert.True(t, sameCert(peers[1], inter.Cert), "the intermediate follows the leaf")
	require.NotEmpty(t, r.tls.VerifiedChains, "the client verified the chain")
	chain := r.tls.VerifiedChains[0]
	require.Len(t, chain, 3, "leaf, intermediate and root")
	assert.True(t, sameCert(chain[2], root.Cert), "the chain ends in the root the client trusts")
	require.NotNil(t, r.seen, "the backend answered")
	assert.Equal(t, host, r.seen.Host, "the backend got the request for the host")
}

func (w *wire) clientAuth(t *testing.T) {
	const ns = "mtls"
	required, optional, plain, policy := "required.mtls.wire.test", "optional.mtls.wire.test", "plain.mtls.wire.test", "policy.mtls.wire.test"
	serverCA := w.newCA(t, "mtls server CA")
	srv := leaf(t, serverCA, "mtls", certgen.DNSNames("*.mtls.wire.test"))
	clientCA := w.newCA(t, "mtls client CA")
	good := leaf(t, clientCA, "good-client", certgen.ClientAuth())
	wrongCN := leaf(t, clientCA, "someone-else", certgen.ClientAuth())
	outsider := leaf(t, w.newCA(t, "mtls outsider CA"), "good-client", certgen.ClientAuth())

	w.namespace(t, ns)
	w.create(t, tlsSecret(ns, "tls", srv), caSecret(ns, "client-ca", clientCA), externalName(ns, "backend"),
		&nginxv1.Policy{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "client-mtls"},
			Spec: nginxv1.PolicySpec{IngressMTLS: &nginxv1.IngressMTLS{ClientCertSecret: "client-ca", VerifyClient: "on"}}},
		newIngress(ns, "required", required, withTLS("tls"), route("/", "backend", w.echoPort), annotate(
			ingressNginx+"auth-tls-secret", ns+"/client-ca",
			ingressNginx+"auth-tls-verify-client", "on",
			ingressNginx+"auth-tls-match-cn", "CN=good-client")),
		newIngress(ns, "optional", optional, withTLS("tls"), route("/", "backend", w.echoPort), annotate(
			ingressNginx+"auth-tls-secret", ns+"/client-ca",
			ingressNginx+"auth-tls-verify-client", "optional")),
		newIngress(ns, "plain", plain, withTLS("tls"), route("/", "backend", w.echoPort)),
		newIngress(ns, "policy", policy, withTLS("tls"), route("/", "backend", w.echoPort), annotate(
			nginxOrg+"policies", "client-mtls")),
	)
	anon := w.client(trusting(serverCA, nil))
	with := func(c *certgen.Cert) *http.Client { return w.client(trusting(serverCA, c)) }
	forged := map[string]string{"ssl-client-verify": "SUCCESS", "ssl-client-subject-dn": "CN=forged", "ssl-client-issuer-dn": "CN=forged CA"}

	t.Run("verify-client on", func(t *testing.T) {
		r := w.await(t, anon, w.https(required, "/"), http.StatusBadRequest, nil)
		assert.Contains(t, r.body, "No required SSL certificate was sent", "a request without a client certificate is refused with nginx's 400")

		r = w.must(t, with(outsider), w.https(required, "/"), nil)
		assert.Equal(t, http.StatusBadRequest, r.status, "a certificate from another CA is refused: %s", r)
		assert.Contains(t, r.body, "The SSL certificate error", "the refusal is for the untrusted certificate, not a missing one")

		r = w.must(t, with(good), w.https(required, "/"), forged)
		require.Equal(t, http.StatusOK, r.status, "a certificate from the client CA is admitted: %s", r)
		require.NotNil(t, r.seen)
		assert.Equal(t, map[string]string{
			"ssl-client-verify":     "SUCCESS",
			"ssl-client-subject-dn": "CN=good-client",
			"ssl-client-issuer-dn":  "CN=mtls client CA",
		}, r.seen.Identity, "the backend gets the verified identity, never the client's forged headers")
	})
	t.Run("match-cn mismatch is 403", func(t *testing.T) {
		r := w.await(t, with(wrongCN), w.https(required, "/"), http.StatusForbidden, nil)
		assert.Nil(t, r.seen, "the backend never sees a client whose CN does not match")
	})
	t.Run("identity headers cannot be forged on a host without client auth", func(t *testing.T) {
		r := w.await(t, anon, w.https(plain, "/"), http.StatusOK, forged)
		require.NotNil(t, r.seen)
		assert.Empty(t, r.seen.Identity, "the client's ssl-client-* headers reached the backend")
	})
	t.Run("verify-client optional admits without a certificate", func(t *testing.T) {
		r := w.await(t, anon, w.https(optional, "/"), http.StatusOK, forged)
		require.NotNil(t, r.seen)
		assert.Equal(t, "NONE", r.seen.Identity["ssl-client-verify"], "no certificate is reported as NONE, whatever the client sends")
		r = w.must(t, with(good), w.https(optional, "/"), nil)
		require.Equal(t, http.StatusOK, r.status, "a certificate from the client CA is admitted: %s", r)
		require.NotNil(t, r.seen)
		assert.Equal(t, "SUCCESS", r.seen.Identity["ssl-client-verify"], "a certificate sent is verified")
	})
	t.Run("ingressMTLS Policy via nginx.org/policies", func(t *testing.T) {
		r := w.await(t, anon, w.https(policy, "/"), http.StatusBadRequest, nil)
		assert.Contains(t, r.body, "No required SSL certificate was sent", "the policy's host requires a client certificate")
		r = w.must(t, with(good), w.https(policy, "/"), nil)
		require.Equal(t, http.StatusOK, r.status, "the policy's CA admits its client: %s", r)
		require.NotNil(t, r.seen)
		assert.Equal(t, "SUCCESS", r.seen.Identity["ssl-client-verify"], "the backend gets the verified identity")
		r = w.must(t, with(outsider), w.https(policy, "/"), nil)
		assert.Equal(t, http.StatusBadRequest, r.status, "the policy's CA refuses a certificate of another CA: %s", r)
	})
}

func (w *wire) redirect(t *testing.T) {
	const ns = "redirect"
	secure, forced, plain := "tls.redirect.wire.test", "forced.redirect.wire.test", "plain.redirect.wire.test"
	ca := w.newCA(t, "redirect CA")
	w.namespace(t, ns)
	w.create(t, tlsSecret(ns, "tls", leaf(t, ca, secure, certgen.DNSNames(secure))), externalName(ns, "backend"),
		newIngress(ns, "secure", secure, withTLS("tls"), route("/", "backend", w.echoPort)),
		newIngress(ns, "forced", forced, route("/", "backend", w.echoPort), annotate(ingressNginx+"force-ssl-redirect", "true")),
		newIngress(ns, "plain", plain, route("/", "backend", w.echoPort)))
	c := w.client(trusting(ca, nil))

	r := w.await(t, c, w.http(secure, "/a/b?x=1&y=two"), http.StatusPermanentRedirect, nil)
	assert.Equal(t, w.https(secure, "/a/b?x=1&y=two"), r.header.Get("Location"), "the redirect keeps host, path and query")

	r = w.await(t, c, w.http(forced, "/p?q=1"), http.StatusPermanentRedirect, nil)
	assert.Equal(t, w.https(forced, "/p?q=1"), r.header.Get("Location"), "force-ssl-redirect redirects a host without TLS")

	r = w.must(t, c, w.http(secure, "/.well-known/acme-challenge/x"), nil)
	require.Equal(t, http.StatusOK, r.status, "an ACME HTTP-01 challenge is served over plain HTTP, not redirected: %s", r)
	require.NotNil(t, r.seen)
	assert.Equal(t, "/.well-known/acme-challenge/x", r.seen.URI, "the challenge reaches the host's backend")

	r = w.await(t, c, w.http(plain, "/p"), http.StatusOK, nil)
	assert.NotNil(t, r.seen, "a host without TLS or force-ssl-redirect is served over plain HTTP")
}

func (w *wire) hsts(t *testing.T) {
	const ns = "hsts"
	own, missing := "own.hsts.wire.test", "missing.hsts.wire.test"
	ca := w.newCA(t, "hsts CA")
	w.namespace(t, ns)
	w.create(t, tlsSecret(ns, "tls", leaf(t, ca, own, certgen.DNSNames(own))), externalName(ns, "backend"),
		newIngress(ns, "web", own, withTLS("tls"), route("/", "backend", w.echoPort)),
		newIngress(ns, "missing", missing, withTLS("missing-tls"), route("/", "backend", w.echoPort)))

	def := config.Default()
	want := "max-age=" + strconv.FormatInt(def.HSTSMaxAge, 10)
	if def.HSTSIncludeSubdomains {
		want += "; includeSubDomains"
	}
	if def.HSTSPreload {
		want += "; preload"
	}
	r := w.await(t, w.client(trusting(ca, nil)), w.https(own, "/"), http.StatusOK, nil)
	assert.Equal(t, want, r.header.Get("Strict-Transport-Security"), "a host with its own certificate gets HSTS per the ConfigMap defaults")

	r = w.await(t, w.client(unverified()), w.https(missing, "/"), http.StatusOK, nil)
	require.NotNil(t, r.seen, "the host whose secret does not exist is served")
	assert.Equal(t, dataplane.DefaultCertificateCN, r.tls.PeerCertificates[0].Subject.CommonName, "with the default certificate")
	assert.Empty(t, r.header.Values("Strict-Transport-Security"), "no HSTS on a host served with the default certificate")
}

func (w *wire) unknownSNI(t *testing.T) {
	w.newCA(t, "unknown-SNI CA") // one CA at least, when this subtest runs alone
	state, err := w.handshake("nobody.wire.test", unverified())
	require.NoError(t, err, "a handshake for an unknown host gets the default certificate, not a refusal")
	cert := state.PeerCertificates[0]
	assert.Equal(t, dataplane.DefaultCertificateCN, cert.Subject.CommonName, "the generated default certificate")
	assert.Equal(t, cert.RawSubject, cert.RawIssuer, "the default certificate is self-issued")
	assert.NoError(t, cert.CheckSignature(cert.SignatureAlgorithm, cert.RawTBSCertificate, cert.Signature), "the default certificate is self-signed")
	for _, ca := range w.cas {
		_, err := cert.Verify(x509.VerifyOptions{Roots: ca.Pool()})
		assert.Error(t, err, "the default certificate must not chain to the test CA %q", ca.Cert.Subject.CommonName)
	}
}

func (w *wire) reencrypt(t *testing.T) {
	const ns = "reencrypt"
	verified, defaultName, untrusted := "verified.reencrypt.wire.test", "default-name.reencrypt.wire.test", "untrusted.reencrypt.wire.test"
	ca := w.newCA(t, "reencrypt CA")
	backendCA := w.newCA(t, "reencrypt backend CA")
	otherCA := w.newCA(t, "reencrypt other CA")
	port := tlsBackend(t, "https-app", leaf(t, backendCA, "app", certgen.DNSNames("app.reencrypt.internal", "localhost")), tls.NoClientCert, nil)
	w.namespace(t, ns)
	verify := func(secret string, extra ...string) ingressOption {
		return annotate(append([]string{
			ingressNginx + "backend-protocol", "HTTPS",
			ingressNginx + "proxy-ssl-secret", ns + "/" + secret,
			ingressNginx + "proxy-ssl-verify", "on",
		}, extra...)...)
	}
	w.create(t, tlsSecret(ns, "tls", leaf(t, ca, "reencrypt", certgen.DNSNames("*.reencrypt.wire.test"))),
		caSecret(ns, "backend-ca", backendCA), caSecret(ns, "other-ca", otherCA),
		externalName(ns, "app"), externalName(ns, "app-default-name"), externalName(ns, "app-untrusted"),
		newIngress(ns, "verified", verified, withTLS("tls"), route("/", "app", port), verify("backend-ca",
			ingressNginx+"proxy-ssl-name", "app.reencrypt.internal",
			ingressNginx+"proxy-ssl-server-name", "on")),
		newIngress(ns, "default-name", defaultName, withTLS("tls"), route("/", "app-default-name", port), verify("backend-ca")),
		newIngress(ns, "untrusted", untrusted, withTLS("tls"), route("/", "app-untrusted", port), verify("other-ca")),
	)
	c := w.client(trusting(ca, nil))

	r := w.await(t, c, w.https(verified, "/v"), http.StatusOK, nil)
	require.NotNil(t, r.seen)
	assert.Equal(t, "https-app", r.seen.Backend, "proxied over TLS to the HTTPS backend")
	assert.Equal(t, "app.reencrypt.internal", r.seen.SNI, "proxy-ssl-server-name sends proxy-ssl-name as SNI")

	r = w.await(t, c, w.https(defaultName, "/d"), http.StatusOK, nil)
	require.NotNil(t, r.seen)
	assert.Empty(t, r.seen.SNI, "no SNI to the backend without proxy-ssl-server-name")

	r = w.await(t, c, w.https(untrusted, "/u"), http.StatusBadGateway, nil)
	assert.Nil(t, r.seen, "a backend whose certificate the CA did not issue is never reached")

	// nginx keeps idle connections and TLS sessions per upstream: paths to
	// the same Service with different verification must not share them.
	t.Run("a path verifying against another CA never resumes a verified TLS session", func(t *testing.T) {
		srv := quietServer(echo("sess"))
		bc := leaf(t, backendCA, "sess", certgen.DNSNames("localhost"))
		pair, err := tls.X509KeyPair(bc.ChainPEM(), bc.KeyPEM())
		require.NoError(t, err)
		srv.TLS = &tls.Config{Certificates: []tls.Certificate{pair}}
		srv.StartTLS()
		defer srv.Close()
		sp := srv.Listener.Addr().(*net.TCPAddr).Port
		w.create(t, externalName(ns, "sess"),
			newIngress(ns, "sess-a", "sess-a.reencrypt.wire.test", withTLS("tls"), route("/", "sess", sp), verify("backend-ca")),
			newIngress(ns, "sess-b", "sess-b.reencrypt.wire.test", withTLS("tls"), route("/", "sess", sp), verify("other-ca")))
		w.await(t, c, w.https("sess-a.reencrypt.wire.test", "/"), 200, nil)
		w.programmed(t, c, w.https("sess-b.reencrypt.wire.test", "/"))
		for i := 0; i < 3; i++ {
			srv.CloseClientConnections()
			r := w.must(t, c, w.https("sess-a.reencrypt.wire.test", "/"), nil)
			require.Equal(t, 200, r.status)
			srv.CloseClientConnections()
			r = w.must(t, c, w.https("sess-b.reencrypt.wire.test", "/"), nil)
			assert.Equal(t, http.StatusBadGateway, r.status, "iteration %d: %s", i, r)
		}
	})
	t.Run("a path verifying against another CA never reuses a verified connection", func(t *testing.T) {
		const shared = "shared.reencrypt.wire.test"
		w.create(t, newIngress(ns, "shared", shared, withTLS("tls"), route("/", "app", port), verify("other-ca")))
		w.programmed(t, c, w.https(shared, "/s"))
		w.keptApart(t, c, w.https(verified, "/v"), w.https(shared, "/s"))
	})
}

func (w *wire) legacyTLS(t *testing.T) {
	const ns, host = "legacy", "legacy.wire.test"
	ca := w.newCA(t, "legacy CA")
	w.namespace(t, ns)
	w.create(t, tlsSecret(ns, "tls", leaf(t, ca, host, certgen.DNSNames(host))), externalName(ns, "backend"),
		newIngress(ns, "web", host, withTLS("tls"), route("/", "backend", w.echoPort)))
	w.await(t, w.client(trusting(ca, nil)), w.https(host, "/"), http.StatusOK, nil)
	tls11 := trusting(ca, nil)
	tls11.MinVersion, tls11.MaxVersion = tls.VersionTLS11, tls.VersionTLS11
	_, err := w.handshake(host, tls11)
	require.Error(t, err, "TLS 1.1 is refused by default")

	// TLS 1.1 on: the protocol, a CBC cipher for the ECDSA certificate, and
	// OpenSSL 3's security level 0 (level 1 and up forbid TLS 1.0/1.1).
	data := map[string]string{
		"allow-legacy-tls": "true",
		"ssl-protocols":    "TLSv1.1 TLSv1.2 TLSv1.3",
		"ssl-ciphers":      config.Default().SSLCiphers + ":ECDHE-ECDSA-AES128-SHA:@SECLEVEL=0",
	}
	_, fs := config.Parse(data)
	require.True(t, fs.Allowed(), "the ConfigMap is valid: %v", fs)
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: "portcullis-system", Name: "portcullis"}, Data: data}
	w.create(t, cm)
	t.Cleanup(func() {
		require.NoError(t, w.c.Delete(w.ctx, cm))
		eventually(t, "TLS 1.1 was still accepted after the ConfigMap was deleted", func() string {
			if _, err := w.handshake(host, tls11); err == nil {
				return "TLS 1.1 handshake succeeded"
			}
			return ""
		})
		w.settled(t)
	})
	eventually(t, "TLS 1.1 was never accepted with allow-legacy-tls", func() string {
		state, err := w.handshake(host, tls11)
		if err != nil {
			return err.Error()
		}
		if state.Version != tls.VersionTLS11 {
			return "negotiated " + tls.VersionName(state.Version)
		}
		return ""
	})
}

func (w *wire) rotation(t *testing.T) {
	const ns = "rotation"
	host, clientHost := "cert.rotation.wire.test", "client.rotation.wire.test"
	ca := w.newCA(t, "rotation CA")
	first := leaf(t, ca, "first", certgen.DNSNames("*.rotation.wire.test"))
	second := leaf(t, ca, "second", certgen.DNSNames("*.rotation.wire.test"))
	clientsA, clientsB := w.newCA(t, "rotation client CA A"), w.newCA(t, "rotation client CA B")
	clientA := leaf(t, clientsA, "client-a", certgen.ClientAuth())
	clientB := leaf(t, clientsB, "client-b", certgen.ClientAuth())
	secret, cas := tlsSecret(ns, "tls", first), caSecret(ns, "client-ca", clientsA)
	w.namespace(t, ns)
	w.create(t, secret, cas, externalName(ns, "backend"),
		newIngress(ns, "web", host, withTLS("tls"), route("/", "backend", w.echoPort)),
		newIngress(ns, "mtls", clientHost, withTLS("tls"), route("/", "backend", w.echoPort), annotate(
			ingressNginx+"auth-tls-secret", ns+"/client-ca")))
	c := w.client(trusting(ca, nil))
	r := w.await(t, c, w.https(host, "/"), http.StatusOK, nil)
	require.True(t, sameCert(r.tls.PeerCertificates[0], first.Cert), "the first certificate is served")
	pid := w.nginxPID(t)

	t.Run("TLS secret", func(t *testing.T) {
		secret.Data = map[string][]byte{"tls.crt": second.ChainPEM(), "tls.key": second.KeyPEM()}
		w.update(t, secret)
		w.servesCert(t, c, host, second, "the rotated certificate was never served")
		w.settled(t)
		assert.Equal(t, pid, w.nginxPID(t), "the same nginx master serves the new certificate (reloaded, not restarted)")
	})
	t.Run("TLS secret renewed with the same key: served without a reload, nothing dropped", func(t *testing.T) {
		// Another namespace's Secret of the same name, for its own host.
		const other = "rotation-other"
		otherHost := "cert.rotation-other.wire.test"
		otherLeaf := leaf(t, ca, "other", certgen.DNSNames(otherHost))
		w.namespace(t, other)
		w.create(t, tlsSecret(other, "tls", otherLeaf), externalName(other, "backend"),
			newIngress(other, "web", otherHost, withTLS("tls"), route("/", "backend", w.echoPort)))
		w.await(t, c, w.https(otherHost, "/"), http.StatusOK, nil)
		w.settled(t)
		workers := w.nginxWorkers(t)

		var total, dropped atomic.Int64
		stop, stopped := make(chan struct{}), make(chan struct{})
		go func() {
			defer close(stopped)
			fresh := w.client(trusting(ca, nil)) // a new connection per request
			for {
				select {
				case <-stop:
					return
				default:
				}
				total.Add(1)
				if r, err := w.get(fresh, w.https(host, "/"), nil); err != nil || r.status != http.StatusOK {
					dropped.Add(1)
				}
			}
		}()
		renewed := leaf(t, ca, "renewed", certgen.DNSNames("*.rotation.wire.test"), certgen.WithKey(second.Key))
		secret.Data = map[string][]byte{"tls.crt": renewed.ChainPEM(), "tls.key": renewed.KeyPEM()}
		w.update(t, secret)
		w.servesCert(t, c, host, renewed, "the renewed certificate was never served")
		close(stop)
		<-stopped
		w.settled(t)
		assert.Positive(t, total.Load())
		assert.Zero(t, dropped.Load(), "requests failed during the renewal (of %d)", total.Load())
		assert.Equal(t, workers, w.nginxWorkers(t), "the same nginx workers serve (no reload)")
		r = w.must(t, c, w.https(otherHost, "/"), nil)
		assert.True(t, sameCert(r.tls.PeerCertificates[0], otherLeaf.Cert), "the other namespace's host keeps its certificate")
	})
	t.Run("CA secret ca.crt only", func(t *testing.T) {
		w.await(t, w.client(trusting(ca, clientA)), w.https(clientHost, "/"), http.StatusOK, nil)
		r := w.must(t, w.client(trusting(ca, clientB)), w.https(clientHost, "/"), nil)
		require.Equal(t, http.StatusBadRequest, r.status, "CA B's client is refused before the rotation: %s", r)

		cas.Data = map[string][]byte{"ca.crt": clientsB.CertPEM()}
		w.update(t, cas)
		w.await(t, w.client(trusting(ca, clientB)), w.https(clientHost, "/"), http.StatusOK, nil)
		r = w.must(t, w.client(trusting(ca, clientA)), w.https(clientHost, "/"), nil)
		assert.Equal(t, http.StatusBadRequest, r.status, "CA A's client is refused after ca.crt moved to CA B: %s", r)
		assert.Equal(t, pid, w.nginxPID(t), "the same nginx master enforces the new CA")
	})
}

func (w *wire) blastRadius(t *testing.T) {
	const ns, n = "blast", 50
	broken := "broken.blast.wire.test"
	ca := w.newCA(t, "blast CA")
	w.namespace(t, ns)
	w.create(t, tlsSecret(ns, "tls", leaf(t, ca, "blast", certgen.DNSNames("*.blast.wire.test"))), externalName(ns, "backend"))
	hosts := make([]string, n)
	for i := range hosts {
		hosts[i] = fmt.Sprintf("ok-%02d.blast.wire.test", i)
		w.create(t, newIngress(ns, fmt.Sprintf("ok-%02d", i), hosts[i], withTLS("tls"), route("/", "backend", w.echoPort)))
	}
	// Refused by lib (raw nginx configuration); admitted because no webhook runs.
	bad := newIngress(ns, "broken", broken, withTLS("tls"), route("/", "backend", w.echoPort),
		annotate(ingressNginx+"configuration-snippet", "return 200 'injected';"))
	w.create(t, bad)
	c := w.client(trusting(ca, nil))
	allServe := func(what string) {
		t.Helper()
		eventually(t, what, func() string {
			for _, h := range hosts {
				r, err := w.get(c, w.https(h, "/"), nil)
				if err != nil {
					return h + ": " + err.Error()
				}
				if r.status != http.StatusOK || r.seen == nil {
					return h + ": " + r.String()
				}
			}
			return ""
		})
	}

	allServe("the 50 valid Ingresses did not all serve beside a refused one")
	w.await(t, c, w.http(broken, "/"), http.StatusServiceUnavailable, nil) // 404 until programmed
	_, err := w.handshake(broken, unverified())
	assert.Error(t, err, "the refused Ingress's host refuses the TLS handshake")

	delete(bad.Annotations, ingressNginx+"configuration-snippet")
	w.update(t, bad)
	r := w.await(t, c, w.https(broken, "/"), http.StatusOK, nil)
	assert.NotNil(t, r.seen, "the fixed Ingress's host reaches its backend")
	allServe("the 50 valid Ingresses stopped serving after the fix")
}

func (w *wire) mergeable(t *testing.T) {
	const ns, host = "merge", "shop.merge.wire.test"
	ca := w.newCA(t, "merge CA")
	backendCA := w.newCA(t, "merge backend CA")
	egressCA := w.newCA(t, "merge egress client CA")
	backendCert := leaf(t, backendCA, "backend", certgen.DNSNames("localhost"))
	// payments requires a client certificate from the egress CA; catalog
	// takes one if sent and reports it.
	payments := tlsBackend(t, "payments", backendCert, tls.RequireAndVerifyClientCert, egressCA)
	catalog := tlsBackend(t, "catalog", backendCert, tls.VerifyClientCertIfGiven, egressCA)
	w.namespace(t, ns)
	w.create(t, tlsSecret(ns, "tls", leaf(t, ca, host, certgen.DNSNames(host))),
		tlsSecret(ns, "egress-client", leaf(t, egressCA, "portcullis-egress", certgen.ClientAuth())),
		caSecret(ns, "backend-ca", backendCA),
		externalName(ns, "payments"), externalName(ns, "catalog"),
		&nginxv1.Policy{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "egress"},
			Spec: nginxv1.PolicySpec{EgressMTLS: &nginxv1.EgressMTLS{TLSSecret: "egress-client", TrustedCertSecret: "backend-ca", VerifyServer: true}}},
		newIngress(ns, "master", host, withTLS("tls"), annotate(nginxOrg+"mergeable-ingress-type", "master")),
		newIngress(ns, "payments", host, route("/pay", "payments", payments), annotate(
			nginxOrg+"mergeable-ingress-type", "minion",
			nginxOrg+"ssl-services", "payments",
			nginxOrg+"policies", "egress")),
		newIngress(ns, "catalog", host, route("/catalog", "catalog", catalog), annotate(
			nginxOrg+"mergeable-ingress-type", "minion",
			nginxOrg+"ssl-services", "catalog")),
	)
	c := w.client(trusting(ca, nil))

	r := w.await(t, c, w.https(host, "/pay/1"), http.StatusOK, nil)
	require.NotNil(t, r.seen)
	assert.Equal(t, "payments", r.seen.Backend, "the minion's path reaches its backend")
	assert.Equal(t, "portcullis-egress", r.seen.ClientCN, "the egressMTLS minion presents the policy's client certificate")

	r = w.await(t, c, w.https(host, "/catalog/1"), http.StatusOK, nil)
	require.NotNil(t, r.seen)
	assert.Equal(t, "catalog", r.seen.Backend, "the other minion's path reaches its backend")
	assert.Empty(t, r.seen.ClientCN, "the other minion's path does not carry the egress client certificate")

	t.Run("the egress client certificate stays on its minion's paths", func(t *testing.T) {
		w.create(t, newIngress(ns, "reviews", host, route("/reviews", "payments", payments), annotate(
			nginxOrg+"mergeable-ingress-type", "minion",
			nginxOrg+"ssl-services", "payments")))
		w.programmed(t, c, w.https(host, "/reviews/1"))
		w.keptApart(t, c, w.https(host, "/pay/1"), w.https(host, "/reviews/1"))
	})
	r = w.must(t, c, w.https(host, "/elsewhere"), nil)
	assert.Equal(t, http.StatusNotFound, r.status, "a path no minion claims is 404 on the master's host: %s", r)
}

// endpoints: a ClusterIP Service's traffic goes to the ready addresses of
// its EndpointSlices (FEATURES.md §8), on the endpoint port named like the
// Service port. The API server refuses loopback endpoint addresses, so the
// backend listens on this machine's own non-loopback address.
func (w *wire) endpoints(t *testing.T) {
	const ns, host = "endpoints", "endpoints.wire.test"
	var ip net.IP
	addrs, err := net.InterfaceAddrs()
	require.NoError(t, err)
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && n.IP.To4() != nil && !n.IP.IsLoopback() && !n.IP.IsLinkLocalUnicast() {
			ip = n.IP
			break
		}
	}
	require.NotNil(t, ip, "this test needs a non-loopback IPv4 address on the machine (the API server refuses loopback endpoints)")
	l, err := net.Listen("tcp", net.JoinHostPort(ip.String(), "0"))
	require.NoError(t, err)
	srv := quietServer(echo("endpoints"))
	srv.Listener.Close()
	srv.Listener = l
	srv.Start()
	t.Cleanup(srv.Close)
	port := int32(l.Addr().(*net.TCPAddr).Port)

	ca := w.newCA(t, "endpoints CA")
	w.namespace(t, ns)
	ready, notReady := true, false
	name := "http"
	w.create(t, tlsSecret(ns, "tls", leaf(t, ca, host, certgen.DNSNames(host))),
		&corev1.Service{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "app"}, Spec: corev1.ServiceSpec{
			Ports: []corev1.ServicePort{{Name: name, Port: 80, TargetPort: intstr.FromInt32(port)}}}},
		&discoveryv1.EndpointSlice{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "app-1",
			Labels: map[string]string{discoveryv1.LabelServiceName: "app"}},
			AddressType: discoveryv1.AddressTypeIPv4,
			Ports:       []discoveryv1.EndpointPort{{Name: &name, Port: &port}},
			Endpoints: []discoveryv1.Endpoint{
				{Addresses: []string{ip.String()}, Conditions: discoveryv1.EndpointConditions{Ready: &ready}},
				// Not ready, and nothing listens there: never sent traffic.
				{Addresses: []string{"192.0.2.254"}, Conditions: discoveryv1.EndpointConditions{Ready: &notReady}},
			}},
		newIngress(ns, "app", host, withTLS("tls"), route("/", "app", 80)))
	c := w.client(trusting(ca, nil))
	for i := 0; i < 5; i++ {
		r := w.await(t, c, w.https(host, "/e"), http.StatusOK, nil)
		require.NotNil(t, r.seen)
		assert.Equal(t, "endpoints", r.seen.Backend, "served by the endpoint, not the ClusterIP")
	}
	conf, err := os.ReadFile(filepath.Join(w.nginxDir, "nginx.conf"))
	require.NoError(t, err)
	assert.Contains(t, string(conf), fmt.Sprintf("server %q;", net.JoinHostPort(ip.String(), strconv.Itoa(int(port)))))
	assert.NotContains(t, string(conf), "192.0.2.254", "a not-ready endpoint is left out")
}

// nginxRefuses: lib accepts an ExternalName Service whose name does not
// resolve, but nginx -t refuses a configuration with it as an upstream. The
// controller finds that Ingress by bisection and refuses it alone: its host
// fails closed with a Rejected event naming nginx's complaint, and a new
// Ingress created afterwards is still served.
func (w *wire) nginxRefuses(t *testing.T) {
	const ns, bad, good = "unresolvable", "bad.unresolvable.wire.test", "good.unresolvable.wire.test"
	ca := w.newCA(t, "unresolvable CA")
	w.namespace(t, ns)
	w.create(t, tlsSecret(ns, "tls", leaf(t, ca, "*.unresolvable.wire.test", certgen.DNSNames("*.unresolvable.wire.test"))),
		externalName(ns, "backend"),
		&corev1.Service{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "nowhere"},
			Spec: corev1.ServiceSpec{Type: corev1.ServiceTypeExternalName, ExternalName: "no-such-host.invalid"}},
		newIngress(ns, "bad", bad, withTLS("tls"), route("/", "nowhere", 80)))
	w.create(t, newIngress(ns, "good", good, withTLS("tls"), route("/", "backend", w.echoPort)))
	c := w.client(trusting(ca, nil))
	w.await(t, c, w.https(good, "/"), http.StatusOK, nil)
	eventually(t, "the unresolvable Ingress's host was not failed closed", func() string {
		if _, err := w.handshake(bad, trusting(ca, nil)); err == nil {
			return "TLS handshake for " + bad + " succeeded"
		}
		return ""
	})
	eventually(t, "no Rejected event names nginx's complaint", func() string {
		var evs eventsv1.EventList
		if err := w.c.List(w.ctx, &evs, client.InNamespace(ns)); err != nil {
			return err.Error()
		}
		for _, e := range evs.Items {
			if e.Regarding.Name == "bad" && e.Reason == "Rejected" && strings.Contains(e.Note, "no-such-host.invalid") {
				return ""
			}
		}
		return fmt.Sprintf("%d events in %s", len(evs.Items), ns)
	})
	// Later changes still reach nginx.
	const later = "later.unresolvable.wire.test"
	w.create(t, newIngress(ns, "later", later, withTLS("tls"), route("/", "backend", w.echoPort)))
	w.await(t, c, w.https(later, "/"), http.StatusOK, nil)
	w.await(t, c, w.https(good, "/"), http.StatusOK, nil)
	_, err := w.handshake(bad, trusting(ca, nil))
	assert.Error(t, err, "the refused Ingress's host still fails closed (refused again, from the last sync's culprits)")
}

// secretDeleted: deleting the certificate Secret of a served host makes
// that host fall back to the default certificate (FEATURES.md §2, the
// ingress-nginx behaviour) with a Degraded event, while a host with another
// Secret keeps its own certificate.
func (w *wire) secretDeleted(t *testing.T) {
	const ns, gone, kept = "deleted", "gone.deleted.wire.test", "kept.deleted.wire.test"
	ca := w.newCA(t, "deleted CA")
	w.namespace(t, ns)
	goneTLS := tlsSecret(ns, "gone-tls", leaf(t, ca, gone, certgen.DNSNames(gone)))
	w.create(t, goneTLS, tlsSecret(ns, "kept-tls", leaf(t, ca, kept, certgen.DNSNames(kept))), externalName(ns, "backend"),
		newIngress(ns, "gone", gone, withTLS("gone-tls"), route("/", "backend", w.echoPort)),
		newIngress(ns, "kept", kept, withTLS("kept-tls"), route("/", "backend", w.echoPort)))
	c := w.client(trusting(ca, nil))
	w.await(t, c, w.https(gone, "/"), http.StatusOK, nil)
	w.await(t, c, w.https(kept, "/"), http.StatusOK, nil)
	before := w.nginxPID(t)

	require.NoError(t, w.c.Delete(w.ctx, goneTLS))
	eventually(t, "the host whose Secret was deleted still had its own certificate", func() string {
		r, err := w.get(w.client(unverified()), w.https(gone, "/"), nil)
		if err != nil {
			return err.Error()
		}
		if cn := r.tls.PeerCertificates[0].Subject.CommonName; cn != dataplane.DefaultCertificateCN {
			return "served " + cn
		}
		return ""
	})
	w.settled(t)
	r := w.must(t, c, w.https(kept, "/"), nil)
	assert.Equal(t, http.StatusOK, r.status, "the other host still serves with its own certificate")
	assert.Equal(t, before, w.nginxPID(t), "nginx reloaded, not restarted")
	eventually(t, "no Degraded event on the Ingress whose Secret was deleted", func() string {
		var evs eventsv1.EventList
		if err := w.c.List(w.ctx, &evs, client.InNamespace(ns)); err != nil {
			return err.Error()
		}
		for _, e := range evs.Items {
			if e.Regarding.Name == "gone" && e.Reason == "Degraded" && strings.Contains(e.Note, "default certificate") {
				return ""
			}
		}
		return fmt.Sprintf("%d events", len(evs.Items))
	})
}

// invalidConfigMap: a controller ConfigMap that does not parse (an update
// that got past the webhook) leaves the last good configuration in force,
// and the controller says so in a Warning event on the ConfigMap.
func (w *wire) invalidConfigMap(t *testing.T) {
	const ns, host = "configmap", "web.configmap.wire.test"
	ca := w.newCA(t, "configmap CA")
	w.namespace(t, ns)
	w.create(t, tlsSecret(ns, "tls", leaf(t, ca, host, certgen.DNSNames(host))), externalName(ns, "backend"),
		newIngress(ns, "web", host, withTLS("tls"), route("/", "backend", w.echoPort)))
	c := w.client(trusting(ca, nil))
	hsts := func() string {
		r, err := w.get(c, w.https(host, "/"), nil)
		if err != nil {
			return err.Error()
		}
		return r.header.Get("Strict-Transport-Security")
	}
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: "portcullis-system", Name: "portcullis"},
		Data: map[string]string{"hsts-max-age": "600"}}
	w.create(t, cm)
	t.Cleanup(func() { _ = w.c.Delete(w.ctx, cm) })
	eventually(t, "the ConfigMap's hsts-max-age never took effect", func() string {
		if got := hsts(); !strings.HasPrefix(got, "max-age=600;") {
			return got
		}
		return ""
	})

	cm.Data = map[string]string{"hsts-max-age": "soon"}
	w.update(t, cm)
	eventually(t, "no ConfigurationRefused event on the ConfigMap", func() string {
		var evs eventsv1.EventList
		if err := w.c.List(w.ctx, &evs, client.InNamespace("portcullis-system")); err != nil {
			return err.Error()
		}
		for _, e := range evs.Items {
			if e.Regarding.Kind == "ConfigMap" && e.Regarding.Name == "portcullis" && e.Reason == "ConfigurationRefused" &&
				strings.Contains(e.Note, "hsts-max-age") {
				return ""
			}
		}
		return fmt.Sprintf("%d events", len(evs.Items))
	})
	w.settled(t)
	assert.True(t, strings.HasPrefix(hsts(), "max-age=600;"), "the last good configuration stays in force: %s", hsts())
	assert.Equal(t, "portcullis_configmap_refused gauge:{value:1}", metricLine(t, "portcullis_configmap_refused"), "the refusal is a metric too")

	cm.Data = map[string]string{"hsts-max-age": "700"}
	w.update(t, cm)
	eventually(t, "the fixed ConfigMap never took effect", func() string {
		if got := hsts(); !strings.HasPrefix(got, "max-age=700;") {
			return got
		}
		return ""
	})
	assert.Equal(t, "portcullis_configmap_refused gauge:{value:0}", metricLine(t, "portcullis_configmap_refused"))
}

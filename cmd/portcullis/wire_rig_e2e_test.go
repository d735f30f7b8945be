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
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/seed-d040b84d/portcullis/controller/nginx"
	"github.com/seed-d040b84d/portcullis/test/certgen"
	"github.com/seed-d040b84d/portcullis/test/gen"
)

// The running system the wire tests talk to (TestWireBehaviour, and other
// tests of this package that start their own): the manager's nginx on
// loopback, test backends, Go clients, and waits on nginx's reloads.

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
	system              string // the controller's namespace, where its ConfigMap lives
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
	w.system = f.namespace
	w.namespace(t, w.system)
	done := managerRunning(ctx, t, api.Config, f)
	t.Cleanup(func() { stopsCleanly(t, cancel, done) })
	// The caches have synced; nginx answers once the first configuration is in.
	w.await(t, w.client(unverified()), w.http("nobody.wire.test", "/"), http.StatusNotFound, nil)
	return w
}

// --- objects -----------------------------------------------------------------

func (w *wire) namespace(t *testing.T, name string) {
	t.Helper()
	require.NoError(t, w.c.Create(w.ctx, gen.Namespace(name)))
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

// controllerConfig creates the controller ConfigMap with data. When the test
// ends it is deleted, and the cleanup waits until restored has nothing to
// complain about (nginx is back on the defaults) and the reload has settled,
// so the next test starts from the defaults.
func (w *wire) controllerConfig(t *testing.T, data gen.DataOption, restored func() string) *corev1.ConfigMap {
	t.Helper()
	cm := gen.ConfigMap("portcullis", gen.InNamespace(w.system), data)
	w.create(t, cm)
	t.Cleanup(func() {
		require.NoError(t, w.c.Delete(w.ctx, cm))
		eventually(t, "nginx never went back to the defaults after the ConfigMap was deleted", restored)
		w.settled(t)
	})
	return cm
}

// newCA makes a root CA.
func (w *wire) newCA(t *testing.T, cn string) *certgen.Cert {
	t.Helper()
	ca, err := certgen.NewCA(certgen.CommonName(cn))
	require.NoError(t, err)
	return ca
}

func leaf(t *testing.T, issuer *certgen.Cert, cn string, opts ...certgen.Option) *certgen.Cert {
	t.Helper()
	c, err := issuer.NewLeaf(append([]certgen.Option{certgen.CommonName(cn)}, opts...)...)
	require.NoError(t, err)
	return c
}

// --- backends ----------------------------------------------------------------

// seen is what a test backend saw of a request; it answers it as JSON.
type seen struct {
	Backend  string            // which test backend answered
	Host     string            // the Host header
	URI      string            // the request URI
	Identity map[string]string // the ssl-client-* request headers that reached it
	Prefix   string            // the X-Forwarded-Prefix header
	SNI      string            // the server name nginx sent (HTTPS backends)
	ClientCN string            // CN of the certificate nginx presented (HTTPS backends)
}

func echo(name string) http.Handler {
	return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		s := seen{Backend: name, Host: r.Host, URI: r.RequestURI, Identity: map[string]string{}, Prefix: r.Header.Get("X-Forwarded-Prefix")}
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
	return w.send(c, http.MethodGet, url, header)
}

// send is one request of any method with header, answered by nginx.
func (w *wire) send(c *http.Client, method, url string, header map[string]string) (reply, error) {
	req, err := http.NewRequest(method, url, nil)
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
	return w.awaitReply(t, fmt.Sprintf("GET %s", url), want, func() (reply, error) { return w.get(c, url, header) })
}

// awaitReply polls do until it answers want, then waits until nginx has
// settled on the configuration that answered.
func (w *wire) awaitReply(t *testing.T, what string, want int, do func() (reply, error)) reply {
	t.Helper()
	var r reply
	eventually(t, fmt.Sprintf("%s never answered %d", what, want), func() string {
		var err error
		if r, err = do(); err != nil {
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
	eventuallyWithin(t, 30*time.Second, what, cond)
}

// eventuallyWithin is eventually with its own time limit.
func eventuallyWithin(t *testing.T, limit time.Duration, what string, cond func() string) {
	t.Helper()
	last := "never polled"
	if !assert.Eventually(t, func() bool { last = cond(); return last == "" }, limit, 150*time.Millisecond) {
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

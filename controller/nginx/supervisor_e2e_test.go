//go:build e2e

package nginx

import (
	"context"
	"crypto"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/go-logr/logr"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/seed-d040b84d/portcullis/controller/dataplane"
	"github.com/seed-d040b84d/portcullis/lib/certs"
	"github.com/seed-d040b84d/portcullis/lib/config"
	"github.com/seed-d040b84d/portcullis/lib/validate"
	"github.com/seed-d040b84d/portcullis/lib/world"
	"github.com/seed-d040b84d/portcullis/test/certgen"
)

// e2eWorld is a world of real certificates and Ingresses around one backend.
type e2eWorld struct {
	serverCA, clientCA, otherCA  *certgen.Cert
	goodClient, wrongCN, outside *certgen.Cert
	serverKey                    crypto.Signer
	objects                      []any
}

// servedSerial is the serial number of the certificate a new TLS
// handshake for host gets, verified against roots (by nothing when nil).
func servedSerial(tb testing.TB, port int, host string, roots *x509.CertPool) string {
	tb.Helper()
	conn, err := tls.Dial("tcp", "127.0.0.1:"+strconv.Itoa(port), &tls.Config{ServerName: host, RootCAs: roots, InsecureSkipVerify: roots == nil})
	if err != nil {
		tb.Fatal(err)
	}
	defer conn.Close()
	return conn.ConnectionState().PeerCertificates[0].SerialNumber.String()
}

// nginxWorkers are the process IDs of the master's children: a reload
// starts new ones.
func nginxWorkers(t *testing.T, s *Supervisor) string {
	t.Helper()
	s.mu.Lock()
	pid := s.cmd.Process.Pid
	s.mu.Unlock()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/children", pid, pid))
	require.NoError(t, err)
	return strings.TrimSpace(string(b))
}

func newE2EWorld(t *testing.T, backendPort int) *e2eWorld {
	t.Helper()
	var err error
	w := &e2eWorld{}
	w.serverCA, err = certgen.NewCA(certgen.CommonName("e2e server CA"))
	require.NoError(t, err)
	leaf, err := w.serverCA.NewLeaf(certgen.CommonName("example.test"), certgen.DNSNames("*.example.test"))
	require.NoError(t, err)
	w.serverKey = leaf.Key
	w.clientCA, err = certgen.NewCA(certgen.CommonName("e2e client CA"))
	require.NoError(t, err)
	w.goodClient, err = w.clientCA.NewLeaf(certgen.CommonName("good-client"), certgen.ClientAuth())
	require.NoError(t, err)
	w.wrongCN, err = w.clientCA.NewLeaf(certgen.CommonName("someone-else"), certgen.ClientAuth())
	require.NoError(t, err)
	w.otherCA, err = certgen.NewCA(certgen.CommonName("e2e other CA"))
	require.NoError(t, err)
	w.outside, err = w.otherCA.NewLeaf(certgen.CommonName("good-client"), certgen.ClientAuth())
	require.NoError(t, err)
	w.objects = []any{
		&corev1.Secret{ObjectMeta: meta("web-tls"), Type: corev1.SecretTypeTLS,
			Data: map[string][]byte{"tls.crt": leaf.ChainPEM(), "tls.key": leaf.KeyPEM()}},
		&corev1.Secret{ObjectMeta: meta("client-ca"), Type: "nginx.org/ca",
			Data: map[string][]byte{"ca.crt": w.clientCA.CertPEM()}},
		&corev1.Service{ObjectMeta: meta("backend"), Spec: corev1.ServiceSpec{Type: corev1.ServiceTypeExternalName, ExternalName: "localhost"}},
		e2eIngress("web", "web.example.test", backendPort, nil),
		e2eIngress("secure", "secure.example.test", backendPort, map[string]string{
			"nginx.ingress.kubernetes.io/auth-tls-secret":                       "default/client-ca",
			"nginx.ingress.kubernetes.io/auth-tls-match-cn":                     "CN=good-client",
			"nginx.ingress.kubernetes.io/auth-tls-pass-certificate-to-upstream": "true",
		}),
		e2eIngress("broken", "broken.example.test", backendPort, map[string]string{
			"nginx.ingress.kubernetes.io/auth-tls-secret": "default/no-such-ca",
		}),
	}
	return w
}

func meta(name string) metav1.ObjectMeta {
	return metav1.ObjectMeta{Name: name, Namespace: "default", ResourceVersion: "1"}
}

func e2eIngress(name, host string, port int, ann map[string]string) *networkingv1.Ingress {
	pt := networkingv1.PathTypePrefix
	m := meta(name)
	m.Annotations = ann
	return &networkingv1.Ingress{ObjectMeta: m, Spec: networkingv1.IngressSpec{
		IngressClassName: ptr("portcullis"),
		TLS:              []networkingv1.IngressTLS{{Hosts: []string{host}, SecretName: "web-tls"}},
		Rules: []networkingv1.IngressRule{{Host: host, IngressRuleValue: networkingv1.IngressRuleValue{HTTP: &networkingv1.HTTPIngressRuleValue{
			Paths: []networkingv1.HTTPIngressPath{{Path: "/", PathType: &pt, Backend: networkingv1.IngressBackend{
				Service: &networkingv1.IngressServiceBackend{Name: "backend", Port: networkingv1.ServiceBackendPort{Number: int32(port)}},
			}}},
		}}}},
	}}
}

// model judges the objects with lib and builds the model, as the reconciler does.
func e2eModel(t *testing.T, objects []any, def *certs.ServerCert) *dataplane.Model {
	t.Helper()
	return e2eModelWith(t, objects, def, func(*config.Config) {})
}

// e2eModelWith is e2eModel with the ConfigMap's settings changed by set.
func e2eModelWith(t *testing.T, objects []any, def *certs.ServerCert, set func(*config.Config)) *dataplane.Model {
	t.Helper()
	w := world.NewStatic()
	w.Add(objects...)
	cache := &certs.Cache{}
	cfg := config.Default()
	set(&cfg)
	v := validate.New(validate.Options{Config: cfg}, cache)
	m, err := dataplane.Build(dataplane.Judge(v, w), dataplane.Options{
		Config: cfg, Resolver: w, Certs: cache, Backends: dataplane.ServiceBackends{Resolver: w}, DefaultCertificate: def,
	})
	require.NoError(t, err)
	return m
}

// client speaks to nginx on loopback whatever the URL's host, verifying the
// server against the e2e server CA and presenting cert when given.
func client(httpsPort, httpPort int, roots *x509.CertPool, cert *certgen.Cert) *http.Client {
	tc := &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12}
	if cert != nil {
		tc.Certificates = []tls.Certificate{{Certificate: [][]byte{cert.Cert.Raw}, PrivateKey: cert.Key}}
	}
	dialer := &net.Dialer{Timeout: 2 * time.Second}
	return &http.Client{
		Timeout: 5 * time.Second,
		Transport: &http.Transport{
			TLSClientConfig:   tc,
			DisableKeepAlives: true,
			DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
				_, port, _ := net.SplitHostPort(addr)
				return dialer.DialContext(ctx, network, "127.0.0.1:"+port)
			},
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

type reply struct {
	status int
	header http.Header
	body   string
}

func get(t *testing.T, c *http.Client, url string, header map[string]string) reply {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	require.NoError(t, err)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := c.Do(req)
	require.NoError(t, err, url)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return reply{resp.StatusCode, resp.Header, string(b)}
}

func TestSupervisorServesRealTLS(t *testing.T) {
	for _, static := range []bool{false, true} {
		t.Run("static certificates="+strconv.FormatBool(static), func(t *testing.T) { servesRealTLS(t, static) })
	}
}

func servesRealTLS(t *testing.T, static bool) {
	e2eModel := func(t *testing.T, objects []any, def *certs.ServerCert) *dataplane.Model {
		t.Helper()
		return e2eModelWith(t, objects, def, func(c *config.Config) { c.StaticCertificates = static })
	}
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "host=%s verify=%q dn=%q cert=%t", r.Host, r.Header.Get("ssl-client-verify"),
			r.Header.Get("ssl-client-subject-dn"), r.Header.Get("ssl-client-cert") != "")
	}))
	defer backend.Close()
	backendPort := backend.Listener.Addr().(*net.TCPAddr).Port

	sup, dir, httpPort, httpsPort := startSupervisor(t)

	def, err := dataplane.GenerateDefaultCertificate(time.Now())
	require.NoError(t, err)
	w := newE2EWorld(t, backendPort)
	ctx := context.Background()
	changed, err := sup.Apply(ctx, e2eModel(t, w.objects, def))
	require.NoError(t, err)
	require.True(t, changed)
	first := sup.Generation()

	roots := w.serverCA.Pool()
	https := func(host string) string { return "https://" + host + ":" + strconv.Itoa(httpsPort) + "/" }
	anon := client(httpsPort, httpPort, roots, nil)

	t.Run("TLS host serves with HSTS and cleared identity headers", func(t *testing.T) {
		r := get(t, anon, https("web.example.test"), map[string]string{"ssl-client-verify": "SUCCESS", "ssl-client-subject-dn": "CN=forged"})
		assert.Equal(t, 200, r.status)
		assert.Equal(t, `host=web.example.test verify="" dn="" cert=false`, r.body)
		assert.Equal(t, "max-age=31536000; includeSubDomains", r.header.Get("Strict-Transport-Security"))
	})
	t.Run("plain HTTP redirects with 308", func(t *testing.T) {
		r := get(t, anon, "http://web.example.test:"+strconv.Itoa(httpPort)+"/a?b=c", nil)
		assert.Equal(t, 308, r.status)
		assert.Equal(t, "https://web.example.test:"+strconv.Itoa(httpsPort)+"/a?b=c", r.header.Get("Location"))
	})
	t.Run("mTLS", func(t *testing.T) {
		r := get(t, anon, https("secure.example.test"), nil)
		assert.Equal(t, 400, r.status)
		assert.Contains(t, r.body, "No required SSL certificate was sent")

		r = get(t, client(httpsPort, httpPort, roots, w.outside), https("secure.example.test"), nil)
		assert.Equal(t, 400, r.status, "certificate from another CA")

		r = get(t, client(httpsPort, httpPort, roots, w.wrongCN), https("secure.example.test"), nil)
		assert.Equal(t, 403, r.status, "CN does not match")

		r = get(t, client(httpsPort, httpPort, roots, w.goodClient), https("secure.example.test"), map[string]string{"ssl-client-verify": "FORGED"})
		assert.Equal(t, 200, r.status)
		assert.Equal(t, `host=secure.example.test verify="SUCCESS" dn="CN=good-client" cert=true`, r.body)
	})
	t.Run("client auth is not bypassed by a Host another SNI negotiated", func(t *testing.T) {
		// The handshake names a host without client authentication (and,
		// with dynamic certificates, the context every such host shares);
		// the request names the mTLS host: 421, with or without a
		// client certificate from the right CA.
		for _, cert := range []*certgen.Cert{nil, w.goodClient} {
			c := client(httpsPort, httpPort, roots, cert)
			c.Transport.(*http.Transport).TLSClientConfig.ServerName = "web.example.test"
			r := get(t, c, https("secure.example.test"), nil)
			assert.Equal(t, http.StatusMisdirectedRequest, r.status, "client certificate: %v", cert != nil)
			assert.NotContains(t, r.body, "host=secure.example.test")
		}
		// A name no server has (the default server's context) never asked
		// for a certificate: the mTLS host answers 400.
		for _, cert := range []*certgen.Cert{nil, w.goodClient} {
			c := client(httpsPort, httpPort, nil, cert)
			c.Transport.(*http.Transport).TLSClientConfig.ServerName = "unknown.example.test"
			c.Transport.(*http.Transport).TLSClientConfig.InsecureSkipVerify = true
			r := get(t, c, https("secure.example.test"), nil)
			assert.Equal(t, http.StatusBadRequest, r.status, "client certificate: %v", cert != nil)
			assert.Contains(t, r.body, "No required SSL certificate was sent")
		}
	})
	t.Run("fail-closed host refuses the handshake while others serve", func(t *testing.T) {
		conn, err := tls.Dial("tcp", "127.0.0.1:"+strconv.Itoa(httpsPort), &tls.Config{ServerName: "broken.example.test", RootCAs: roots})
		if err == nil {
			conn.Close()
		}
		require.Error(t, err)
		assert.Equal(t, 200, get(t, anon, https("web.example.test"), nil).status)
	})
	t.Run("unknown SNI gets the default certificate", func(t *testing.T) {
		conn, err := tls.Dial("tcp", "127.0.0.1:"+strconv.Itoa(httpsPort), &tls.Config{ServerName: "unknown.example.test", InsecureSkipVerify: true})
		require.NoError(t, err)
		defer conn.Close()
		assert.Equal(t, dataplane.DefaultCertificateCN, conn.ConnectionState().PeerCertificates[0].Subject.CommonName)
	})

	t.Run("unchanged model does not reload", func(t *testing.T) {
		changed, err := sup.Apply(ctx, e2eModel(t, w.objects, def))
		require.NoError(t, err)
		assert.False(t, changed)
		assert.Equal(t, first, sup.Generation())
	})

	t.Run("a tree the reloading master refuses keeps the last good one", func(t *testing.T) {
		before, err := os.ReadFile(filepath.Join(dir, "nginx.conf"))
		require.NoError(t, err)
		objs := append(append([]any{}, w.objects...),
			&corev1.Service{ObjectMeta: meta("nowhere"), Spec: corev1.ServiceSpec{Type: corev1.ServiceTypeExternalName, ExternalName: "no-such-host.invalid"}},
			e2eIngress("nowhere", "nowhere.example.test", 80, nil))
		objs[len(objs)-1].(*networkingv1.Ingress).Spec.Rules[0].HTTP.Paths[0].Backend.Service.Name = "nowhere"
		checks := sup.checks
		_, err = sup.Apply(ctx, e2eModel(t, objs, def))
		require.Error(t, err)
		assert.ErrorIs(t, err, ErrRefused)
		assert.Contains(t, err.Error(), "[emerg] host not found in upstream")
		assert.Equal(t, checks, sup.checks, "the master's verdict, not nginx -t")
		after, err := os.ReadFile(filepath.Join(dir, "nginx.conf"))
		require.NoError(t, err)
		assert.Equal(t, before, after)
		assert.Equal(t, first, sup.Generation())
		assert.Equal(t, 200, get(t, anon, https("web.example.test"), nil).status)
		// Check (the reconciler's isolation) still runs nginx -t.
		err = sup.Check(e2eModel(t, objs, def))
		assert.ErrorIs(t, err, ErrRefused)
		assert.Equal(t, checks+1, sup.checks)
	})

	t.Run("a certificate renewed with the same key is served without a reload (dynamic) or with one (static)", func(t *testing.T) {
		old := servedSerial(t, httpsPort, "web.example.test", roots)
		leaf := w.objects[0].(*corev1.Secret)
		renewed, err := w.serverCA.NewLeaf(certgen.CommonName("example.test"), certgen.DNSNames("*.example.test"), certgen.WithKey(w.serverKey))
		require.NoError(t, err)
		objs := append([]any{&corev1.Secret{ObjectMeta: leaf.ObjectMeta, Type: corev1.SecretTypeTLS,
			Data: map[string][]byte{"tls.crt": renewed.ChainPEM(), "tls.key": renewed.KeyPEM()}}}, w.objects[1:]...)
		objs[0].(*corev1.Secret).ResourceVersion = "2"
		workers := nginxWorkers(t, sup)
		gen, checks, replaced := sup.Generation(), sup.checks, sup.Replaced()
		changed, err := sup.Apply(ctx, e2eModel(t, objs, def))
		require.NoError(t, err)
		assert.Equal(t, checks, sup.checks)
		if static {
			// The certificate is loaded with the configuration.
			assert.True(t, changed, "a reload")
			assert.NotEqual(t, gen, sup.Generation())
			assert.Equal(t, replaced, sup.Replaced())
			first = sup.Generation()
		} else {
			assert.False(t, changed, "no reload")
			assert.Equal(t, gen, sup.Generation())
			assert.Equal(t, replaced+1, sup.Replaced())
			assert.Equal(t, workers, nginxWorkers(t, sup), "the same workers serve")
		}
		now := servedSerial(t, httpsPort, "web.example.test", roots)
		assert.NotEqual(t, old, now)
		assert.Equal(t, renewed.Cert.SerialNumber.String(), now, "the next handshake has the new serial")
		w.objects = objs
	})

	t.Run("a certificate with a new key reloads", func(t *testing.T) {
		leaf := w.objects[0].(*corev1.Secret)
		rekeyed, err := w.serverCA.NewLeaf(certgen.CommonName("example.test"), certgen.DNSNames("*.example.test"))
		require.NoError(t, err)
		objs := append([]any{&corev1.Secret{ObjectMeta: leaf.ObjectMeta, Type: corev1.SecretTypeTLS,
			Data: map[string][]byte{"tls.crt": rekeyed.ChainPEM(), "tls.key": rekeyed.KeyPEM()}}}, w.objects[1:]...)
		objs[0].(*corev1.Secret).ResourceVersion = "3"
		gen := sup.Generation()
		changed, err := sup.Apply(ctx, e2eModel(t, objs, def))
		require.NoError(t, err)
		assert.True(t, changed)
		assert.NotEqual(t, gen, sup.Generation())
		assert.Equal(t, rekeyed.Cert.SerialNumber.String(), servedSerial(t, httpsPort, "web.example.test", roots))
		w.objects = objs
		first = sup.Generation()
	})

	t.Run("a changed world reloads and the new host serves", func(t *testing.T) {
		objs := append(append([]any{}, w.objects...), e2eIngress("added", "added.example.test", backendPort, nil))
		changed, err := sup.Apply(ctx, e2eModel(t, objs, def))
		require.NoError(t, err)
		assert.True(t, changed)
		assert.NotEqual(t, first, sup.Generation())
		r := get(t, anon, https("added.example.test"), nil)
		assert.Equal(t, 200, r.status)
		assert.Contains(t, r.body, "host=added.example.test")
	})

	// As root, nginx's workers (nobody) pass through the directories and
	// read the certificates served at each handshake, in their group
	// (TestWorkersAreNotRoot); no one else can.
	t.Run("private directory and files", func(t *testing.T) {
		root := os.Geteuid() == 0
		dirMode := os.FileMode(0o700)
		if root {
			dirMode = 0o710
		}
		for _, d := range []string{dir, filepath.Join(dir, "files"), filepath.Join(dir, "run")} {
			fi, err := os.Stat(d)
			require.NoError(t, err)
			assert.Equal(t, dirMode, fi.Mode().Perm(), d)
		}
		entries, err := os.ReadDir(filepath.Join(dir, "files"))
		require.NoError(t, err)
		require.NotEmpty(t, entries)
		for _, e := range entries {
			fi, err := e.Info()
			require.NoError(t, err)
			mode := os.FileMode(0o600)
			if root && !static && strings.HasPrefix(e.Name(), "tls-") {
				mode = 0o640
			}
			assert.Equal(t, mode, fi.Mode().Perm(), e.Name())
			assert.NotContains(t, e.Name(), "default-")
			assert.False(t, strings.HasPrefix(e.Name(), ".tmp"), "temporary file left: %s", e.Name())
		}
	})

	t.Run("nginx killed is restarted on the last good configuration", func(t *testing.T) {
		sup.mu.Lock()
		pid := sup.cmd.Process.Pid
		sup.mu.Unlock()
		require.NoError(t, syscall.Kill(pid, syscall.SIGKILL))
		require.Eventually(t, func() bool {
			resp, err := anon.Get(https("web.example.test"))
			if err != nil {
				return false
			}
			resp.Body.Close()
			sup.mu.Lock()
			defer sup.mu.Unlock()
			return resp.StatusCode == 200 && sup.cmd.Process.Pid != pid
		}, 10*time.Second, 50*time.Millisecond)
	})
}

// freePort is a loopback TCP port that was free a moment ago (test/harness
// has one too, but it imports this package).
// startSupervisor is a supervisor for nginx on free loopback ports, with
// its state in a temporary directory, stopped when the test ends; it
// returns the directory and the HTTP and HTTPS ports.
func startSupervisor(t *testing.T) (sup *Supervisor, dir string, httpPort, httpsPort int) {
	t.Helper()
	httpPort, httpsPort, statusPort := freePort(t), freePort(t), freePort(t)
	dir = stateDir(t)
	sup, err := NewSupervisor(SupervisorConfig{Dir: dir, Log: logr.Discard(), Render: Options{
		Address: "127.0.0.1", HTTPPort: httpPort, HTTPSPort: httpsPort, StatusAddress: "127.0.0.1:" + strconv.Itoa(statusPort),
	}})
	require.NoError(t, err)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		assert.NoError(t, sup.Stop(ctx))
	})
	return sup, dir, httpPort, httpsPort
}

// stateDir is a state directory nginx's workers can reach when the tests
// run as root and they as nobody (harness.NginxDir, which this package's
// tests cannot import).
func stateDir(t testing.TB) string {
	t.Helper()
	dir := t.TempDir()
	require.NoError(t, os.Chmod(filepath.Dir(dir), 0o711))
	return filepath.Join(dir, "state")
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// TestRejectHandshake: with ssl-reject-handshake, a name no host has and a
// handshake without a name are refused, in both certificate modes, while
// the hosts of two namespaces are served with their own certificates;
// without it, both get the default certificate.
func TestRejectHandshake(t *testing.T) {
	objects, ca := tlsHosts(t, map[string]string{"team-a.example.test": "team-a", "team-b.example.test": "team-b"})
	def, err := dataplane.GenerateDefaultCertificate(time.Now())
	require.NoError(t, err)
	for _, static := range []bool{false, true} {
		for _, reject := range []bool{false, true} {
			t.Run(fmt.Sprintf("static certificates=%v/reject=%v", static, reject), func(t *testing.T) {
				sup, _, _, httpsPort := startSupervisor(t)
				_, err := sup.Apply(context.Background(), e2eModelWith(t, objects, def, func(c *config.Config) {
					c.StaticCertificates, c.SSLRejectHandshake = static, reject
				}))
				require.NoError(t, err)
				for _, host := range []string{"team-a.example.test", "team-b.example.test"} {
					conn, err := tls.Dial("tcp", "127.0.0.1:"+strconv.Itoa(httpsPort), &tls.Config{ServerName: host, RootCAs: ca.Pool()})
					require.NoError(t, err, host)
					assert.Equal(t, host, conn.ConnectionState().PeerCertificates[0].Subject.CommonName)
					conn.Close()
				}
				for _, name := range []string{"unknown.example.test", ""} {
					conn, err := tls.Dial("tcp", "127.0.0.1:"+strconv.Itoa(httpsPort), &tls.Config{ServerName: name, InsecureSkipVerify: true})
					if reject {
						if err == nil {
							conn.Close()
						}
						assert.ErrorContains(t, err, "unrecognized name", "server name %q", name)
						continue
					}
					require.NoError(t, err, "server name %q", name)
					assert.Equal(t, dataplane.DefaultCertificateCN, conn.ConnectionState().PeerCertificates[0].Subject.CommonName)
					conn.Close()
				}
			})
		}
	}
}

// TestHostsNamedLikeMapParameters: hosts named like the parameters of
// nginx's map ("default", "include", "hostnames", "volatile") are served
// with their own certificates, in two namespaces, and do not become the
// certificate of names no host has.
func TestHostsNamedLikeMapParameters(t *testing.T) {
	hosts := map[string]string{"default": "team-a", "include": "team-a", "hostnames": "team-b", "volatile": "team-b"}
	objects, ca := tlsHosts(t, hosts)
	def, err := dataplane.GenerateDefaultCertificate(time.Now())
	require.NoError(t, err)
	m := e2eModel(t, objects, def)
	require.Len(t, m.Servers, len(hosts))
	sup, _, _, httpsPort := startSupervisor(t)
	_, err = sup.Apply(context.Background(), m)
	require.NoError(t, err)
	for host := range hosts {
		conn, err := tls.Dial("tcp", "127.0.0.1:"+strconv.Itoa(httpsPort), &tls.Config{ServerName: host, RootCAs: ca.Pool()})
		require.NoError(t, err, host)
		assert.Equal(t, host, conn.ConnectionState().PeerCertificates[0].Subject.CommonName)
		conn.Close()
	}
	conn, err := tls.Dial("tcp", "127.0.0.1:"+strconv.Itoa(httpsPort), &tls.Config{ServerName: "unknown.example.test", InsecureSkipVerify: true})
	require.NoError(t, err)
	defer conn.Close()
	assert.Equal(t, dataplane.DefaultCertificateCN, conn.ConnectionState().PeerCertificates[0].Subject.CommonName)
}

// tlsHosts are a TLS Ingress for each host in its namespace (hosts: host to
// namespace), each with a certificate of its own (CN the host) from one CA,
// and a Service "backend" in each namespace for a local backend answering
// its Host.
func tlsHosts(t *testing.T, hosts map[string]string) ([]any, *certgen.Cert) {
	t.Helper()
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, r.Host) }))
	t.Cleanup(backend.Close)
	port := backend.Listener.Addr().(*net.TCPAddr).Port
	ca, err := certgen.NewCA()
	require.NoError(t, err)
	var objects []any
	namespaces := map[string]bool{}
	for host, ns := range hosts {
		leaf, err := ca.NewLeaf(certgen.CommonName(host), certgen.DNSNames(host))
		require.NoError(t, err)
		ing := e2eIngress(host, host, port, nil)
		ing.Namespace = ns
		ing.Spec.TLS[0].SecretName = host + "-tls"
		objects = append(objects, ing,
			&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: host + "-tls", ResourceVersion: "1"}, Type: corev1.SecretTypeTLS,
				Data: map[string][]byte{"tls.crt": leaf.ChainPEM(), "tls.key": leaf.KeyPEM()}})
		if !namespaces[ns] {
			namespaces[ns] = true
			objects = append(objects, &corev1.Service{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "backend"},
				Spec: corev1.ServiceSpec{Type: corev1.ServiceTypeExternalName, ExternalName: "localhost"}})
		}
	}
	return objects, ca
}

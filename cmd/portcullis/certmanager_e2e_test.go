//go:build e2e

package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	cmacme "github.com/cert-manager/cert-manager/pkg/apis/acme/v1"
	cmapi "github.com/cert-manager/cert-manager/pkg/apis/certmanager/v1"
	cmmeta "github.com/cert-manager/cert-manager/pkg/apis/meta/v1"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/seed-d040b84d/portcullis/cmd/portcullis/devenv"
	"github.com/seed-d040b84d/portcullis/test/certgen"
	"github.com/seed-d040b84d/portcullis/test/harness"
)

// cmStack is the API server with cert-manager's CRDs, the manager (webhook
// and controller, nginx on port 80 of its own loopback address, where every
// ACME name resolves), cert-manager's controllers and the ACME server.
type cmStack struct {
	ctx       context.Context
	c         client.Client
	addr      string
	httpsPort int
	ca        *certgen.Cert // the CA ClusterIssuer's
	acme      *devenv.CertManager
	echoPort  int
}

const (
	cmCAIssuer   = "test-ca"
	cmACMEIssuer = "test-acme"
)

func startCertManagerStack(t *testing.T) *cmStack {
	t.Helper()
	dir := devenv.CertManagerDir()
	require.NoError(t, devenv.CheckCertManager(dir))
	addr, err := devenv.ChallengeAddress()
	require.NoError(t, err)

	api, err := harness.StartAPIWith(devenv.Options{CRDDirs: []string{devenv.CertManagerCRDDir(dir)}})
	require.NoError(t, err)
	t.Cleanup(func() { _ = api.Env.Stop() })
	scheme := runtime.NewScheme()
	require.NoError(t, clientgoscheme.AddToScheme(scheme))
	require.NoError(t, cmapi.AddToScheme(scheme))
	require.NoError(t, cmacme.AddToScheme(scheme))
	c, err := client.New(api.Config, client.Options{Scheme: scheme})
	require.NoError(t, err)

	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	s := &cmStack{ctx: ctx, c: c, addr: addr}
	for _, ns := range []string{"portcullis-system", "cert-manager"} {
		require.NoError(t, c.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}))
	}
	// The ConfigMap's default issuer, filled in by the mutating webhook.
	require.NoError(t, c.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: "portcullis-system", Name: "portcullis"},
		Data: map[string]string{"default-issuer": "ClusterIssuer/" + cmCAIssuer}}))

	webhookPort := harness.FreePort(t)
	installWebhookAt(ctx, t, api, webhookPort)
	f := testFlags(t, "webhook,controller", webhookPort)
	f.nginx, f.nginxDir, f.nginxAddress = true, harness.NginxDir(t), addr
	// Port 80: the only port cert-manager's HTTP-01 self-check uses.
	f.httpPort, f.nginxHTTPSPort = 80, harness.FreePort(t)
	f.nginxStatus = "127.0.0.1:" + strconv.Itoa(harness.FreePort(t))
	s.httpsPort = f.nginxHTTPSPort
	mctx, stopManager := context.WithCancel(ctx)
	done := managerRunning(mctx, t, api.Config, f)
	t.Cleanup(func() { stopsCleanly(t, stopManager, done) })

	kubeconfig := filepath.Join(t.TempDir(), "kubeconfig")
	require.NoError(t, api.Env.WriteKubeconfig(kubeconfig))
	state := t.TempDir()
	s.acme, err = devenv.StartCertManager(ctx, devenv.CertManagerOptions{Dir: dir, StateDir: state, Kubeconfig: kubeconfig,
		ClusterResourceNamespace: "cert-manager", ChallengeAddress: addr})
	require.NoError(t, err)
	t.Cleanup(func() {
		assert.NoError(t, s.acme.Stop())
		if t.Failed() {
			for _, name := range []string{"cert-manager-controller", "pebble"} {
				b, _ := os.ReadFile(filepath.Join(state, name+".log"))
				t.Logf("%s log (last 6000 bytes):\n%s", name, tail(b, 60000))
			}
		}
	})

	s.ca, err = certgen.NewCA(certgen.CommonName("cert-manager test CA"))
	require.NoError(t, err)
	require.NoError(t, c.Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "cert-manager", Name: "test-ca"},
		Type: corev1.SecretTypeTLS, Data: map[string][]byte{"tls.crt": s.ca.CertPEM(), "tls.key": s.ca.KeyPEM()}}))
	require.NoError(t, c.Create(ctx, &cmapi.ClusterIssuer{ObjectMeta: metav1.ObjectMeta{Name: cmCAIssuer},
		Spec: cmapi.IssuerSpec{IssuerConfig: cmapi.IssuerConfig{CA: &cmapi.CAIssuer{SecretName: "test-ca"}}}}))
	class := "portcullis"
	require.NoError(t, c.Create(ctx, &cmapi.ClusterIssuer{ObjectMeta: metav1.ObjectMeta{Name: cmACMEIssuer},
		Spec: cmapi.IssuerSpec{IssuerConfig: cmapi.IssuerConfig{ACME: &cmacme.ACMEIssuer{
			Server: s.acme.ACMEDirectory, CABundle: s.acme.ACMEServerCA, Email: "ops@example.test",
			PrivateKey: cmmeta.SecretKeySelector{LocalObjectReference: cmmeta.LocalObjectReference{Name: "test-acme-account"}},
			Solvers: []cmacme.ACMEChallengeSolver{{HTTP01: &cmacme.ACMEChallengeSolverHTTP01{
				Ingress: &cmacme.ACMEChallengeSolverHTTP01Ingress{IngressClassName: &class}}}},
		}}}}))
	for _, name := range []string{cmCAIssuer, cmACMEIssuer} {
		s.ready(t, "ClusterIssuer "+name, func() (cmapi.IssuerStatus, error) {
			var ci cmapi.ClusterIssuer
			err := c.Get(ctx, client.ObjectKey{Name: name}, &ci)
			return ci.Status, err
		})
	}

	echo := quietServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(rw, "echo "+r.Host) }))
	echo.Start()
	t.Cleanup(echo.Close)
	s.echoPort = echo.Listener.Addr().(*net.TCPAddr).Port
	return s
}

func tail(b []byte, n int) string {
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return string(b)
}

// ready waits for an issuer's Ready condition.
func (s *cmStack) ready(t *testing.T, what string, get func() (cmapi.IssuerStatus, error)) {
	t.Helper()
	eventuallyWithin(t, 60*time.Second, what+" never became Ready", func() string {
		st, err := get()
		if err != nil {
			return err.Error()
		}
		for _, c := range st.Conditions {
			if c.Type == cmapi.IssuerConditionReady {
				if c.Status == cmmeta.ConditionTrue {
					return ""
				}
				return c.Reason + ": " + c.Message
			}
		}
		return "no Ready condition"
	})
}

func (s *cmStack) namespace(t *testing.T, name string, annotations map[string]string) {
	t.Helper()
	require.NoError(t, s.c.Create(s.ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name, Annotations: annotations}}))
	require.NoError(t, s.c.Create(s.ctx, &corev1.Service{ObjectMeta: metav1.ObjectMeta{Namespace: name, Name: "backend"},
		Spec: corev1.ServiceSpec{Type: corev1.ServiceTypeExternalName, ExternalName: "localhost"}}))
}

// ingress is an Ingress of class portcullis for host with one TLS entry
// (secret) and / routed to the echo backend.
func (s *cmStack) ingress(ns, name, host, secret string, annotations map[string]string) *networkingv1.Ingress {
	class, prefix := "portcullis", networkingv1.PathTypePrefix
	return &networkingv1.Ingress{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Annotations: annotations},
		Spec: networkingv1.IngressSpec{
			IngressClassName: &class,
			TLS:              []networkingv1.IngressTLS{{Hosts: []string{host}, SecretName: secret}},
			Rules: []networkingv1.IngressRule{{Host: host, IngressRuleValue: networkingv1.IngressRuleValue{HTTP: &networkingv1.HTTPIngressRuleValue{
				Paths: []networkingv1.HTTPIngressPath{{Path: "/", PathType: &prefix, Backend: networkingv1.IngressBackend{
					Service: &networkingv1.IngressServiceBackend{Name: "backend", Port: networkingv1.ServiceBackendPort{Number: int32(s.echoPort)}}}}}}}}},
		},
	}
}

// certificateReady waits for cert-manager's Certificate ns/name to be Ready
// and returns it.
func (s *cmStack) certificateReady(t *testing.T, ns, name string, limit time.Duration) *cmapi.Certificate {
	t.Helper()
	var crt cmapi.Certificate
	eventuallyWithin(t, limit, fmt.Sprintf("Certificate %s/%s never became Ready", ns, name), func() string {
		if err := s.c.Get(s.ctx, client.ObjectKey{Namespace: ns, Name: name}, &crt); err != nil {
			return err.Error()
		}
		for _, c := range crt.Status.Conditions {
			if c.Type == cmapi.CertificateConditionReady {
				if c.Status == cmmeta.ConditionTrue {
					return ""
				}
				return c.Reason + ": " + c.Message
			}
		}
		return "no Ready condition"
	})
	return &crt
}

// served waits until nginx serves host a chain whose leaf is the one in the
// Secret ns/secret and that verifies against roots with host's name, and
// returns the connection state.
func (s *cmStack) served(t *testing.T, ns, secret, host string, roots *x509.CertPool, clientCert *tls.Certificate) tls.ConnectionState {
	t.Helper()
	var state tls.ConnectionState
	eventuallyWithin(t, 30*time.Second, "nginx never served the issued certificate of "+host, func() string {
		var sec corev1.Secret
		if err := s.c.Get(s.ctx, client.ObjectKey{Namespace: ns, Name: secret}, &sec); err != nil {
			return err.Error()
		}
		b, _ := pem.Decode(sec.Data["tls.crt"])
		if b == nil {
			return "no certificate in the Secret"
		}
		st, err := s.handshake(host, roots, clientCert)
		if err != nil {
			return err.Error()
		}
		if string(st.PeerCertificates[0].Raw) != string(b.Bytes) {
			return "nginx serves serial " + st.PeerCertificates[0].SerialNumber.String() + ", not the Secret's"
		}
		state = st
		return ""
	})
	return state
}

// handshake is a TLS handshake with nginx for host, verified against roots
// (with the intermediates nginx sends) and host's name.
func (s *cmStack) handshake(host string, roots *x509.CertPool, clientCert *tls.Certificate) (tls.ConnectionState, error) {
	tc := &tls.Config{ServerName: host, RootCAs: roots}
	if clientCert != nil {
		tc.Certificates = []tls.Certificate{*clientCert}
	}
	conn, err := tls.DialWithDialer(&net.Dialer{Timeout: 2 * time.Second}, "tcp", net.JoinHostPort(s.addr, strconv.Itoa(s.httpsPort)), tc)
	if err != nil {
		return tls.ConnectionState{}, err
	}
	defer conn.Close()
	return conn.ConnectionState(), nil
}

// get is a request to nginx on the stack's address (plain HTTP on port 80,
// or HTTPS) for host, not following redirects.
func (s *cmStack) get(t *testing.T, url, host string, roots *x509.CertPool) *http.Response {
	t.Helper()
	dialer := &net.Dialer{Timeout: 2 * time.Second}
	tr := &http.Transport{
		DialContext: func(ctx context.Context, network, a string) (net.Conn, error) {
			_, port, _ := net.SplitHostPort(a)
			return dialer.DialContext(ctx, network, net.JoinHostPort(s.addr, port))
		},
		TLSClientConfig: &tls.Config{ServerName: host, RootCAs: roots},
	}
	defer tr.CloseIdleConnections()
	c := &http.Client{Transport: tr, Timeout: 5 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Get(url)
	require.NoError(t, err)
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	return resp
}

func (s *cmStack) httpsURL(host, path string) string {
	return "https://" + host + ":" + strconv.Itoa(s.httpsPort) + path
}

func pool(pems ...[]byte) *x509.CertPool {
	p := x509.NewCertPool()
	for _, b := range pems {
		p.AppendCertsFromPEM(b)
	}
	return p
}

// solverIngresses lists the HTTP-01 solver Ingresses cert-manager created in ns.
func (s *cmStack) solverIngresses(ctx context.Context, ns string) ([]networkingv1.Ingress, error) {
	var l networkingv1.IngressList
	err := s.c.List(ctx, &l, client.InNamespace(ns), client.MatchingLabels{"acme.cert-manager.io/http01-solver": "true"})
	return l.Items, err
}

// watchSolverIngresses records every solver Ingress cert-manager creates in
// ns as the API server stored it (after admission), until the test ends.
func (s *cmStack) watchSolverIngresses(t *testing.T, ns string) *atomic.Pointer[[]networkingv1.Ingress] {
	t.Helper()
	var seen atomic.Pointer[[]networkingv1.Ingress]
	seen.Store(&[]networkingv1.Ingress{})
	ctx, cancel := context.WithCancel(s.ctx)
	t.Cleanup(cancel)
	go func() {
		for ctx.Err() == nil {
			got, _ := s.solverIngresses(ctx, ns) // a failed list is tried again
			if len(got) > 0 {
				merged := append([]networkingv1.Ingress(nil), *seen.Load()...)
				for _, g := range got {
					known := false
					for _, m := range merged {
						known = known || m.UID == g.UID
					}
					if !known {
						merged = append(merged, g)
					}
				}
				seen.Store(&merged)
			}
			select {
			case <-ctx.Done():
			case <-time.After(50 * time.Millisecond):
			}
		}
	}()
	return &seen
}

// TestCertManager runs cert-manager's own controllers and an ACME server
// (Let's Encrypt's pebble) against the manager and real nginx: certificates
// are issued from the annotations portcullis admits, HTTP-01 challenges are
// answered through nginx over plain HTTP, and every issued certificate is
// checked in a real TLS handshake against the right root. Each subtest has
// its own namespaces and hosts, and a second namespace.
func TestCertManager(t *testing.T) {
	s := startCertManagerStack(t)

	t.Run("a CA ClusterIssuer's certificate is served; another namespace's same-named Secret is its own", func(t *testing.T) {
		s.namespace(t, "ca-shop", nil)
		s.namespace(t, "ca-blog", nil)
		ann := map[string]string{"cert-manager.io/cluster-issuer": cmCAIssuer}
		require.NoError(t, s.c.Create(s.ctx, s.ingress("ca-shop", "web", "shop.ca.cm.test", "web-tls", ann)))
		require.NoError(t, s.c.Create(s.ctx, s.ingress("ca-blog", "web", "blog.ca.cm.test", "web-tls", ann)))
		s.certificateReady(t, "ca-shop", "web-tls", 60*time.Second)
		s.certificateReady(t, "ca-blog", "web-tls", 60*time.Second)
		for host, ns := range map[string]string{"shop.ca.cm.test": "ca-shop", "blog.ca.cm.test": "ca-blog"} {
			st := s.served(t, ns, "web-tls", host, s.ca.Pool(), nil)
			assert.Equal(t, []string{host}, st.PeerCertificates[0].DNSNames, "each host its own issued certificate")
			assert.Equal(t, "cert-manager test CA", st.PeerCertificates[0].Issuer.CommonName)
		}
	})

	t.Run("ACME HTTP-01: the solver Ingress is admitted as created and answered over plain HTTP on a redirecting host; leaf and intermediate are served", func(t *testing.T) {
		s.namespace(t, "acme-shop", nil)
		s.namespace(t, "acme-other", nil)
		seen := s.watchSolverIngresses(t, "acme-shop")
		host := "shop.acme.cm.test"
		require.NoError(t, s.c.Create(s.ctx, s.ingress("acme-shop", "web", host, "web-tls",
			map[string]string{"cert-manager.io/cluster-issuer": cmACMEIssuer, "nginx.ingress.kubernetes.io/ssl-redirect": "true"})))
		s.certificateReady(t, "acme-shop", "web-tls", 120*time.Second)
		// Another namespace's Ingress for the same host is refused (the host is
		// taken), so it can neither answer a challenge for it nor be issued for it.
		err := s.c.Create(s.ctx, s.ingress("acme-other", "steal", host, "web-tls", map[string]string{"cert-manager.io/cluster-issuer": cmACMEIssuer}))
		require.Error(t, err, "another namespace's Ingress for the host")
		assert.Contains(t, err.Error(), `belongs to namespace "acme-shop"`)
		st := s.served(t, "acme-shop", "web-tls", host, pool(s.acme.ACMERoot), nil)
		require.Len(t, st.PeerCertificates, 2, "leaf and intermediate")
		assert.True(t, st.PeerCertificates[1].IsCA, "the second certificate is the intermediate")
		assert.Equal(t, []string{host}, st.PeerCertificates[0].DNSNames)

		solvers := *seen.Load()
		require.NotEmpty(t, solvers, "cert-manager created a solver Ingress")
		for _, ing := range solvers {
			assert.Empty(t, ing.Spec.TLS, "the solver Ingress has no TLS")
			for k := range ing.Annotations {
				assert.False(t, strings.HasPrefix(k, "cert-manager.io/"), "the mutating webhook added %s to the solver Ingress", k)
			}
			require.Len(t, ing.Spec.Rules, 1)
			assert.Equal(t, host, ing.Spec.Rules[0].Host)
		}
		eventuallyWithin(t, 60*time.Second, "cert-manager never removed its solver Ingress", func() string {
			left, err := s.solverIngresses(s.ctx, "acme-shop")
			if err != nil {
				return err.Error()
			}
			if n := len(left); n > 0 {
				return strconv.Itoa(n) + " left"
			}
			return ""
		})
		resp := s.get(t, "http://"+host+"/", host, nil)
		assert.Equal(t, http.StatusPermanentRedirect, resp.StatusCode, "the host's own plain HTTP redirects to HTTPS")
		resp = s.get(t, s.httpsURL(host, "/"), host, pool(s.acme.ACMERoot))
		assert.Equal(t, http.StatusOK, resp.StatusCode)
	})

	t.Run("ACME HTTP-01 for a host with client authentication: the challenge over plain HTTP, the host still requires a client certificate", func(t *testing.T) {
		s.namespace(t, "acme-bank", nil)
		s.namespace(t, "acme-bank-other", nil)
		clientCA, err := certgen.NewCA(certgen.CommonName("bank clients"))
		require.NoError(t, err)
		require.NoError(t, s.c.Create(s.ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "acme-bank", Name: "clients"},
			Data: map[string][]byte{"ca.crt": clientCA.CertPEM()}}))
		host := "bank.acme.cm.test"
		require.NoError(t, s.c.Create(s.ctx, s.ingress("acme-bank", "web", host, "web-tls", map[string]string{
			"cert-manager.io/cluster-issuer":                     cmACMEIssuer,
			"nginx.ingress.kubernetes.io/auth-tls-secret":        "acme-bank/clients",
			"nginx.ingress.kubernetes.io/auth-tls-verify-client": "on",
		})))
		// The other namespace refers to the bank's client CA: refused.
		err = s.c.Create(s.ctx, s.ingress("acme-bank-other", "web", "other.acme.cm.test", "web-tls", map[string]string{
			"cert-manager.io/cluster-issuer":                     cmACMEIssuer,
			"nginx.ingress.kubernetes.io/auth-tls-secret":        "acme-bank/clients",
			"nginx.ingress.kubernetes.io/auth-tls-verify-client": "on",
		}))
		require.Error(t, err, "a client CA Secret of another namespace")

		s.certificateReady(t, "acme-bank", "web-tls", 120*time.Second)
		client, err := clientCA.NewLeaf(certgen.CommonName("teller"), certgen.ClientAuth())
		require.NoError(t, err)
		pair, err := tls.X509KeyPair(client.CertPEM(), client.KeyPEM())
		require.NoError(t, err)
		st := s.served(t, "acme-bank", "web-tls", host, pool(s.acme.ACMERoot), &pair)
		require.Len(t, st.PeerCertificates, 2, "leaf and intermediate")
		resp := s.get(t, s.httpsURL(host, "/"), host, pool(s.acme.ACMERoot))
		assert.Equal(t, http.StatusBadRequest, resp.StatusCode, "no client certificate over HTTPS: 400")
	})

	t.Run("the ConfigMap's default issuer, filled in by the mutating webhook, is issued and served; a namespace that opts out is not", func(t *testing.T) {
		s.namespace(t, "default-shop", nil)
		s.namespace(t, "default-optout", map[string]string{"portcullis.dev/default-issuer": "none"})
		host := "shop.default.cm.test"
		require.NoError(t, s.c.Create(s.ctx, s.ingress("default-shop", "web", host, "web-tls", nil)))
		var ing networkingv1.Ingress
		require.NoError(t, s.c.Get(s.ctx, client.ObjectKey{Namespace: "default-shop", Name: "web"}, &ing))
		assert.Equal(t, cmCAIssuer, ing.Annotations["cert-manager.io/cluster-issuer"], "the webhook filled in the default issuer")
		s.certificateReady(t, "default-shop", "web-tls", 60*time.Second)
		s.served(t, "default-shop", "web-tls", host, s.ca.Pool(), nil)

		own, err := s.ca.NewLeaf(certgen.CommonName("optout"), certgen.DNSNames("optout.default.cm.test"))
		require.NoError(t, err)
		require.NoError(t, s.c.Create(s.ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "default-optout", Name: "web-tls"},
			Type: corev1.SecretTypeTLS, Data: map[string][]byte{"tls.crt": own.CertPEM(), "tls.key": own.KeyPEM()}}))
		require.NoError(t, s.c.Create(s.ctx, s.ingress("default-optout", "web", "optout.default.cm.test", "web-tls", nil)))
		require.NoError(t, s.c.Get(s.ctx, client.ObjectKey{Namespace: "default-optout", Name: "web"}, &ing))
		assert.NotContains(t, ing.Annotations, "cert-manager.io/cluster-issuer", "a namespace with default-issuer none")
		st := s.served(t, "default-optout", "web-tls", "optout.default.cm.test", s.ca.Pool(), nil)
		assert.Equal(t, "optout", st.PeerCertificates[0].Subject.CommonName, "its own certificate")
		var crts cmapi.CertificateList
		require.NoError(t, s.c.List(s.ctx, &crts, client.InNamespace("default-optout")))
		assert.Empty(t, crts.Items, "no Certificate for the opted-out namespace")
	})

	t.Run("renewal: a re-issued certificate is served with its new serial and no connection fails", func(t *testing.T) {
		s.namespace(t, "renew-shop", nil)
		s.namespace(t, "renew-other", nil)
		ann := map[string]string{"cert-manager.io/cluster-issuer": cmCAIssuer}
		host := "shop.renew.cm.test"
		require.NoError(t, s.c.Create(s.ctx, s.ingress("renew-shop", "web", host, "web-tls", ann)))
		require.NoError(t, s.c.Create(s.ctx, s.ingress("renew-other", "web", "other.renew.cm.test", "web-tls", ann)))
		s.certificateReady(t, "renew-shop", "web-tls", 60*time.Second)
		s.certificateReady(t, "renew-other", "web-tls", 60*time.Second)
		first := s.served(t, "renew-shop", "web-tls", host, s.ca.Pool(), nil).PeerCertificates[0]
		other := s.served(t, "renew-other", "web-tls", "other.renew.cm.test", s.ca.Pool(), nil).PeerCertificates[0]

		// A client connecting in a loop from before the renewal until the
		// new serial is served.
		var ok, failed atomic.Int64
		var lastErr atomic.Value
		loop, stopLoop := context.WithCancel(s.ctx)
		looped := make(chan struct{})
		go func() {
			defer close(looped)
			for loop.Err() == nil {
				if _, err := s.handshake(host, s.ca.Pool(), nil); err != nil {
					failed.Add(1)
					lastErr.Store(err.Error())
				} else {
					ok.Add(1)
				}
			}
		}()

		// What cmctl renew does: mark the Certificate for issuance.
		var crt cmapi.Certificate
		require.NoError(t, s.c.Get(s.ctx, client.ObjectKey{Namespace: "renew-shop", Name: "web-tls"}, &crt))
		crt.Status.Conditions = append(crt.Status.Conditions, cmapi.CertificateCondition{Type: cmapi.CertificateConditionIssuing,
			Status: cmmeta.ConditionTrue, Reason: "ManuallyTriggered", Message: "renewal triggered by the test", LastTransitionTime: &metav1.Time{Time: time.Now()}})
		require.NoError(t, s.c.Status().Update(s.ctx, &crt))
		var renewed *x509.Certificate
		eventuallyWithin(t, 60*time.Second, "nginx never served a renewed certificate", func() string {
			st, err := s.handshake(host, s.ca.Pool(), nil)
			if err != nil {
				return err.Error()
			}
			if st.PeerCertificates[0].SerialNumber.Cmp(first.SerialNumber) == 0 {
				return "still serial " + first.SerialNumber.String()
			}
			renewed = st.PeerCertificates[0]
			return ""
		})
		stopLoop()
		<-looped
		s.served(t, "renew-shop", "web-tls", host, s.ca.Pool(), nil)
		assert.Equal(t, []string{host}, renewed.DNSNames)
		assert.Positive(t, ok.Load())
		assert.Zero(t, failed.Load(), "handshakes failed during the renewal: %v", lastErr.Load())
		st, err := s.handshake("other.renew.cm.test", s.ca.Pool(), nil)
		require.NoError(t, err)
		assert.Equal(t, other.SerialNumber, st.PeerCertificates[0].SerialNumber, "the other namespace's certificate is untouched")
	})

	t.Run("a cert-manager annotation the webhook refuses never reaches cert-manager", func(t *testing.T) {
		s.namespace(t, "refused-shop", nil)
		s.namespace(t, "refused-other", nil)
		err := s.c.Create(s.ctx, s.ingress("refused-shop", "bad", "bad.refused.cm.test", "bad-tls",
			map[string]string{"cert-manager.io/cluster-issuer": cmCAIssuer, "cert-manager.io/issuer": "local"}))
		require.Error(t, err)
		assert.Contains(t, err.Error(), "cert-manager.io/issuer")
		var ing networkingv1.Ingress
		assert.True(t, apierrors.IsNotFound(s.c.Get(s.ctx, client.ObjectKey{Namespace: "refused-shop", Name: "bad"}, &ing)), "the refused Ingress was not stored")
		// An admitted Ingress in the same namespace, created after: once its
		// Certificate exists, cert-manager has seen the namespace's Ingresses.
		require.NoError(t, s.c.Create(s.ctx, s.ingress("refused-shop", "good", "good.refused.cm.test", "good-tls",
			map[string]string{"cert-manager.io/cluster-issuer": cmCAIssuer})))
		s.certificateReady(t, "refused-shop", "good-tls", 60*time.Second)
		var crts cmapi.CertificateList
		require.NoError(t, s.c.List(s.ctx, &crts, client.InNamespace("refused-shop")))
		require.Len(t, crts.Items, 1, "only the admitted Ingress's Certificate")
		assert.Equal(t, "good-tls", crts.Items[0].Name)
		require.NoError(t, s.c.List(s.ctx, &crts, client.InNamespace("refused-other")))
		assert.Empty(t, crts.Items)
	})
}

//go:build e2e

package main

import (
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/seed-d040b84d/portcullis/test/certgen"
	"github.com/seed-d040b84d/portcullis/test/gen"
)

// Behaviours of TestWireBehaviour: how nginx reaches backends (re-encrypted
// and verified, with a client certificate of an egressMTLS Policy, through
// EndpointSlices).

func (w *wire) reencrypt(t *testing.T) {
	const ns = "reencrypt"
	verified, defaultName, untrusted := "verified.reencrypt.wire.test", "default-name.reencrypt.wire.test", "untrusted.reencrypt.wire.test"
	other := w.bystander(t, ns)
	ca := w.newCA(t, "reencrypt CA")
	backendCA := w.newCA(t, "reencrypt backend CA")
	otherCA := w.newCA(t, "reencrypt other CA")
	port := int32(tlsBackend(t, "https-app", leaf(t, backendCA, "app", certgen.DNSNames("app.reencrypt.internal", "localhost")), tls.NoClientCert, nil))
	in := gen.InNamespace(ns)
	w.namespace(t, ns)
	verify := func(secret string) gen.Meta {
		return gen.Annotations(map[string]string{
			ingressNginx + "backend-protocol": "HTTPS",
			ingressNginx + "proxy-ssl-secret": ns + "/" + secret,
			ingressNginx + "proxy-ssl-verify": "on",
		})
	}
	w.create(t, gen.TLSSecret("tls", leaf(t, ca, "reencrypt", certgen.DNSNames("*.reencrypt.wire.test")), in),
		gen.CASecret("backend-ca", backendCA, in), gen.CASecret("other-ca", otherCA, in),
		gen.ExternalName("app", "localhost", in), gen.ExternalName("app-default-name", "localhost", in),
		gen.ExternalName("app-untrusted", "localhost", in),
		gen.Ingress("verified", in, gen.Host(verified), gen.TLS("tls"), gen.Path("/", "app", port), verify("backend-ca"),
			gen.Annotation(ingressNginx+"proxy-ssl-name", "app.reencrypt.internal"),
			gen.Annotation(ingressNginx+"proxy-ssl-server-name", "on")),
		gen.Ingress("default-name", in, gen.Host(defaultName), gen.TLS("tls"), gen.Path("/", "app-default-name", port), verify("backend-ca")),
		gen.Ingress("untrusted", in, gen.Host(untrusted), gen.TLS("tls"), gen.Path("/", "app-untrusted", port), verify("other-ca")),
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
		sp := int32(srv.Listener.Addr().(*net.TCPAddr).Port)
		w.create(t, gen.ExternalName("sess", "localhost", in),
			gen.Ingress("sess-a", in, gen.Host("sess-a.reencrypt.wire.test"), gen.TLS("tls"), gen.Path("/", "sess", sp), verify("backend-ca")),
			gen.Ingress("sess-b", in, gen.Host("sess-b.reencrypt.wire.test"), gen.TLS("tls"), gen.Path("/", "sess", sp), verify("other-ca")))
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
		w.create(t, gen.Ingress("shared", in, gen.Host(shared), gen.TLS("tls"), gen.Path("/", "app", port), verify("other-ca")))
		w.programmed(t, c, w.https(shared, "/s"))
		w.keptApart(t, c, w.https(verified, "/v"), w.https(shared, "/s"))
	})
	other.unaffected(t, w)
}

func (w *wire) mergeable(t *testing.T) {
	const ns, host = "merge", "shop.merge.wire.test"
	other := w.bystander(t, ns)
	ca := w.newCA(t, "merge CA")
	backendCA := w.newCA(t, "merge backend CA")
	egressCA := w.newCA(t, "merge egress client CA")
	backendCert := leaf(t, backendCA, "backend", certgen.DNSNames("localhost"))
	// payments requires a client certificate from the egress CA; catalog
	// takes one if sent and reports it.
	payments := int32(tlsBackend(t, "payments", backendCert, tls.RequireAndVerifyClientCert, egressCA))
	catalog := int32(tlsBackend(t, "catalog", backendCert, tls.VerifyClientCertIfGiven, egressCA))
	in := gen.InNamespace(ns)
	minion := func(service string) gen.Meta {
		return gen.Annotations(map[string]string{nginxOrg + "mergeable-ingress-type": "minion", nginxOrg + "ssl-services": service})
	}
	w.namespace(t, ns)
	w.create(t, gen.TLSSecret("tls", leaf(t, ca, host, certgen.DNSNames(host)), in),
		gen.TLSSecret("egress-client", leaf(t, egressCA, "portcullis-egress", certgen.ClientAuth()), in),
		gen.CASecret("backend-ca", backendCA, in),
		gen.ExternalName("payments", "localhost", in), gen.ExternalName("catalog", "localhost", in),
		gen.Policy("egress", in, gen.EgressMTLS("egress-client", "backend-ca")),
		gen.Ingress("master", in, gen.Host(host), gen.TLS("tls"), gen.Annotation(nginxOrg+"mergeable-ingress-type", "master"),
			gen.Annotation(nginxOrg+"add-header", "X-Master: 1")),
		gen.Ingress("payments", in, gen.Host(host), gen.Path("/pay", "payments", payments), minion("payments"),
			gen.Annotation(nginxOrg+"policies", "egress")),
		gen.Ingress("catalog", in, gen.Host(host), gen.Path("/catalog", "catalog", catalog), minion("catalog"),
			gen.Annotation(nginxOrg+"add-header", "X-Minion: 1"), gen.Annotation(nginxOrg+"add-header-inherit", "merge")),
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

	t.Run("added headers: a minion inherits the master's, or merges them with its own", func(t *testing.T) {
		pay := w.must(t, c, w.https(host, "/pay/1"), nil)
		assert.Equal(t, "1", pay.header.Get("X-Master"), "inherited by a minion that adds none")
		cat := w.must(t, c, w.https(host, "/catalog/1"), nil)
		assert.Equal(t, []string{"1", "1"}, []string{cat.header.Get("X-Minion"), cat.header.Get("X-Master")}, "add-header-inherit merge: the minion's and the master's")
	})
	t.Run("the egress client certificate stays on its minion's paths", func(t *testing.T) {
		w.create(t, gen.Ingress("reviews", in, gen.Host(host), gen.Path("/reviews", "payments", payments), minion("payments")))
		w.programmed(t, c, w.https(host, "/reviews/1"))
		w.keptApart(t, c, w.https(host, "/pay/1"), w.https(host, "/reviews/1"))
	})
	r = w.must(t, c, w.https(host, "/elsewhere"), nil)
	assert.Equal(t, http.StatusNotFound, r.status, "a path no minion claims is 404 on the master's host: %s", r)
	other.unaffected(t, w)
}

// endpoints: a ClusterIP Service's traffic goes to the ready addresses of
// its EndpointSlices (docs/controller.md#from-ingresses-to-the-model), on the
// endpoint port named like the Service port. The API server refuses loopback endpoint addresses, so
// the backend listens on this machine's own non-loopback address.
func (w *wire) endpoints(t *testing.T) {
	const ns, host = "endpoints", "endpoints.wire.test"
	other := w.bystander(t, ns)
	ip := nonLoopbackIPv4(t)
	l, err := net.Listen("tcp", net.JoinHostPort(ip.String(), "0"))
	require.NoError(t, err)
	srv := quietServer(echo("endpoints"))
	srv.Listener.Close()
	srv.Listener = l
	srv.Start()
	t.Cleanup(srv.Close)
	port := int32(l.Addr().(*net.TCPAddr).Port)

	ca := w.newCA(t, "endpoints CA")
	in := gen.InNamespace(ns)
	w.namespace(t, ns)
	ready, notReady := true, false
	name := "http"
	w.create(t, gen.TLSSecret("tls", leaf(t, ca, host, certgen.DNSNames(host)), in),
		gen.Service("app", in, gen.ServicePort(name, 80, port)),
		&discoveryv1.EndpointSlice{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "app-1",
			Labels: map[string]string{discoveryv1.LabelServiceName: "app"}},
			AddressType: discoveryv1.AddressTypeIPv4,
			Ports:       []discoveryv1.EndpointPort{{Name: &name, Port: &port}},
			Endpoints: []discoveryv1.Endpoint{
				{Addresses: []string{ip.String()}, Conditions: discoveryv1.EndpointConditions{Ready: &ready}},
				// Not ready, and nothing listens there: never sent traffic.
				{Addresses: []string{"192.0.2.254"}, Conditions: discoveryv1.EndpointConditions{Ready: &notReady}},
			}},
		gen.Ingress("app", in, gen.Host(host), gen.TLS("tls"), gen.Path("/", "app", 80)))
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
	other.unaffected(t, w)
}

// nonLoopbackIPv4 is an IPv4 address of this machine other than loopback.
func nonLoopbackIPv4(t *testing.T) net.IP {
	t.Helper()
	addrs, err := net.InterfaceAddrs()
	require.NoError(t, err)
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && n.IP.To4() != nil && !n.IP.IsLoopback() && !n.IP.IsLinkLocalUnicast() {
			return n.IP
		}
	}
	t.Fatal("this test needs a non-loopback IPv4 address on the machine (the API server refuses loopback endpoints)")
	return nil
}

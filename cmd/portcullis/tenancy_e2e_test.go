//go:build e2e

package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"hash/adler32"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	nginxv1 "github.com/seed-d040b84d/portcullis/lib/apis/k8snginx/v1"
	"github.com/seed-d040b84d/portcullis/test/certgen"
	"github.com/seed-d040b84d/portcullis/test/gen"
	"github.com/seed-d040b84d/portcullis/test/harness"
)

// Namespaces of the tenancy tests: the owner of the hosts, an attacker, and
// a namespace the owner shares its hosts with on purpose.
const (
	ownerNS  = "owner"
	evilNS   = "evil"
	friendNS = "friend"
	shareKey = "portcullis.dev/share-hosts-with"
)

// The namespaces as gen options.
var (
	inOwner, inEvil, inFriend = gen.InNamespace(ownerNS), gen.InNamespace(evilNS), gen.InNamespace(friendNS)
	inMarks                   = gen.InNamespace("marks")
)

// TestTenancyOnTheWire proves, with real nginx behind the SNI passthrough
// proxy and no webhook (the API server admits anything), that an Ingress in
// one namespace cannot take traffic, certificates or secrets of another: a
// wildcard passthrough does not capture terminated hosts, an exact terminated
// host beats a wildcard passthrough, a passthrough Ingress lib refuses gets
// no route, another namespace's Policy is not used, another namespace cannot
// add paths to an owned host unless the owner shares it, two namespaces
// claiming a host in the same second both fail closed, a Rejected event
// lists every problem, and an IP address in SNI ends the connection.
func TestTenancyOnTheWire(t *testing.T) {
	w := startTenancyWire(t)
	// The owner's hosts, created before any other namespace's Ingress.
	w.ownerCA = w.newCA(t, "owner CA")
	clientCA := w.newCA(t, "owner client CA")
	w.namespace(t, ownerNS)
	web := gen.Ingress("web", inOwner, gen.Host("www.tenancy.test"), gen.TLS("tls"), gen.Path("/", "backend", int32(w.echoPort)))
	w.create(t, gen.TLSSecret("tls", leaf(t, w.ownerCA, "owner", certgen.DNSNames("www.tenancy.test", "mtls.tenancy.test")), inOwner),
		gen.CASecret("client-ca", clientCA, inOwner), gen.ExternalName("backend", "localhost", inOwner), web,
		gen.Ingress("mtls", inOwner, gen.Host("mtls.tenancy.test"), gen.TLS("tls"), gen.Path("/", "backend", int32(w.echoPort)), gen.Annotation(ingressNginx+"auth-tls-secret", ownerNS+"/client-ca"),
			gen.Annotation(ingressNginx+"auth-tls-verify-client", "on")))
	w.await(t, w.client(trusting(w.ownerCA, nil)), w.https("www.tenancy.test", "/"), http.StatusOK, nil)
	w.await(t, w.client(trusting(w.ownerCA, nil)), w.https("mtls.tenancy.test", "/"), http.StatusBadRequest, nil)
	w.namespace(t, evilNS)
	w.namespace(t, friendNS)
	newerThan(t, web)

	t.Run("a wildcard passthrough from another namespace does not capture terminated hosts", w.wildcardCapture)
	t.Run("an exact terminated host beats a passthrough wildcard of the same namespace", w.exactBeatsWildcard)
	t.Run("a passthrough Ingress lib refuses is not routed", w.refusedPassthrough)
	t.Run("a Policy of another namespace is not used", w.crossNamespacePolicy)
	t.Run("another namespace cannot add paths to an owned host unless shared", w.pathTakeover)
	t.Run("two namespaces claiming a host in the same second: neither is served", w.sameSecond)
	t.Run("a Rejected event lists every problem", w.everyProblem)
	t.Run("an IP address in SNI ends the connection", w.ipInSNI)
}

// tenancyWire is the wire rig with the passthrough proxy in front of nginx:
// w.https and w.handshake go through the proxy.
type tenancyWire struct {
	*wire
	ownerCA    *certgen.Cert
	markerCA   *certgen.Cert
	markerPort int
	marks      int
}

// startTenancyWire is startWire with --enable-ssl-passthrough: the proxy
// listens on the public HTTPS port, nginx's TLS listener is its fallback.
func startTenancyWire(t *testing.T) *tenancyWire {
	w := &tenancyWire{wire: startWireWith(t, func(f *managerFlags, w *wire) {
		proxy := harness.FreePort(t)
		f.passthrough = true
		f.httpsAddr, f.passthroughFallback = "127.0.0.1:"+strconv.Itoa(proxy), "127.0.0.1:"+strconv.Itoa(f.nginxHTTPSPort)
		w.httpsPort = proxy
	})}
	w.namespace(t, "marks")
	w.markerCA = w.newCA(t, "marker CA")
	w.markerPort, _ = passBackend(t, "marker", leaf(t, w.markerCA, "marker", certgen.DNSNames("*.marks.test")))
	w.create(t, gen.ExternalName("backend", "localhost", inMarks), gen.ExternalName("marker", "localhost", inMarks))
	return w
}

// caughtUp creates a fresh terminated and a fresh passthrough Ingress and
// waits until nginx and the proxy serve them. Both rebuild from the informer
// cache, which sees Ingresses in the order they were written, so every
// Ingress written before has been judged by both.
func (w *tenancyWire) caughtUp(t *testing.T) {
	t.Helper()
	w.marks++
	n := strconv.Itoa(w.marks)
	plain, pass := "plain-"+n+".marks.test", "pass-"+n+".marks.test"
	w.create(t, gen.Ingress("plain-"+n, inMarks, gen.Host(plain), gen.Path("/", "backend", int32(w.echoPort))),
		gen.Ingress("pass-"+n, inMarks, gen.Host(pass), gen.Path("/", "marker", int32(w.markerPort)), gen.Annotation(ingressNginx+"ssl-passthrough", "true")))
	w.await(t, w.client(nil), w.http(plain, "/"), http.StatusOK, nil)
	eventually(t, "the proxy never routed "+pass, func() string {
		if _, err := w.handshake(pass, trusting(w.markerCA, nil)); err != nil {
			return err.Error()
		}
		return ""
	})
}

// newerThan waits until the clock has left the second obj was created in
// (creation timestamps have one-second resolution), so that objects created
// afterwards are newer than obj.
func newerThan(t *testing.T, obj client.Object) {
	t.Helper()
	created := obj.GetCreationTimestamp().Time
	require.False(t, created.IsZero(), "%s was not created", obj.GetName())
	eventually(t, "the clock never left the second "+obj.GetName()+" was created in", func() string {
		if time.Now().Truncate(time.Second).After(created) {
			return ""
		}
		return "still " + time.Now().String()
	})
}

// warning waits for a Warning event with reason on the Ingress ns/name whose
// note contains every one of want, and returns the note.
func (w *tenancyWire) warning(t *testing.T, ns, name, reason string, want ...string) string {
	t.Helper()
	var note string
	eventually(t, fmt.Sprintf("no Warning %s event on Ingress %s/%s containing %q", reason, ns, name, want), func() string {
		var evs eventsv1.EventList
		if err := w.c.List(w.ctx, &evs, client.InNamespace(ns)); err != nil {
			return err.Error()
		}
		var seen []string
	events:
		for _, e := range evs.Items {
			if e.Regarding.Kind != "Ingress" || e.Regarding.Name != name {
				continue
			}
			seen = append(seen, e.Type+" "+e.Reason+": "+e.Note)
			if e.Type != corev1.EventTypeWarning || e.Reason != reason {
				continue
			}
			for _, s := range want {
				if !strings.Contains(e.Note, s) {
					continue events
				}
			}
			note = e.Note
			return ""
		}
		return fmt.Sprintf("events on %s/%s: %q", ns, name, seen)
	})
	return note
}

// passBackend starts an HTTPS echo backend serving cert, counting the
// connections it accepts; it returns its port and the count.
func passBackend(t *testing.T, name string, cert *certgen.Cert) (int, *atomic.Int64) {
	t.Helper()
	s := quietServer(echo(name))
	accepted := &atomic.Int64{}
	s.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			accepted.Add(1)
		}
	}
	pair, err := tls.X509KeyPair(cert.ChainPEM(), cert.KeyPEM())
	require.NoError(t, err)
	s.TLS = &tls.Config{Certificates: []tls.Certificate{pair}, MinVersion: tls.VersionTLS12}
	s.StartTLS()
	t.Cleanup(s.Close)
	return s.Listener.Addr().(*net.TCPAddr).Port, accepted
}

// httpBackend starts a plain HTTP echo backend and returns its port.
func httpBackend(t *testing.T, name string) int {
	s := quietServer(echo(name))
	s.Start()
	t.Cleanup(s.Close)
	return s.Listener.Addr().(*net.TCPAddr).Port
}

func (w *tenancyWire) wildcardCapture(t *testing.T) {
	evilCA := w.newCA(t, "evil CA")
	port, accepted := passBackend(t, "attacker", leaf(t, evilCA, "*.tenancy.test", certgen.DNSNames("*.tenancy.test")))
	wild := gen.Ingress("wild", inEvil, gen.Host("*.tenancy.test"), gen.Path("/", "wild", int32(port)), gen.Annotation(ingressNginx+"ssl-passthrough", "true"))
	w.create(t, gen.ExternalName("wild", "localhost", inEvil), wild)
	t.Cleanup(func() { _ = w.c.Delete(w.ctx, wild) })
	w.caughtUp(t)

	_, err := w.handshake("www.tenancy.test", trusting(w.ownerCA, nil))
	assert.NoError(t, err, "www.tenancy.test is answered by nginx with the owner's certificate")
	r, err := w.get(w.client(trusting(w.ownerCA, nil)), w.https("www.tenancy.test", "/"), nil)
	if assert.NoError(t, err, "GET https://www.tenancy.test/") {
		assert.Equal(t, http.StatusOK, r.status, "%s", r)
		assert.True(t, r.seen != nil && r.seen.Backend == "echo", "the owner's backend answers: %s", r)
	}
	r, err = w.get(w.client(trusting(w.ownerCA, nil)), w.https("mtls.tenancy.test", "/"), nil)
	if assert.NoError(t, err, "GET https://mtls.tenancy.test/ without a client certificate") {
		assert.Equal(t, http.StatusBadRequest, r.status, "%s", r)
		assert.Contains(t, r.body, "No required SSL certificate was sent", "nginx requires the client certificate")
	}
	assert.Zero(t, accepted.Load(), "the attacker's backend got connections for the owner's hosts")
	w.warning(t, evilNS, "wild", "Rejected")
}

func (w *tenancyWire) exactBeatsWildcard(t *testing.T) {
	appsCA := w.newCA(t, "apps passthrough CA")
	passCert := leaf(t, appsCA, "*.apps.tenancy.test", certgen.DNSNames("*.apps.tenancy.test"))
	port, _ := passBackend(t, "apps", passCert)
	w.create(t, gen.ExternalName("apps", "localhost", inOwner),
		gen.Ingress("apps", inOwner, gen.Host("*.apps.tenancy.test"), gen.Path("/", "apps", int32(port)), gen.Annotation(ingressNginx+"ssl-passthrough", "true")),
		gen.TLSSecret("dash-tls", leaf(t, w.ownerCA, "dash", certgen.DNSNames("dash.apps.tenancy.test")), inOwner),
		gen.Ingress("dash", inOwner, gen.Host("dash.apps.tenancy.test"), gen.TLS("dash-tls"), gen.Path("/", "backend", int32(w.echoPort))))

	eventually(t, "x.apps.tenancy.test never reached the passthrough backend", func() string {
		state, err := w.handshake("x.apps.tenancy.test", trusting(appsCA, nil))
		if err != nil {
			return err.Error()
		}
		if !sameCert(state.PeerCertificates[0], passCert.Cert) {
			return "served " + state.PeerCertificates[0].Subject.CommonName
		}
		return ""
	})
	r := w.await(t, w.client(trusting(w.ownerCA, nil)), w.https("dash.apps.tenancy.test", "/"), http.StatusOK, nil)
	assert.True(t, r.seen != nil && r.seen.Backend == "echo", "nginx serves dash.apps.tenancy.test: %s", r)
}

func (w *tenancyWire) refusedPassthrough(t *testing.T) {
	evilCA := w.newCA(t, "evil pass CA")
	passCert := leaf(t, evilCA, "pass.evil.test", certgen.DNSNames("pass.evil.test"))
	port, accepted := passBackend(t, "attacker-pass", passCert)
	w.create(t, gen.ExternalName("pass", "localhost", inEvil),
		gen.Ingress("pass", inEvil, gen.Host("pass.evil.test"), gen.Path("/", "pass", int32(port)), gen.Annotation(ingressNginx+"ssl-passthrough", "true"),
			gen.Annotation(ingressNginx+"ssl-redirect", "True"))) // lib: must be "true" or "false"
	w.caughtUp(t)

	state, err := w.handshake("pass.evil.test", unverified())
	if err == nil {
		assert.False(t, sameCert(state.PeerCertificates[0], passCert.Cert), "the refused Ingress's backend answered the handshake")
	}
	assert.Zero(t, accepted.Load(), "the refused passthrough Ingress's backend got a connection")
	w.warning(t, evilNS, "pass", "Rejected", "ssl-redirect")
}

func (w *tenancyWire) crossNamespacePolicy(t *testing.T) {
	const internal = "internal.tenancy.test"
	backendCA := w.newCA(t, "owner internal CA")
	egressCA := w.newCA(t, "owner egress client CA")
	port := tlsBackend(t, "internal", leaf(t, backendCA, "internal", certgen.DNSNames(internal)), tls.RequestClientCert, nil)
	w.create(t, gen.TLSSecret("egress-client", leaf(t, egressCA, "owner-egress-client", certgen.ClientAuth()), inOwner),
		gen.CASecret("internal-ca", backendCA, inOwner), gen.ExternalName("internal", "localhost", inOwner),
		&nginxv1.Policy{ObjectMeta: metav1.ObjectMeta{Namespace: ownerNS, Name: "egress-internal"},
			Spec: nginxv1.PolicySpec{EgressMTLS: &nginxv1.EgressMTLS{TLSSecret: "egress-client", TrustedCertSecret: "internal-ca",
				VerifyServer: true, SSLName: internal}}},
		// Control: the owner's own Ingress uses the Policy.
		gen.Ingress("egress", inOwner, gen.Host("egress.tenancy.test"), gen.Path("/", "internal", int32(port)), gen.Annotation(nginxOrg+"policies", "egress-internal"),
			gen.Annotation(nginxOrg+"ssl-services", "internal")))
	r := w.await(t, w.client(nil), w.http("egress.tenancy.test", "/"), http.StatusOK, nil)
	require.NotNil(t, r.seen)
	require.Equal(t, "owner-egress-client", r.seen.ClientCN, "the owner's Ingress presents the Policy's client certificate")

	w.create(t, gen.ExternalName("internal", "localhost", inEvil),
		gen.Ingress("borrow", inEvil, gen.Host("borrow.evil.test"), gen.Path("/", "internal", int32(port)), gen.Annotation(nginxOrg+"policies", ownerNS+"/egress-internal"),
			gen.Annotation(nginxOrg+"ssl-services", "internal")))
	w.caughtUp(t)
	r = w.must(t, w.client(nil), w.http("borrow.evil.test", "/"), nil)
	if r.seen != nil {
		assert.NotEqual(t, "owner-egress-client", r.seen.ClientCN, "nginx presented the owner's client certificate for another namespace")
	}
	assert.Nil(t, r.seen, "the Ingress using another namespace's Policy reached its backend: %s", r)
	assert.Contains(t, []int{http.StatusInternalServerError, http.StatusServiceUnavailable}, r.status, "%s", r)
	w.warning(t, evilNS, "borrow", "Rejected", "allow-cross-namespace-resources")
}

func (w *tenancyWire) pathTakeover(t *testing.T) {
	const www, challenge = "www.tenancy.test", "/.well-known/acme-challenge/token"
	w.create(t, gen.ExternalName("solver", "localhost", inEvil),
		gen.Ingress("acme", inEvil, gen.Host(www), gen.Path("/.well-known/acme-challenge/", "solver", int32(httpBackend(t, "attacker")))))
	w.caughtUp(t)
	notAttacker := func() {
		t.Helper()
		r := w.must(t, w.client(nil), w.http(www, challenge), nil)
		assert.False(t, r.seen != nil && r.seen.Backend == "attacker", "the attacker's backend answered the owner's host: %s", r)
		assert.GreaterOrEqual(t, r.status, 400, "%s", r)
	}
	notAttacker()
	r := w.must(t, w.client(trusting(w.ownerCA, nil)), w.https(www, "/"), nil)
	assert.Equal(t, http.StatusOK, r.status, "%s", r)
	assert.True(t, r.seen != nil && r.seen.Backend == "echo", "the owner's backend still serves its host: %s", r)
	w.warning(t, evilNS, "acme", "Rejected", `belongs to namespace "`+ownerNS+`"`, ownerNS+"/web")
	w.warning(t, ownerNS, "web", "HostClaimRefused", evilNS+"/acme")

	t.Run("shared on purpose", func(t *testing.T) {
		var ns corev1.Namespace
		require.NoError(t, w.c.Get(w.ctx, client.ObjectKey{Name: ownerNS}, &ns))
		ns.Annotations = map[string]string{shareKey: friendNS}
		w.update(t, &ns)
		w.create(t, gen.ExternalName("backend", "localhost", inFriend),
			gen.Ingress("friend", inFriend, gen.Host(www), gen.Path("/friend", "backend", int32(httpBackend(t, "friend")))))
		eventually(t, "the shared host never served the friend's path", func() string {
			r, err := w.get(w.client(trusting(w.ownerCA, nil)), w.https(www, "/friend"), nil)
			switch {
			case err != nil:
				return err.Error()
			case r.status != http.StatusOK || r.seen == nil || r.seen.Backend != "friend":
				return r.String()
			}
			return ""
		})
		w.settled(t)
		notAttacker()
	})
}

// sameSecond: creation timestamps have whole seconds, so when an Ingress of
// another namespace is created in the same second as the owner's for a new
// host, neither is older. The namespace whose name sorts first must not get
// the host: neither Ingress is served, and both are told why.
func (w *tenancyWire) sameSecond(t *testing.T) {
	w.create(t, gen.ExternalName("racer", "localhost", inEvil))
	racerPort := httpBackend(t, "attacker")
	var host string
	for try := 0; ; try++ {
		require.Less(t, try, 5, "never created the two Ingresses in the same second")
		host = fmt.Sprintf("race-%d.tenancy.test", try)
		name := fmt.Sprintf("race-%d", try)
		owner := gen.Ingress(name, inOwner, gen.Host(host), gen.Path("/", "backend", int32(w.echoPort)))
		racer := gen.Ingress(name, inEvil, gen.Host(host), gen.Path("/", "racer", int32(racerPort)))
		w.create(t, owner, racer)
		if owner.CreationTimestamp.Equal(&racer.CreationTimestamp) {
			break
		}
		require.NoError(t, w.c.Delete(w.ctx, owner))
		require.NoError(t, w.c.Delete(w.ctx, racer))
	}
	w.caughtUp(t)
	r := w.must(t, w.client(nil), w.http(host, "/"), nil)
	assert.Nil(t, r.seen, "a backend answered a host two namespaces claimed in the same second: %s", r)
	assert.GreaterOrEqual(t, r.status, 400, "%s", r)
	name := strings.TrimSuffix(host, ".tenancy.test")
	w.warning(t, evilNS, name, "Rejected", "created in the same second", ownerNS+"/"+name)
	w.warning(t, ownerNS, name, "Rejected", "created in the same second", evilNS+"/"+name)
}

func (w *tenancyWire) everyProblem(t *testing.T) {
	first, second := ingressNginx+"ssl-redirect", ingressNginx+"auth-tls-verfy-client"
	w.create(t, gen.ExternalName("twice", "localhost", inEvil),
		gen.Ingress("twice", inEvil, gen.Host("twice.evil.test"), gen.Path("/", "twice", int32(w.echoPort)), gen.Annotation(first, "True"), gen.Annotation(second, "on")))
	w.warning(t, evilNS, "twice", "Rejected", first, second)
}

func (w *tenancyWire) ipInSNI(t *testing.T) {
	const name, ip = "abcdefgh", "10.1.2.3"
	hello := clientHello(t, name)
	require.Equal(t, 1, bytes.Count(hello, []byte(name)), "the server name occurs once in the ClientHello")
	proxy := "127.0.0.1:" + strconv.Itoa(w.httpsPort)

	n, err := sendHello(proxy, hello)
	assert.Positive(t, n, "control: a ClientHello for %q gets nginx's answer (read: %v)", name, err)

	n, err = sendHello(proxy, bytes.Replace(hello, []byte(name), []byte(ip), 1))
	assert.Zero(t, n, "a ClientHello whose server_name is %s got an answer", ip)
	var ne net.Error
	assert.False(t, errors.As(err, &ne) && ne.Timeout(), "the connection was left open instead of closed")
	assert.Error(t, err, "the connection is closed")
}

// sendHello writes a raw ClientHello to addr and returns how many bytes
// come back in the first read, and the read's error.
func sendHello(addr string, hello []byte) (int, error) {
	c, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		return 0, err
	}
	defer c.Close()
	if _, err := c.Write(hello); err != nil {
		return 0, err
	}
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	return c.Read(make([]byte, 4096))
}

// errHelloCaptured stops a handshake once the ClientHello is written.
var errHelloCaptured = errors.New("captured")

// helloConn records what a TLS client writes and fails the write, so the
// handshake stops after the ClientHello (as in controller/passthrough).
type helloConn struct {
	net.Conn
	buf bytes.Buffer
}

func (c *helloConn) Write(b []byte) (int, error)      { c.buf.Write(b); return 0, errHelloCaptured }
func (c *helloConn) Read([]byte) (int, error)         { return 0, io.EOF }
func (c *helloConn) Close() error                     { return nil }
func (c *helloConn) SetDeadline(time.Time) error      { return nil }
func (c *helloConn) SetReadDeadline(time.Time) error  { return nil }
func (c *helloConn) SetWriteDeadline(time.Time) error { return nil }

// clientHello is what Go's TLS client sends first for serverName.
func clientHello(t *testing.T, serverName string) []byte {
	t.Helper()
	c := &helloConn{}
	err := tls.Client(c, &tls.Config{ServerName: serverName, MinVersion: tls.VersionTLS12}).Handshake()
	require.ErrorIs(t, err, errHelloCaptured)
	return bytes.Clone(c.buf.Bytes())
}

// TestTenancyAtAdmission proves that the webhook refuses, when they are
// applied, the Ingresses the data plane would refuse across namespaces: a
// path on a host another namespace owns (naming the owner and how to share),
// a passthrough wildcard covering it, and a reference to another
// namespace's Policy; that cert-manager's HTTP-01 solver Ingress, in the
// owner's namespace, is still admitted; and that the ConfigMap's
// allow-cross-namespace-hosts lifts the host rule.
func TestTenancyAtAdmission(t *testing.T) {
	api := testAPI(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c := api.Client
	for _, ns := range []string{"portcullis-system", ownerNS, evilNS} {
		require.NoError(t, c.Create(ctx, gen.Namespace(ns)))
	}
	port := harness.FreePort(t)
	installWebhookAt(ctx, t, api, port)
	f := testFlags(t, "webhook", port)
	f.passthrough = true
	done := managerRunning(ctx, t, api.Config, f)
	denialOnServing(ctx, t, c, map[string]string{ingressNginx + "ssl-redirect": "yes"})

	const www = "www.adm.test"
	// An Ingress of the attacker's, older than the owner's.
	early := gen.Ingress("early", inEvil, gen.Host("early.adm.test"), gen.Path("/", "early", 80))
	require.NoError(t, c.Create(ctx, early))
	newerThan(t, early)
	ca, err := certgen.NewCA(certgen.CommonName("adm CA"))
	require.NoError(t, err)
	web := gen.Ingress("web", inOwner, gen.Host(www), gen.Path("/", "web", 80))
	for _, o := range []client.Object{gen.CASecret("internal-ca", ca, inOwner),
		gen.TLSSecret("egress-client", leaf(t, ca, "owner-egress-client", certgen.ClientAuth()), inOwner),
		gen.Policy("some-policy", inOwner, gen.EgressMTLS("egress-client", "internal-ca")), web,
	} {
		require.NoError(t, c.Create(ctx, o), "create %T %s", o, o.GetName())
	}
	// The attacker's Ingresses below are newer than the owner's (one created
	// in the same second would be a tie, refused with another message).
	newerThan(t, web)
	takeover := gen.Ingress("takeover", inEvil, gen.Host(www), gen.Path("/.well-known/acme-challenge/", "solver", 80))

	t.Run("a path on another namespace's host", func(t *testing.T) {
		denial := denied(ctx, t, c, takeover)
		assert.Contains(t, denial, `belongs to namespace "`+ownerNS+`"`)
		assert.Contains(t, denial, ownerNS+"/web")
		assert.Contains(t, denial, shareKey)
	})
	t.Run("an older Ingress cannot take a host by an update", func(t *testing.T) {
		eventually(t, "the update adding the owner's host was admitted", func() string {
			var cur networkingv1.Ingress
			if err := c.Get(ctx, client.ObjectKeyFromObject(early), &cur); err != nil {
				return err.Error()
			}
			cur.Spec.Rules = append(cur.Spec.Rules, gen.Ingress("x", inEvil, gen.Host(www), gen.Path("/", "early", 80)).Spec.Rules...)
			err := c.Update(ctx, &cur, client.DryRunAll)
			if err == nil || !strings.Contains(err.Error(), `belongs to namespace "`+ownerNS+`"`) {
				return fmt.Sprintf("answer: %v", err)
			}
			return ""
		})
	})
	t.Run("a passthrough wildcard over another namespace's host", func(t *testing.T) {
		denial := denied(ctx, t, c, gen.Ingress("wild", inEvil, gen.Host("*.adm.test"), gen.Path("/", "wild", 443), gen.Annotation(ingressNginx+"ssl-passthrough", "true")))
		assert.Contains(t, denial, `belongs to namespace "`+ownerNS+`"`)
	})
	t.Run("a Policy of another namespace", func(t *testing.T) {
		denial := denied(ctx, t, c, gen.Ingress("borrow", inEvil, gen.Host("borrow.adm.test"), gen.Path("/", "borrow", 80), gen.Annotation(nginxOrg+"policies", ownerNS+"/some-policy"),
			gen.Annotation(nginxOrg+"ssl-services", "borrow")))
		assert.Contains(t, denial, "allow-cross-namespace-resources")
	})
	// cert-manager v1.21.2's HTTP-01 solver Ingress (pkg/issuer/acme/http/
	// ingress.go, buildIngressResource): pathType Exact by default (feature
	// gate ACMEHTTP01IngressPathTypeExact, Beta, on), else
	// ImplementationSpecific.
	t.Run("cert-manager's HTTP-01 solver in the owner's namespace is admitted", func(t *testing.T) {
		for _, pt := range []networkingv1.PathType{networkingv1.PathTypeImplementationSpecific, networkingv1.PathTypeExact} {
			assert.NoError(t, c.Create(ctx, solverIngress(ownerNS, www, pt), client.DryRunAll), "pathType %s", pt)
		}
	})
	t.Run("allow-cross-namespace-hosts admits a path on another namespace's host", func(t *testing.T) {
		require.NoError(t, c.Create(ctx, gen.ConfigMap("portcullis", gen.InNamespace("portcullis-system"), gen.Data("allow-cross-namespace-hosts", "true"))))
		eventually(t, "allow-cross-namespace-hosts never admitted a path on another namespace's host", func() string {
			if err := c.Create(ctx, takeover.DeepCopy(), client.DryRunAll); err != nil {
				return err.Error()
			}
			return ""
		})
	})
	stopsCleanly(t, cancel, done)
}

// denied dry-runs ing until the webhook denies it (its cache sees objects
// created just before a moment later) and returns the denial.
func denied(ctx context.Context, t *testing.T, c client.Client, ing *networkingv1.Ingress) string {
	t.Helper()
	var last error
	eventually(t, fmt.Sprintf("Ingress %s/%s was admitted", ing.Namespace, ing.Name), func() string {
		last = c.Create(ctx, ing.DeepCopy(), client.DryRunAll)
		if last != nil && strings.Contains(last.Error(), "denied the request") {
			return ""
		}
		return fmt.Sprintf("answer: %v", last)
	})
	return last.Error()
}

// solverIngress is the Ingress cert-manager creates to solve an HTTP-01
// challenge for host with ingressClassName portcullis.
func solverIngress(ns, host string, pathType networkingv1.PathType) *networkingv1.Ingress {
	const token = "evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA" // RFC 8555 §8.3's example: 43 base64url characters
	return gen.Ingress("", gen.InNamespace(ns), gen.GenerateName("cm-acme-http-solver-"),
		gen.Label("acme.cert-manager.io/http-domain", strconv.FormatUint(uint64(adler32.Checksum([]byte(host))), 10)),
		gen.Label("acme.cert-manager.io/http-token", strconv.FormatUint(uint64(adler32.Checksum([]byte(token))), 10)),
		gen.Label("acme.cert-manager.io/http01-solver", "true"),
		gen.Annotation(ingressNginx+"whitelist-source-range", "0.0.0.0/0,::/0"),
		gen.Host(host), gen.PathOfType(pathType, "/.well-known/acme-challenge/"+token, "cm-acme-http-solver-abcde", 8089))
}

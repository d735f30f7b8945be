//go:build e2e

package main

import (
	"flag"
	"math/rand/v2"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed-d040b84d/portcullis/test/certgen"
	"github.com/seed-d040b84d/portcullis/test/gen"
)

// TestWireBehaviour checks what clients see on the wire (docs/controller.md#what-is-rendered):
// one manager running the controller component with real nginx against a
// real API server, Go TLS clients, and Go backends on loopback reached through
// ExternalName Services pointing at localhost. The manager runs no webhook,
// so the API server admits anything, including Ingresses lib refuses.
//
// The behaviours share that manager (starting one takes longer than most
// behaviours run) and nothing else: each makes its own namespaces, hosts and
// CAs, starts from the state the manager starts in and leaves it that way
// (a behaviour that changes the controller ConfigMap removes it and waits
// until nginx is back on the defaults). Each keeps a second namespace with
// a host of its own that must be served, unchanged, when it ends. With
// -shuffle they run in a shuffled order too (the order is logged), which is
// how their independence is checked.
func TestWireBehaviour(t *testing.T) {
	w := startWire(t)
	behaviours := []struct {
		name string
		run  func(*wire, *testing.T)
	}{
		// wire_tls_e2e_test.go
		{"a leaf-intermediate chain is served and verifies against the root", (*wire).chain},
		{"unknown SNI gets the generated default certificate", (*wire).unknownSNI},
		{"HSTS only on hosts with their own certificate", (*wire).hsts},
		{"plain HTTP redirects to HTTPS except ACME challenges", (*wire).redirect},
		{"legacy TLS is refused unless the ConfigMap allows it", (*wire).legacyTLS},
		// wire_auth_e2e_test.go
		{"client certificates (ingress-nginx annotations and ingressMTLS Policy)", (*wire).clientAuth},
		// wire_backend_e2e_test.go
		{"re-encryption verifies the backend against proxy-ssl-secret", (*wire).reencrypt},
		{"mergeable minions: egressMTLS, inherited and merged added headers", (*wire).mergeable},
		{"a ClusterIP Service is reached through its ready EndpointSlice addresses", (*wire).endpoints},
		// wire_traffic_e2e_test.go
		{"proxy-body-size: 413 over the limit, per Ingress", (*wire).traffic},
		{"proxy-read-timeout: 504 from a backend slower than the timeout", (*wire).readTimeout},
		{"proxy-buffering off: the backend waits for the client; buffered, it does not", (*wire).unbuffered},
		// wire_errors_e2e_test.go
		{"error pages: a default backend of the Ingress's namespace answers its errors", (*wire).errorPages},
		// wire_redirects_e2e_test.go
		{"permanent-redirect and temporal-redirect answer with their code and Location", (*wire).pathRedirects},
		{"app-root, from-to-www-redirect (never over another namespace's host), upstream-vhost, x-forwarded-prefix, nginx.org/rewrites and rewrite-target", (*wire).forwarding},
		{"a regular-expression path ending in $ does not match a path ending in a newline", (*wire).regexEndAnchor},
		// wire_buffers_e2e_test.go
		{"proxy-buffer-size: a response header over the buffer gets 502, per Ingress", (*wire).headerBuffer},
		{"proxy-max-temp-file-size 0: the backend waits for the client", (*wire).noTempFile},
		{"proxy-next-upstream, -tries and -timeout in both dialects: a backend's 502 is retried on the other endpoint, or not", (*wire).retries},
		// wire_headers_e2e_test.go
		{"CORS: preflight and allowed origins answered, other origins get no CORS header", (*wire).cors},
		{"add-header, proxy-hide-headers, proxy-set-headers, proxy-pass-headers, server-tokens, proxy-redirect, relative-redirects and use-port-in-redirects as the client and backend see them", (*wire).responseHeaders},
		// wire_rotation_e2e_test.go
		{"a rotated TLS secret takes effect without restarting nginx", (*wire).rotatedCertificate},
		{"a TLS secret renewed with the same key is served without a reload, nothing dropped", (*wire).renewedSameKey},
		{"a rotated CA secret takes effect without restarting nginx", (*wire).rotatedClientCA},
		{"a deleted Secret: its host falls back to the default certificate, nothing else changes", (*wire).secretDeleted},
		// wire_failure_e2e_test.go
		{"one refused Ingress fails closed alone among 50", (*wire).blastRadius},
		{"an Ingress nginx refuses fails its own hosts, the rest is still updated", (*wire).nginxRefuses},
		{"an invalid ConfigMap keeps the last good configuration, with an event", (*wire).invalidConfigMap},
	}
	if seed, ok := shuffleSeed(t); ok {
		rand.New(rand.NewPCG(uint64(seed), 0)).Shuffle(len(behaviours), func(i, j int) {
			behaviours[i], behaviours[j] = behaviours[j], behaviours[i]
		})
	}
	for _, b := range behaviours {
		t.Run(b.name, func(t *testing.T) { b.run(w, t) })
	}
}

// shuffleSeed is the seed of go test's -shuffle flag, if it is on: the seed
// given, or for "on" one chosen now and logged.
func shuffleSeed(t *testing.T) (int64, bool) {
	f := flag.Lookup("test.shuffle")
	if f == nil || f.Value.String() == "off" {
		return 0, false
	}
	seed, err := strconv.ParseInt(f.Value.String(), 10, 64)
	if err != nil {
		seed = time.Now().UnixNano()
	}
	t.Logf("behaviours in shuffled order, seed %d (-shuffle=%d repeats it)", seed, seed)
	return seed, true
}

// bystander is a namespace beside a behaviour's own, with a host of its own
// served with its own certificate from a Secret of the same name ("tls")
// as the behaviour's.
type bystander struct {
	ns, host string
	ca, cert *certgen.Cert
}

// bystander creates namespace ns+"-other" and its host. It does not wait:
// the behaviour's own objects, created next, are most often served by the
// same reload.
func (w *wire) bystander(t *testing.T, ns string) *bystander {
	t.Helper()
	b := &bystander{ns: ns + "-other"}
	b.host = "web." + b.ns + ".wire.test"
	b.ca = w.newCA(t, b.ns+" CA")
	b.cert = leaf(t, b.ca, b.host, certgen.DNSNames(b.host))
	in := gen.InNamespace(b.ns)
	w.namespace(t, b.ns)
	w.create(t, gen.TLSSecret("tls", b.cert, in), gen.ExternalName("backend", "localhost", in),
		gen.Ingress("web", in, gen.Host(b.host), gen.TLS("tls"), gen.Path("/", "backend", int32(w.echoPort))))
	return b
}

// unaffected checks that the bystander's host is served (waiting for it, if
// need be) with its own certificate, by its backend.
func (b *bystander) unaffected(t *testing.T, w *wire) {
	t.Helper()
	r := w.await(t, w.client(trusting(b.ca, nil)), w.https(b.host, "/"), http.StatusOK, nil)
	assert.True(t, sameCert(r.tls.PeerCertificates[0], b.cert.Cert), "the other namespace's host keeps its own certificate")
	require.NotNil(t, r.seen, "the other namespace's host reaches its backend")
	assert.Equal(t, b.host, r.seen.Host)
}

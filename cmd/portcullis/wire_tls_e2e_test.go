//go:build e2e

package main

import (
	"crypto/tls"
	"crypto/x509"
	"net/http"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed-d040b84d/portcullis/controller/dataplane"
	"github.com/seed-d040b84d/portcullis/lib/config"
	"github.com/seed-d040b84d/portcullis/test/certgen"
	"github.com/seed-d040b84d/portcullis/test/gen"
)

// Behaviours of TestWireBehaviour: which certificate a client is served, and
// how plain HTTP and old TLS versions are answered.

func (w *wire) chain(t *testing.T) {
	const ns, host = "chain", "chain.wire.test"
	other := w.bystander(t, ns)
	root := w.newCA(t, "chain root CA")
	inter, err := root.NewIntermediate(certgen.CommonName("chain intermediate CA"))
	require.NoError(t, err)
	srv := leaf(t, inter, host, certgen.DNSNames(host))
	in := gen.InNamespace(ns)
	w.namespace(t, ns)
	w.create(t, gen.TLSSecret("tls", srv, in), gen.ExternalName("backend", "localhost", in),
		gen.Ingress("web", in, gen.Host(host), gen.TLS("tls"), gen.Path("/", "backend", int32(w.echoPort))))

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
	other.unaffected(t, w)
}

func (w *wire) unknownSNI(t *testing.T) {
	const ns, host = "sni", "known.sni.wire.test"
	other := w.bystander(t, ns)
	ca := w.newCA(t, "SNI CA")
	in := gen.InNamespace(ns)
	w.namespace(t, ns)
	w.create(t, gen.TLSSecret("tls", leaf(t, ca, host, certgen.DNSNames(host)), in), gen.ExternalName("backend", "localhost", in),
		gen.Ingress("web", in, gen.Host(host), gen.TLS("tls"), gen.Path("/", "backend", int32(w.echoPort))))
	w.await(t, w.client(trusting(ca, nil)), w.https(host, "/"), http.StatusOK, nil)

	state, err := w.handshake("nobody.sni.wire.test", unverified())
	require.NoError(t, err, "a handshake for an unknown host gets the default certificate, not a refusal")
	cert := state.PeerCertificates[0]
	assert.Equal(t, dataplane.DefaultCertificateCN, cert.Subject.CommonName, "the generated default certificate")
	assert.Equal(t, cert.RawSubject, cert.RawIssuer, "the default certificate is self-issued")
	assert.NoError(t, cert.CheckSignature(cert.SignatureAlgorithm, cert.RawTBSCertificate, cert.Signature), "the default certificate is self-signed")
	for _, ca := range []*certgen.Cert{ca, other.ca} {
		_, err := cert.Verify(x509.VerifyOptions{Roots: ca.Pool()})
		assert.Error(t, err, "the default certificate must not chain to the CA %q of a served host", ca.Cert.Subject.CommonName)
	}
	other.unaffected(t, w)
}

func (w *wire) hsts(t *testing.T) {
	const ns = "hsts"
	own, missing := "own.hsts.wire.test", "missing.hsts.wire.test"
	other := w.bystander(t, ns)
	ca := w.newCA(t, "hsts CA")
	in := gen.InNamespace(ns)
	w.namespace(t, ns)
	w.create(t, gen.TLSSecret("tls", leaf(t, ca, own, certgen.DNSNames(own)), in), gen.ExternalName("backend", "localhost", in),
		gen.Ingress("web", in, gen.Host(own), gen.TLS("tls"), gen.Path("/", "backend", int32(w.echoPort))),
		gen.Ingress("missing", in, gen.Host(missing), gen.TLS("missing-tls"), gen.Path("/", "backend", int32(w.echoPort))))

	r := w.await(t, w.client(trusting(ca, nil)), w.https(own, "/"), http.StatusOK, nil)
	assert.Equal(t, defaultHSTS(), r.header.Get("Strict-Transport-Security"), "a host with its own certificate gets HSTS per the ConfigMap defaults")

	r = w.await(t, w.client(unverified()), w.https(missing, "/"), http.StatusOK, nil)
	require.NotNil(t, r.seen, "the host whose secret does not exist is served")
	assert.Equal(t, dataplane.DefaultCertificateCN, r.tls.PeerCertificates[0].Subject.CommonName, "with the default certificate")
	assert.Empty(t, r.header.Values("Strict-Transport-Security"), "no HSTS on a host served with the default certificate")
	other.unaffected(t, w)
}

// defaultHSTS is the Strict-Transport-Security header of the ConfigMap's
// defaults.
func defaultHSTS() string {
	def := config.Default()
	want := "max-age=" + strconv.FormatInt(def.HSTSMaxAge, 10)
	if def.HSTSIncludeSubdomains {
		want += "; includeSubDomains"
	}
	if def.HSTSPreload {
		want += "; preload"
	}
	return want
}

func (w *wire) redirect(t *testing.T) {
	const ns = "redirect"
	secure, forced, plain := "tls.redirect.wire.test", "forced.redirect.wire.test", "plain.redirect.wire.test"
	other := w.bystander(t, ns)
	ca := w.newCA(t, "redirect CA")
	in, toEcho := gen.InNamespace(ns), gen.Path("/", "backend", int32(w.echoPort))
	w.namespace(t, ns)
	w.create(t, gen.TLSSecret("tls", leaf(t, ca, secure, certgen.DNSNames(secure)), in), gen.ExternalName("backend", "localhost", in),
		gen.Ingress("secure", in, gen.Host(secure), gen.TLS("tls"), toEcho),
		gen.Ingress("forced", in, gen.Host(forced), toEcho, gen.Annotation(ingressNginx+"force-ssl-redirect", "true")),
		gen.Ingress("plain", in, gen.Host(plain), toEcho))
	c := w.client(trusting(ca, nil))

	r := w.await(t, c, w.http(secure, "/a/b?x=1&y=two"), http.StatusPermanentRedirect, nil)
	assert.Equal(t, w.https(secure, "/a/b?x=1&y=two"), r.header.Get("Location"), "the redirect keeps host, path and query")
	r = w.must(t, c, w.http(secure, "/docs/"), nil)
	assert.Equal(t, w.https(secure, "/docs/"), r.header.Get("Location"), "and a final \"/\" (ingress-nginx removed it unless preserve-trailing-slash)")

	r = w.await(t, c, w.http(forced, "/p?q=1"), http.StatusPermanentRedirect, nil)
	assert.Equal(t, w.https(forced, "/p?q=1"), r.header.Get("Location"), "force-ssl-redirect redirects a host without TLS")

	r = w.must(t, c, w.http(secure, "/.well-known/acme-challenge/x"), nil)
	require.Equal(t, http.StatusOK, r.status, "an ACME HTTP-01 challenge is served over plain HTTP, not redirected: %s", r)
	require.NotNil(t, r.seen)
	assert.Equal(t, "/.well-known/acme-challenge/x", r.seen.URI, "the challenge reaches the host's backend")

	r = w.await(t, c, w.http(plain, "/p"), http.StatusOK, nil)
	assert.NotNil(t, r.seen, "a host without TLS or force-ssl-redirect is served over plain HTTP")
	other.unaffected(t, w)
}

func (w *wire) legacyTLS(t *testing.T) {
	const ns, host = "legacy", "legacy.wire.test"
	other := w.bystander(t, ns)
	ca := w.newCA(t, "legacy CA")
	in := gen.InNamespace(ns)
	w.namespace(t, ns)
	w.create(t, gen.TLSSecret("tls", leaf(t, ca, host, certgen.DNSNames(host)), in), gen.ExternalName("backend", "localhost", in),
		gen.Ingress("web", in, gen.Host(host), gen.TLS("tls"), gen.Path("/", "backend", int32(w.echoPort))))
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
	w.controllerConfig(t, gen.DataMap(data), func() string {
		if _, err := w.handshake(host, tls11); err == nil {
			return "TLS 1.1 was still accepted after the ConfigMap was deleted"
		}
		return ""
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
	w.settled(t)
	other.unaffected(t, w)
}

//go:build e2e

package main

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed-d040b84d/portcullis/test/certgen"
	"github.com/seed-d040b84d/portcullis/test/gen"
)

// Behaviour of TestWireBehaviour: client certificates, asked for by
// ingress-nginx annotations or an ingressMTLS Policy.

func (w *wire) clientAuth(t *testing.T) {
	const ns = "mtls"
	other := w.bystander(t, ns)
	required, optional, plain, policy := "required.mtls.wire.test", "optional.mtls.wire.test", "plain.mtls.wire.test", "policy.mtls.wire.test"
	serverCA := w.newCA(t, "mtls server CA")
	srv := leaf(t, serverCA, "mtls", certgen.DNSNames("*.mtls.wire.test"))
	clientCA := w.newCA(t, "mtls client CA")
	good := leaf(t, clientCA, "good-client", certgen.ClientAuth())
	wrongCN := leaf(t, clientCA, "someone-else", certgen.ClientAuth())
	outsider := leaf(t, w.newCA(t, "mtls outsider CA"), "good-client", certgen.ClientAuth())

	in := gen.InNamespace(ns)
	toEcho := gen.Path("/", "backend", int32(w.echoPort))
	w.namespace(t, ns)
	w.create(t, gen.TLSSecret("tls", srv, in), gen.CASecret("client-ca", clientCA, in), gen.ExternalName("backend", "localhost", in),
		gen.Policy("client-mtls", in, gen.IngressMTLS("client-ca", "on")),
		gen.Ingress("required", in, gen.Host(required), gen.TLS("tls"), toEcho,
			gen.Annotation(ingressNginx+"auth-tls-secret", ns+"/client-ca"),
			gen.Annotation(ingressNginx+"auth-tls-verify-client", "on"),
			gen.Annotation(ingressNginx+"auth-tls-match-cn", "CN=good-client")),
		gen.Ingress("optional", in, gen.Host(optional), gen.TLS("tls"), toEcho,
			gen.Annotation(ingressNginx+"auth-tls-secret", ns+"/client-ca"),
			gen.Annotation(ingressNginx+"auth-tls-verify-client", "optional")),
		gen.Ingress("plain", in, gen.Host(plain), gen.TLS("tls"), toEcho),
		gen.Ingress("policy", in, gen.Host(policy), gen.TLS("tls"), toEcho, gen.Annotation(nginxOrg+"policies", "client-mtls")),
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
	other.unaffected(t, w)
}

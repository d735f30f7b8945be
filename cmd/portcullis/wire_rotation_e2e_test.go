//go:build e2e

package main

import (
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	eventsv1 "k8s.io/api/events/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/seed-d040b84d/portcullis/controller/dataplane"
	"github.com/seed-d040b84d/portcullis/test/certgen"
	"github.com/seed-d040b84d/portcullis/test/gen"
)

// Behaviours of TestWireBehaviour: Secrets that change or go away while
// their hosts are served.

// servedTLS creates namespace ns with a TLS Secret "tls" holding cert and
// an Ingress "web" serving host with it, and waits until host is served
// with cert.
func (w *wire) servedTLS(t *testing.T, ns, host string, ca, cert *certgen.Cert) {
	t.Helper()
	in := gen.InNamespace(ns)
	w.namespace(t, ns)
	w.create(t, gen.TLSSecret("tls", cert, in), gen.ExternalName("backend", "localhost", in),
		gen.Ingress("web", in, gen.Host(host), gen.TLS("tls"), gen.Path("/", "backend", int32(w.echoPort))))
	r := w.await(t, w.client(trusting(ca, nil)), w.https(host, "/"), http.StatusOK, nil)
	require.True(t, sameCert(r.tls.PeerCertificates[0], cert.Cert), "the first certificate is served")
}

func (w *wire) rotatedCertificate(t *testing.T) {
	const ns, host = "rotation", "web.rotation.wire.test"
	other := w.bystander(t, ns)
	ca := w.newCA(t, "rotation CA")
	first, second := leaf(t, ca, "first", certgen.DNSNames(host)), leaf(t, ca, "second", certgen.DNSNames(host))
	w.servedTLS(t, ns, host, ca, first)
	pid := w.nginxPID(t)

	w.update(t, gen.TLSSecret("tls", second, gen.InNamespace(ns)))
	w.servesCert(t, w.client(trusting(ca, nil)), host, second, "the rotated certificate was never served")
	w.settled(t)
	assert.Equal(t, pid, w.nginxPID(t), "the same nginx master serves the new certificate (reloaded, not restarted)")
	other.unaffected(t, w)
}

func (w *wire) renewedSameKey(t *testing.T) {
	const ns, host = "renewal", "web.renewal.wire.test"
	other := w.bystander(t, ns)
	ca := w.newCA(t, "renewal CA")
	first := leaf(t, ca, "first", certgen.DNSNames(host))
	w.servedTLS(t, ns, host, ca, first)
	other.unaffected(t, w) // served before the workers are counted
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
	renewed := leaf(t, ca, "renewed", certgen.DNSNames(host), certgen.WithKey(first.Key))
	w.update(t, gen.TLSSecret("tls", renewed, gen.InNamespace(ns)))
	w.servesCert(t, w.client(trusting(ca, nil)), host, renewed, "the renewed certificate was never served")
	close(stop)
	<-stopped
	w.settled(t)
	assert.Positive(t, total.Load())
	assert.Zero(t, dropped.Load(), "requests failed during the renewal (of %d)", total.Load())
	assert.Equal(t, workers, w.nginxWorkers(t), "the same nginx workers serve (no reload)")
	other.unaffected(t, w) // its Secret has the same name, "tls"
}

func (w *wire) rotatedClientCA(t *testing.T) {
	const ns, host = "carotation", "mtls.carotation.wire.test"
	other := w.bystander(t, ns)
	ca := w.newCA(t, "CA rotation server CA")
	clientsA, clientsB := w.newCA(t, "rotation client CA A"), w.newCA(t, "rotation client CA B")
	clientA := leaf(t, clientsA, "client-a", certgen.ClientAuth())
	clientB := leaf(t, clientsB, "client-b", certgen.ClientAuth())
	in := gen.InNamespace(ns)
	w.namespace(t, ns)
	w.create(t, gen.TLSSecret("tls", leaf(t, ca, host, certgen.DNSNames(host)), in), gen.CASecret("client-ca", clientsA, in),
		gen.ExternalName("backend", "localhost", in),
		gen.Ingress("mtls", in, gen.Host(host), gen.TLS("tls"), gen.Path("/", "backend", int32(w.echoPort)),
			gen.Annotation(ingressNginx+"auth-tls-secret", ns+"/client-ca")))
	w.await(t, w.client(trusting(ca, clientA)), w.https(host, "/"), http.StatusOK, nil)
	r := w.must(t, w.client(trusting(ca, clientB)), w.https(host, "/"), nil)
	require.Equal(t, http.StatusBadRequest, r.status, "CA B's client is refused before the rotation: %s", r)
	pid := w.nginxPID(t)

	w.update(t, gen.CASecret("client-ca", clientsB, in))
	w.await(t, w.client(trusting(ca, clientB)), w.https(host, "/"), http.StatusOK, nil)
	r = w.must(t, w.client(trusting(ca, clientA)), w.https(host, "/"), nil)
	assert.Equal(t, http.StatusBadRequest, r.status, "CA A's client is refused after ca.crt moved to CA B: %s", r)
	assert.Equal(t, pid, w.nginxPID(t), "the same nginx master enforces the new CA")
	other.unaffected(t, w)
}

// secretDeleted: deleting the certificate Secret of a served host makes
// that host fall back to the default certificate (the ingress-nginx
// behaviour, docs/security.md) with a Degraded event, while a host with
// another Secret keeps its own certificate.
func (w *wire) secretDeleted(t *testing.T) {
	const ns, gone, kept = "deleted", "gone.deleted.wire.test", "kept.deleted.wire.test"
	other := w.bystander(t, ns)
	ca := w.newCA(t, "deleted CA")
	in, toEcho := gen.InNamespace(ns), gen.Path("/", "backend", int32(w.echoPort))
	w.namespace(t, ns)
	goneTLS := gen.TLSSecret("gone-tls", leaf(t, ca, gone, certgen.DNSNames(gone)), in)
	w.create(t, goneTLS, gen.TLSSecret("kept-tls", leaf(t, ca, kept, certgen.DNSNames(kept)), in), gen.ExternalName("backend", "localhost", in),
		gen.Ingress("gone", in, gen.Host(gone), gen.TLS("gone-tls"), toEcho),
		gen.Ingress("kept", in, gen.Host(kept), gen.TLS("kept-tls"), toEcho))
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
	other.unaffected(t, w)
}

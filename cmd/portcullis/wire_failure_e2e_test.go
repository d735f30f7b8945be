//go:build e2e

package main

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	eventsv1 "k8s.io/api/events/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/seed-d040b84d/portcullis/test/certgen"
	"github.com/seed-d040b84d/portcullis/test/gen"
)

// Behaviours of TestWireBehaviour: what is refused (by lib, by nginx, in the
// controller ConfigMap) fails closed alone, and the rest keeps being served
// and updated.

func (w *wire) blastRadius(t *testing.T) {
	const ns, n = "blast", 50
	broken := "broken.blast.wire.test"
	other := w.bystander(t, ns)
	ca := w.newCA(t, "blast CA")
	in, toEcho := gen.InNamespace(ns), gen.Path("/", "backend", int32(w.echoPort))
	w.namespace(t, ns)
	w.create(t, gen.TLSSecret("tls", leaf(t, ca, "blast", certgen.DNSNames("*.blast.wire.test")), in), gen.ExternalName("backend", "localhost", in))
	hosts := make([]string, n)
	for i := range hosts {
		hosts[i] = fmt.Sprintf("ok-%02d.blast.wire.test", i)
		w.create(t, gen.Ingress(fmt.Sprintf("ok-%02d", i), in, gen.Host(hosts[i]), gen.TLS("tls"), toEcho))
	}
	// Refused by lib (raw nginx configuration); admitted because no webhook runs.
	bad := gen.Ingress("broken", in, gen.Host(broken), gen.TLS("tls"), toEcho,
		gen.Annotation(ingressNginx+"configuration-snippet", "return 200 'injected';"))
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
	other.unaffected(t, w)

	delete(bad.Annotations, ingressNginx+"configuration-snippet")
	w.update(t, bad)
	r := w.await(t, c, w.https(broken, "/"), http.StatusOK, nil)
	assert.NotNil(t, r.seen, "the fixed Ingress's host reaches its backend")
	allServe("the 50 valid Ingresses stopped serving after the fix")
	other.unaffected(t, w)
}

// nginxRefuses: lib accepts an ExternalName Service whose name does not
// resolve, but nginx -t refuses a configuration with it as an upstream. The
// controller finds that Ingress by bisection and refuses it alone: its host
// fails closed with a Rejected event naming nginx's complaint, and a new
// Ingress created afterwards is still served. The refused Ingress is deleted
// when the test ends, so no later test syncs beside it.
func (w *wire) nginxRefuses(t *testing.T) {
	const ns, bad, good = "unresolvable", "bad.unresolvable.wire.test", "good.unresolvable.wire.test"
	other := w.bystander(t, ns)
	ca := w.newCA(t, "unresolvable CA")
	in, toEcho := gen.InNamespace(ns), gen.Path("/", "backend", int32(w.echoPort))
	w.namespace(t, ns)
	badIngress := gen.Ingress("bad", in, gen.Host(bad), gen.TLS("tls"), gen.Path("/", "nowhere", 80))
	w.create(t, gen.TLSSecret("tls", leaf(t, ca, "*.unresolvable.wire.test", certgen.DNSNames("*.unresolvable.wire.test")), in),
		gen.ExternalName("backend", "localhost", in), gen.ExternalName("nowhere", "no-such-host.invalid", in), badIngress)
	t.Cleanup(func() {
		require.NoError(t, w.c.Delete(w.ctx, badIngress))
		w.await(t, w.client(unverified()), w.https(bad, "/"), http.StatusNotFound, nil) // the default server's answer: no longer refused
	})
	w.create(t, gen.Ingress("good", in, gen.Host(good), gen.TLS("tls"), toEcho))
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
	w.create(t, gen.Ingress("later", in, gen.Host(later), gen.TLS("tls"), toEcho))
	w.await(t, c, w.https(later, "/"), http.StatusOK, nil)
	w.await(t, c, w.https(good, "/"), http.StatusOK, nil)
	_, err := w.handshake(bad, trusting(ca, nil))
	assert.Error(t, err, "the refused Ingress's host still fails closed (refused again, from the last sync's culprits)")
	other.unaffected(t, w)
}

// invalidConfigMap: a controller ConfigMap that does not parse (an update
// that got past the webhook) leaves the last good configuration in force,
// and the controller says so in a Warning event on the ConfigMap.
func (w *wire) invalidConfigMap(t *testing.T) {
	const ns, host = "configmap", "web.configmap.wire.test"
	other := w.bystander(t, ns)
	ca := w.newCA(t, "configmap CA")
	in := gen.InNamespace(ns)
	w.namespace(t, ns)
	w.create(t, gen.TLSSecret("tls", leaf(t, ca, host, certgen.DNSNames(host)), in), gen.ExternalName("backend", "localhost", in),
		gen.Ingress("web", in, gen.Host(host), gen.TLS("tls"), gen.Path("/", "backend", int32(w.echoPort))))
	c := w.client(trusting(ca, nil))
	hsts := func() string {
		r, err := w.get(c, w.https(host, "/"), nil)
		if err != nil {
			return err.Error()
		}
		return r.header.Get("Strict-Transport-Security")
	}
	w.await(t, c, w.https(host, "/"), http.StatusOK, nil)
	require.Equal(t, defaultHSTS(), hsts(), "the test starts from the defaults")
	cm := w.controllerConfig(t, gen.Data("hsts-max-age", "600"), func() string {
		if got := hsts(); got != defaultHSTS() {
			return "HSTS " + got
		}
		return ""
	})
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
		if err := w.c.List(w.ctx, &evs, client.InNamespace(w.system)); err != nil {
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
	other.unaffected(t, w)
}

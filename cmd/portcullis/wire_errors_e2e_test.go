//go:build e2e

package main

import (
	"encoding/json"
	"net"
	"net/http"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed-d040b84d/portcullis/test/gen"
)

// Behaviour of TestWireBehaviour: a default backend answering a path's
// errors, in both dialects (docs/reference.md#default-backend-and-error-pages).

// page is what the error-pages backend saw of a request: the headers nginx
// sends a default backend, and the URI it asked for.
type page struct {
	Backend                                                                 string
	Code, Format, OriginalURI, Namespace, Ingress, ServiceName, ServicePort string
	URI                                                                     string
}

// errorPagesBackend answers every request with what it saw, with the status
// X-Code names (as ingress-nginx's error-pages images do) or 200 without
// one; it returns its port.
func errorPagesBackend(t *testing.T) int {
	t.Helper()
	s := quietServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		h := r.Header.Get
		status := http.StatusOK
		if n, err := strconv.Atoi(h("X-Code")); err == nil {
			status = n
		}
		rw.Header().Set("Content-Type", "application/json")
		rw.WriteHeader(status)
		_ = json.NewEncoder(rw).Encode(page{Backend: "error-pages", Code: h("X-Code"), Format: h("X-Format"), OriginalURI: h("X-Original-URI"),
			Namespace: h("X-Namespace"), Ingress: h("X-Ingress-Name"), ServiceName: h("X-Service-Name"), ServicePort: h("X-Service-Port"),
			URI: r.RequestURI})
	}))
	s.Start()
	t.Cleanup(s.Close)
	return s.Listener.Addr().(*net.TCPAddr).Port
}

// failingBackend answers every request 503 with a body of its own; it
// returns its port.
func failingBackend(t *testing.T) int {
	t.Helper()
	s := quietServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		http.Error(rw, "the backend's own 503", http.StatusServiceUnavailable)
	}))
	s.Start()
	t.Cleanup(s.Close)
	return s.Listener.Addr().(*net.TCPAddr).Port
}

// closedPort is a loopback port nothing listens on.
func closedPort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port := l.Addr().(*net.TCPAddr).Port
	require.NoError(t, l.Close())
	return port
}

// pageOf is the error-pages backend's answer in r, nil if it is not one.
func pageOf(r reply) *page {
	var p page
	if json.Unmarshal([]byte(r.body), &p) != nil || p.Backend != "error-pages" {
		return nil
	}
	return &p
}

func (w *wire) errorPages(t *testing.T) {
	const ns, tenant = "errors", "errors-tenant"
	const app, plain, gone, org, cross = "app.errors.wire.test", "plain.errors.wire.test", "gone.errors.wire.test",
		"org.errors.wire.test", "cross.errors-tenant.wire.test"
	const nginxOnly, shop = "nginx-only.errors.wire.test", "shop.errors.wire.test"
	other := w.bystander(t, ns)
	in := gen.InNamespace(ns)
	w.namespace(t, ns)
	w.namespace(t, tenant)
	pages, failing, closed := int32(errorPagesBackend(t)), int32(failingBackend(t)), int32(closedPort(t))
	withPages := gen.Annotation(ingressNginx+"default-backend", "error-pages")
	ing := gen.Ingress("app", in, gen.Host(app), gen.Path("/", "failing", failing), withPages,
		gen.Annotation(ingressNginx+"custom-http-errors", "503"))
	w.create(t,
		gen.ExternalName("error-pages", "localhost", in, gen.ServicePort("http", pages, 0)),
		gen.ExternalName("failing", "localhost", in),
		gen.Service("gone", in, gen.ServicePort("http", 80, 0)), // no EndpointSlice: no address
		ing,
		gen.Ingress("plain", in, gen.Host(plain), gen.Path("/", "failing", failing)),
		gen.Ingress("gone", in, gen.Host(gone), gen.Path("/", "gone", 80), withPages),
		// Nothing listens on closed: nginx answers 502 itself.
		gen.Ingress("nginx-only", in, gen.Host(nginxOnly), gen.Path("/", "failing", failing), gen.Path("/down", "failing", closed), withPages,
			gen.Annotation(ingressNginx+"custom-http-errors", "502,503"),
			gen.Annotation(ingressNginx+"disable-proxy-intercept-errors", "true")),
		gen.Ingress("org", in, gen.Host(org), gen.Path("/", "failing", failing), gen.DefaultBackend("error-pages", pages),
			gen.Annotation(nginxOrg+"custom-http-errors", "503")),
		// A minion's codes, answered by its master's spec.defaultBackend.
		gen.Ingress("shop", in, gen.Host(shop), gen.DefaultBackend("error-pages", pages),
			gen.Annotation(nginxOrg+"mergeable-ingress-type", "master")),
		gen.Ingress("cart", in, gen.Host(shop), gen.Path("/cart", "failing", failing),
			gen.Annotation(nginxOrg+"mergeable-ingress-type", "minion"), gen.Annotation(nginxOrg+"custom-http-errors", "503")),
		// Another namespace naming this one's error pages: refused.
		gen.ExternalName("backend", "localhost", gen.InNamespace(tenant)),
		gen.Ingress("cross", gen.InNamespace(tenant), gen.Host(cross), gen.Path("/", "backend", int32(w.echoPort)),
			gen.Annotation(ingressNginx+"default-backend", ns+"/error-pages"),
			gen.Annotation(ingressNginx+"custom-http-errors", "404")),
	)
	c := w.client(nil)

	t.Run("custom-http-errors 503: the default backend's page answers the backend's 503, with its status", func(t *testing.T) {
		r := w.await(t, c, w.http(app, "/shop/cart?item=7"), http.StatusServiceUnavailable, map[string]string{"Accept": "text/html"})
		p := pageOf(r)
		require.NotNil(t, p, "the default backend answers, not the backend: %s", r)
		assert.Equal(t, page{Backend: "error-pages", Code: "503", Format: "text/html", OriginalURI: "/shop/cart?item=7",
			Namespace: ns, Ingress: "app", ServiceName: "failing", ServicePort: strconv.Itoa(int(failing)), URI: "/?item=7"}, *p)
	})
	t.Run("without the annotations the backend's own 503 passes", func(t *testing.T) {
		r := w.await(t, c, w.http(plain, "/"), http.StatusServiceUnavailable, nil)
		assert.Nil(t, pageOf(r))
		assert.Contains(t, r.body, "the backend's own 503")
	})
	t.Run("disable-proxy-intercept-errors: the backend's own 503 passes; nginx's own 502 gets the page", func(t *testing.T) {
		r := w.await(t, c, w.http(nginxOnly, "/down"), http.StatusBadGateway, nil)
		p := pageOf(r)
		require.NotNil(t, p, "the default backend answers nginx's 502: %s", r)
		assert.Equal(t, "502", p.Code)
		r = w.must(t, c, w.http(nginxOnly, "/"), nil)
		assert.Equal(t, http.StatusServiceUnavailable, r.status, "%s", r)
		assert.Nil(t, pageOf(r), "the backend's own 503 is not intercepted")
		assert.Contains(t, r.body, "the backend's own 503")
	})
	t.Run("default-backend answers a path whose Service has no address", func(t *testing.T) {
		r := w.await(t, c, w.http(gone, "/x"), http.StatusServiceUnavailable, nil)
		p := pageOf(r)
		require.NotNil(t, p, "the default backend answers: %s", r)
		assert.Equal(t, "503", p.Code)
		assert.Equal(t, "gone", p.ServiceName)
		assert.Equal(t, "/x", p.OriginalURI)
	})
	t.Run("nginx.org/custom-http-errors: spec.defaultBackend answers the same request; the status stays the backend's", func(t *testing.T) {
		r := w.await(t, c, w.http(org, "/shop?x=1"), http.StatusServiceUnavailable, nil)
		p := pageOf(r)
		require.NotNil(t, p, "the default backend answers, not the backend: %s", r)
		assert.Equal(t, "/shop?x=1", p.URI, "asked for the original request")
		assert.Empty(t, p.Code, "NGINX Inc sends no X-Code")
	})
	t.Run("a mergeable minion's nginx.org/custom-http-errors go to its master's spec.defaultBackend", func(t *testing.T) {
		r := w.await(t, c, w.http(shop, "/cart"), http.StatusServiceUnavailable, nil)
		p := pageOf(r)
		require.NotNil(t, p, "the master's default backend answers: %s", r)
		assert.Equal(t, "/cart", p.URI)
	})
	t.Run("a default backend in another namespace is refused: that Ingress's host fails closed", func(t *testing.T) {
		r := w.await(t, c, w.http(cross, "/"), http.StatusServiceUnavailable, nil) // 404 until programmed
		assert.Nil(t, pageOf(r), "the other namespace's error pages never answer")
		assert.Nil(t, r.seen, "the refused Ingress's backend is not served")
	})
	t.Run("without custom-http-errors the backend's 503 passes again", func(t *testing.T) {
		delete(ing.Annotations, ingressNginx+"custom-http-errors")
		w.update(t, ing)
		eventually(t, "the page still answers", func() string {
			r, err := w.get(c, w.http(app, "/"), nil)
			if err != nil {
				return err.Error()
			}
			if pageOf(r) != nil || r.status != http.StatusServiceUnavailable {
				return r.String()
			}
			return ""
		})
	})
	other.unaffected(t, w)
}

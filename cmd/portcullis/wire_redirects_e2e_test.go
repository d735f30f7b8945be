//go:build e2e

package main

import (
	"net"
	"net/http"
	"strconv"
	"testing"
	"time"

	networkingv1 "k8s.io/api/networking/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed-d040b84d/portcullis/test/certgen"
	"github.com/seed-d040b84d/portcullis/test/gen"
)

// Behaviours of TestWireBehaviour: the redirect and forwarding keys of both
// dialects (docs/annotations.md, docs/controller.md#what-is-rendered).

func (w *wire) pathRedirects(t *testing.T) {
	const ns = "redirects"
	other := w.bystander(t, ns)
	in := gen.InNamespace(ns)
	w.namespace(t, ns)
	port := int32(w.echoPort)
	cases := []struct {
		name, host  string
		annotations map[string]string
		code        int
		location    string
	}{
		{"permanent-redirect alone: 301", "p301.redirects.wire.test",
			map[string]string{ingressNginx + "permanent-redirect": "https://new.example.org/landing?from=old"}, 301, "https://new.example.org/landing?from=old"},
		{"permanent-redirect-code 308", "p308.redirects.wire.test",
			map[string]string{ingressNginx + "permanent-redirect": "https://new.example.org/", ingressNginx + "permanent-redirect-code": "308"}, 308, "https://new.example.org/"},
		{"temporal-redirect alone: 302", "t302.redirects.wire.test",
			map[string]string{ingressNginx + "temporal-redirect": "http://maintenance.example.org/"}, 302, "http://maintenance.example.org/"},
		{"temporal-redirect-code 307, over permanent-redirect", "t307.redirects.wire.test",
			map[string]string{ingressNginx + "temporal-redirect": "https://status.example.org/down", ingressNginx + "temporal-redirect-code": "307",
				ingressNginx + "permanent-redirect": "https://new.example.org/"}, 307, "https://status.example.org/down"},
	}
	objs := []client.Object{gen.ExternalName("backend", "localhost", in)}
	for i, c := range cases {
		objs = append(objs, gen.Ingress("r"+strconv.Itoa(i), in, gen.Host(c.host), gen.Path("/", "backend", port), gen.Annotations(c.annotations)))
	}
	w.create(t, objs...)
	cl := w.client(nil)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := w.await(t, cl, w.http(c.host, "/some/path?q=1"), c.code, nil)
			assert.Equal(t, c.location, r.header.Get("Location"), "the URL as written: the request's path is not appended")
			assert.Nil(t, r.seen, "the backend is never asked")
		})
	}
	other.unaffected(t, w)
}

func (w *wire) forwarding(t *testing.T) {
	const ns = "forwarding"
	other := w.bystander(t, ns)
	in := gen.InNamespace(ns)
	w.namespace(t, ns)
	port := int32(w.echoPort)
	root, shop, fwd, cafe := "root.forwarding.wire.test", "shop.forwarding.wire.test", "fwd.forwarding.wire.test", "cafe.forwarding.wire.test"
	secure := "secure.forwarding.wire.test"
	squat := "www." + other.host
	ca := w.newCA(t, "forwarding CA")
	cert := leaf(t, ca, secure, certgen.DNSNames(secure, "www."+secure))
	w.create(t, gen.ExternalName("backend", "localhost", in), gen.ExternalName("tea-svc", "localhost", in),
		gen.TLSSecret("tls", cert, in),
		gen.Ingress("secure", in, gen.Host(secure), gen.TLS("tls"), gen.Path("/", "backend", port), gen.Annotation(ingressNginx+"from-to-www-redirect", "true")),
		gen.Ingress("root", in, gen.Host(root), gen.Path("/", "backend", port), gen.Annotation(ingressNginx+"app-root", "/app1")),
		gen.Ingress("shop", in, gen.Host(shop), gen.Path("/", "backend", port), gen.Annotation(ingressNginx+"from-to-www-redirect", "true")),
		gen.Ingress("fwd", in, gen.Host(fwd), gen.Path("/", "backend", port),
			gen.Annotation(ingressNginx+"upstream-vhost", "backend.internal:8080"), gen.Annotation(ingressNginx+"x-forwarded-prefix", "/shop")),
		gen.Ingress("cafe", in, gen.Host(cafe), gen.Path("/", "backend", port), gen.Path("/tea", "tea-svc", port),
			gen.Annotation(nginxOrg+"rewrites", "serviceName=tea-svc rewrite=/")),
		gen.Ingress("leaves", in, gen.Host(cafe), gen.Path("/leaf/([a-z]+)", "tea-svc", port),
			gen.Annotation(nginxOrg+"path-regex", "case_sensitive"), gen.Annotation(nginxOrg+"rewrite-target", "/tea/$1")),
		gen.Ingress("beans", in, gen.Host(cafe), gen.Path("/beans", "backend", port), gen.Annotation(nginxOrg+"rewrite-target", "/menu")),
	)
	// The bystander's host with www. added, asking for the redirect from
	// its other name, the bystander's own host. Creation times have a
	// resolution of one second and the same second is ordered by
	// namespace/name (docs/security.md#tenancy), so it comes in a later
	// second than the bystander's Ingress.
	var owner networkingv1.Ingress
	require.NoError(t, w.c.Get(w.ctx, client.ObjectKey{Namespace: other.ns, Name: "web"}, &owner))
	eventually(t, "the clock never passed the owner's creation second", func() string {
		if !time.Now().After(owner.CreationTimestamp.Add(time.Second)) {
			return "still the owner's creation second"
		}
		return ""
	})
	w.create(t, gen.Ingress("squat", in, gen.Host(squat), gen.Path("/", "backend", port), gen.Annotation(ingressNginx+"from-to-www-redirect", "true")))
	c := w.client(nil)
	w.await(t, c, w.http(cafe, "/tea/green"), http.StatusOK, nil)

	t.Run("app-root: / is redirected with 302, every other path is served", func(t *testing.T) {
		r := w.await(t, c, w.http(root, "/"), http.StatusFound, nil)
		assert.Equal(t, "http://"+root+":"+strconv.Itoa(w.httpPort)+"/app1", r.header.Get("Location"))
		r = w.must(t, c, w.http(root, "/app1"), nil)
		require.Equal(t, http.StatusOK, r.status, "%s", r)
		assert.Equal(t, "/app1", r.seen.URI)
	})
	t.Run("from-to-www-redirect: www. is redirected to the host, path and query kept", func(t *testing.T) {
		r := w.await(t, c, w.http("www."+shop, "/a/b?q=1"), http.StatusPermanentRedirect, nil)
		assert.Equal(t, "http://"+shop+":"+strconv.Itoa(w.httpPort)+"/a/b?q=1", r.header.Get("Location"))
		r = w.must(t, c, w.http(shop, "/a/b?q=1"), nil)
		require.Equal(t, http.StatusOK, r.status, "%s", r)
		assert.Equal(t, shop, r.seen.Host)
	})
	t.Run("from-to-www-redirect on a TLS host: www. over HTTPS, with the host's certificate, and over HTTP go to https://host", func(t *testing.T) {
		tc := w.client(trusting(ca, nil))
		r := w.await(t, tc, w.https("www."+secure, "/p?q=1"), http.StatusPermanentRedirect, nil)
		assert.Equal(t, "https://"+secure+":"+strconv.Itoa(w.httpsPort)+"/p?q=1", r.header.Get("Location"))
		require.NotNil(t, r.tls)
		assert.True(t, sameCert(r.tls.PeerCertificates[0], cert.Cert), "the www. name is served the host's certificate")
		r = w.must(t, c, w.http("www."+secure, "/p?q=1"), nil)
		assert.Equal(t, http.StatusPermanentRedirect, r.status, "%s", r)
		assert.Equal(t, "https://"+secure+":"+strconv.Itoa(w.httpsPort)+"/p?q=1", r.header.Get("Location"))
		r = w.must(t, tc, w.https(secure, "/p"), nil)
		require.Equal(t, http.StatusOK, r.status, "%s", r)
		assert.Equal(t, secure, r.seen.Host)
	})
	t.Run("upstream-vhost and x-forwarded-prefix reach the backend", func(t *testing.T) {
		r := w.must(t, c, w.http(fwd, "/x"), nil)
		require.Equal(t, http.StatusOK, r.status, "%s", r)
		require.NotNil(t, r.seen)
		assert.Equal(t, "backend.internal:8080", r.seen.Host)
		assert.Equal(t, "/shop", r.seen.Prefix)
		r = w.must(t, c, w.http(cafe, "/"), nil)
		require.NotNil(t, r.seen)
		assert.Equal(t, cafe, r.seen.Host, "another host keeps the request's Host")
		assert.Empty(t, r.seen.Prefix)
	})
	t.Run("nginx.org/rewrites replaces the matched prefix for its Service only", func(t *testing.T) {
		w.reachBackendAs(t, c, cafe, map[string]string{"/tea/green?x=1": "/green?x=1", "/tea": "/", "/tea/": "/", "/teapot": "/teapot", "/coffee": "/coffee"})
	})
	t.Run("nginx.org/rewrite-target: the path becomes the target, with a regular expression's captures", func(t *testing.T) {
		w.await(t, c, w.http(cafe, "/beans"), http.StatusOK, nil)
		w.reachBackendAs(t, c, cafe, map[string]string{"/leaf/green?x=1": "/tea/green?x=1", "/leaf/green/extra?q=1": "/tea/green?q=1",
			"/LEAF/green": "/LEAF/green", "/beans/x?y=2": "/menu?y=2", "/beans": "/menu"})
	})
	t.Run("a www. name another namespace owns is never taken", func(t *testing.T) {
		// The squatting Ingress is refused (tenancy): its own host fails
		// closed, and the bystander's host is served by its own backend.
		w.await(t, c, w.http(squat, "/"), http.StatusServiceUnavailable, nil)
		r := w.must(t, c, w.http(other.host, "/x?y=1"), nil)
		assert.Equal(t, "https://"+other.host+":"+strconv.Itoa(w.httpsPort)+"/x?y=1", r.header.Get("Location"),
			"the other namespace's host redirects to its own HTTPS only: %s", r)
		other.unaffected(t, w)
	})
}

func (w *wire) regexEndAnchor(t *testing.T) {
	const ns = "anchor"
	other := w.bystander(t, ns)
	in := gen.InNamespace(ns)
	w.namespace(t, ns)
	host := "app.anchor.wire.test"
	backend := func(name string) int32 {
		srv := quietServer(echo(name))
		srv.Start()
		t.Cleanup(srv.Close)
		return int32(srv.Listener.Addr().(*net.TCPAddr).Port)
	}
	status, web := backend("status"), backend("web")
	w.create(t, gen.ExternalName("status", "localhost", in), gen.ExternalName("web", "localhost", in),
		gen.Ingress("web", in, gen.Host(host), gen.Annotation(ingressNginx+"use-regex", "true"),
			gen.PathOfType("ImplementationSpecific", "/status$", "status", status), gen.Path("/", "web", web)))
	c := w.client(nil)
	w.await(t, c, w.http(host, "/status"), http.StatusOK, nil)
	// nginx matches the decoded path: "/status%0A" is "/status\n", which
	// PCRE's "$" would match and lib's RE2 "$" does not.
	r := w.must(t, c, w.http(host, "/status"), nil)
	require.NotNil(t, r.seen, "%s", r)
	assert.Equal(t, "status", r.seen.Backend)
	r = w.must(t, c, w.http(host, "/status%0A"), nil)
	require.NotNil(t, r.seen, "%s", r)
	assert.Equal(t, "web", r.seen.Backend, "a path ending in a newline reached the /status$ location")
	assert.Equal(t, "/status%0A", r.seen.URI)
	other.unaffected(t, w)
}

// reachBackendAs GETs each request URI on host over plain HTTP and asserts
// the backend answered 200 and saw the request URI it maps to.
func (w *wire) reachBackendAs(t *testing.T, c *http.Client, host string, want map[string]string) {
	t.Helper()
	for uri, as := range want {
		r := w.must(t, c, w.http(host, uri), nil)
		require.Equal(t, http.StatusOK, r.status, "GET %s: %s", uri, r)
		require.NotNil(t, r.seen, "GET %s", uri)
		assert.Equal(t, as, r.seen.URI, "GET %s reaches the backend as", uri)
	}
}

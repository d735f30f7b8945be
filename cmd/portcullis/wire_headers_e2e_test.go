//go:build e2e

package main

import (
	"encoding/json"
	"net"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed-d040b84d/portcullis/test/certgen"
	"github.com/seed-d040b84d/portcullis/test/gen"
)

// Behaviours of TestWireBehaviour: the response header keys of both
// dialects (docs/reference.md#response-headers, docs/reference.md#cors).

// backendLocation is where headerBackend's /moved redirects to.
const backendLocation = "http://backend.internal:8080/app/next"

// headerBackend is an echo backend that adds X-Powered-By to every answer,
// redirects /moved to backendLocation and answers /fail with 500; it
// returns its port.
func headerBackend(t *testing.T) int {
	t.Helper()
	s := quietServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		rw.Header().Set("X-Powered-By", "backend")
		rw.Header().Set("X-Pad", "backend") // one of the headers nginx hides by default
		// Every X-Tenant request header that reached it, in order.
		rw.Header().Set("X-Seen-Tenant", strings.Join(r.Header.Values("X-Tenant"), "|"))
		switch r.URL.Path {
		case "/moved":
			http.Redirect(rw, r, backendLocation, http.StatusFound)
			return
		case "/fail":
			http.Error(rw, "failed", http.StatusInternalServerError)
			return
		}
		rw.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(rw).Encode(seen{Backend: "headers", Host: r.Host, URI: r.Method + " " + r.RequestURI})
	}))
	s.Start()
	t.Cleanup(s.Close)
	return s.Listener.Addr().(*net.TCPAddr).Port
}

func (w *wire) cors(t *testing.T) {
	const ns, host, plain = "cors", "api.cors.wire.test", "plain.cors.wire.test"
	other := w.bystander(t, ns)
	in := gen.InNamespace(ns)
	w.namespace(t, ns)
	port := int32(headerBackend(t))
	w.create(t, gen.ExternalName("backend", "localhost", in),
		gen.Ingress("api", in, gen.Host(host), gen.Path("/", "backend", port),
			gen.Annotation(ingressNginx+"enable-cors", "true"),
			gen.Annotation(ingressNginx+"cors-allow-origin", "https://app.example.com, https://*.example.org:8443"),
			gen.Annotation(ingressNginx+"cors-allow-methods", "GET, POST"),
			gen.Annotation(ingressNginx+"cors-expose-headers", "X-Total-Count"),
			gen.Annotation(ingressNginx+"cors-max-age", "600")),
		gen.Ingress("plain", in, gen.Host(plain), gen.Path("/", "backend", port)))
	c := w.client(nil)
	preflight := func(origin string) map[string]string {
		return map[string]string{"Origin": origin, "Access-Control-Request-Method": "POST"}
	}
	w.awaitReply(t, "CORS preflight", http.StatusNoContent, func() (reply, error) {
		return w.send(c, http.MethodOptions, w.http(host, "/items"), preflight("https://app.example.com"))
	})

	t.Run("a preflight from a listed origin is answered 204 with the allow headers, before the backend", func(t *testing.T) {
		for _, origin := range []string{"https://app.example.com", "https://eu.example.org:8443"} {
			r, err := w.send(c, http.MethodOptions, w.http(host, "/items"), preflight(origin))
			require.NoError(t, err)
			require.Equal(t, http.StatusNoContent, r.status, "%s: %s", origin, r)
			assert.Nil(t, r.seen, "the backend never sees the preflight")
			assert.Equal(t, origin, r.header.Get("Access-Control-Allow-Origin"), "the request's own origin is echoed")
			assert.Equal(t, "GET, POST", r.header.Get("Access-Control-Allow-Methods"))
			assert.Contains(t, r.header.Get("Access-Control-Allow-Headers"), "Authorization", "ingress-nginx's default allowed headers")
			assert.Equal(t, "true", r.header.Get("Access-Control-Allow-Credentials"))
			assert.Equal(t, "600", r.header.Get("Access-Control-Max-Age"))
			assert.Equal(t, "Origin", r.header.Get("Vary"))
		}
	})
	t.Run("a request from a listed origin gets its origin back, credentials and the exposed headers", func(t *testing.T) {
		r := w.must(t, c, w.http(host, "/items"), map[string]string{"Origin": "https://app.example.com"})
		require.Equal(t, http.StatusOK, r.status, "%s", r)
		require.NotNil(t, r.seen, "the backend answers")
		assert.Equal(t, "https://app.example.com", r.header.Get("Access-Control-Allow-Origin"))
		assert.Equal(t, "true", r.header.Get("Access-Control-Allow-Credentials"))
		assert.Equal(t, "X-Total-Count", r.header.Get("Access-Control-Expose-Headers"))
		assert.Empty(t, r.header.Get("Access-Control-Allow-Methods"), "the preflight's headers only on the preflight")
	})
	t.Run("another origin gets no CORS header, and its preflight goes to the backend", func(t *testing.T) {
		for _, origin := range []string{"https://evil.example.com", "https://app.example.com.evil.test", "https://a.b.example.org:8443", "https://eu.example.org", "null"} {
			r := w.must(t, c, w.http(host, "/items"), map[string]string{"Origin": origin})
			require.Equal(t, http.StatusOK, r.status, "%s: %s", origin, r)
			for k := range r.header {
				assert.False(t, strings.HasPrefix(k, "Access-Control-"), "%s: %s sent to another origin", origin, k)
			}
			r, err := w.send(c, http.MethodOptions, w.http(host, "/items"), preflight(origin))
			require.NoError(t, err)
			require.NotNil(t, r.seen, "%s: the preflight of an origin not listed reaches the backend: %s", origin, r)
			assert.Equal(t, "OPTIONS /items", r.seen.URI)
			assert.Empty(t, r.header.Get("Access-Control-Allow-Origin"), origin)
		}
	})
	t.Run("a host without enable-cors answers no CORS header", func(t *testing.T) {
		r := w.must(t, c, w.http(plain, "/items"), map[string]string{"Origin": "https://app.example.com"})
		require.NotNil(t, r.seen, "%s", r)
		assert.Empty(t, r.header.Get("Access-Control-Allow-Origin"))
		r, err := w.send(c, http.MethodOptions, w.http(plain, "/items"), preflight("https://app.example.com"))
		require.NoError(t, err)
		assert.NotNil(t, r.seen, "the preflight reaches the backend: %s", r)
	})
	other.unaffected(t, w)
}

func (w *wire) responseHeaders(t *testing.T) {
	const ns, org, ingn, plain = "headers", "org.headers.wire.test", "in.headers.wire.test", "plain.headers.wire.test"
	const rel, withPort, forged = "rel.headers.wire.test", "port.headers.wire.test", "forged.headers.wire.test"
	other := w.bystander(t, ns)
	ca := w.newCA(t, "headers CA")
	in := gen.InNamespace(ns)
	w.namespace(t, ns)
	port := int32(headerBackend(t))
	w.create(t, gen.ExternalName("backend", "localhost", in),
		gen.TLSSecret("tls", leaf(t, ca, org, certgen.DNSNames(org)), in),
		gen.Ingress("org", in, gen.Host(org), gen.TLS("tls"), gen.Path("/", "backend", port),
			gen.Annotation(nginxOrg+"add-header", `X-Frame-Options: DENY, X-Note: say "hi": always`),
			gen.Annotation(nginxOrg+"proxy-hide-headers", "X-Powered-By"),
			gen.Annotation(nginxOrg+"proxy-pass-headers", "X-Pad"),
			gen.Annotation(nginxOrg+"proxy-set-headers", "X-Tenant: blue"),
			gen.Annotation(nginxOrg+"server-tokens", "True"),
			gen.Annotation(nginxOrg+"proxy-redirect-from", "http://backend.internal:8080/app/"),
			gen.Annotation(nginxOrg+"proxy-redirect-to", "https://"+org+"/")),
		gen.Ingress("in", in, gen.Host(ingn), gen.Path("/", "backend", port),
			gen.Annotation(ingressNginx+"proxy-redirect-from", "http://backend.internal:8080/"),
			gen.Annotation(ingressNginx+"proxy-redirect-to", "/")),
		gen.Ingress("rel", in, gen.Host(rel), gen.Path("/", "backend", port),
			gen.Annotation(ingressNginx+"proxy-redirect-from", "http://backend.internal:8080/"),
			gen.Annotation(ingressNginx+"proxy-redirect-to", "/"),
			gen.Annotation(ingressNginx+"relative-redirects", "true")),
		gen.Ingress("port", in, gen.Host(withPort), gen.Path("/", "backend", port),
			gen.Annotation(ingressNginx+"proxy-redirect-from", "http://backend.internal:8080/"),
			gen.Annotation(ingressNginx+"proxy-redirect-to", "/"),
			gen.Annotation(ingressNginx+"use-port-in-redirects", "true")),
		// Refused by lib (portcullis sets X-Forwarded-For itself); no
		// webhook here, so only the controller stands in the way.
		gen.Ingress("forged", in, gen.Host(forged), gen.Path("/", "backend", port),
			gen.Annotation(nginxOrg+"proxy-set-headers", "X-Forwarded-For: 10.1.2.3")),
		gen.Ingress("plain", in, gen.Host(plain), gen.Path("/", "backend", port)))
	tc := w.client(trusting(ca, nil))
	c := w.client(nil)
	r := w.await(t, tc, w.https(org, "/"), http.StatusOK, nil)
	require.NotNil(t, r.seen, "%s", r)
	w.await(t, c, w.http(ingn, "/"), http.StatusOK, nil)
	w.await(t, c, w.http(rel, "/"), http.StatusOK, nil)
	w.await(t, c, w.http(withPort, "/"), http.StatusOK, nil)
	control := w.await(t, c, w.http(plain, "/"), http.StatusOK, nil)

	t.Run("add-header is seen by the client, next to the host's HSTS header", func(t *testing.T) {
		assert.Equal(t, "DENY", r.header.Get("X-Frame-Options"))
		assert.Equal(t, `say "hi"`, r.header.Get("X-Note"))
		assert.Equal(t, defaultHSTS(), r.header.Get("Strict-Transport-Security"), "adding headers keeps the host's HSTS header")
		fail := w.must(t, tc, w.https(org, "/fail"), nil)
		require.Equal(t, http.StatusInternalServerError, fail.status, "%s", fail)
		assert.Equal(t, `say "hi"`, fail.header.Get("X-Note"), "an always header is on error responses too")
		assert.Empty(t, fail.header.Get("X-Frame-Options"), "nginx adds the others to successful responses only")
		assert.Empty(t, control.header.Get("X-Frame-Options"), "another Ingress's host adds nothing")
	})
	t.Run("proxy-hide-headers removes the backend's header", func(t *testing.T) {
		assert.Empty(t, r.header.Values("X-Powered-By"), "hidden on the host that asks")
		assert.Equal(t, "backend", control.header.Get("X-Powered-By"), "passed on elsewhere")
	})
	t.Run("proxy-set-headers sends its value to the backend in place of the client's", func(t *testing.T) {
		tenant := map[string]string{"X-Tenant": "red"}
		got := w.must(t, tc, w.https(org, "/"), tenant)
		require.Equal(t, http.StatusOK, got.status, "%s", got)
		assert.Equal(t, "blue", got.header.Get("X-Seen-Tenant"), "exactly one X-Tenant, the Ingress's")
		got = w.must(t, c, w.http(plain, "/"), tenant)
		assert.Equal(t, "red", got.header.Get("X-Seen-Tenant"), "another Ingress's host passes the client's")
		// A header portcullis sets itself is refused: the host fails
		// closed (a backend would have answered 200).
		w.await(t, c, w.http(forged, "/"), http.StatusServiceUnavailable, nil)
	})
	t.Run("proxy-pass-headers passes a header nginx hides by default", func(t *testing.T) {
		assert.Equal(t, "backend", r.header.Get("X-Pad"), "passed on the host that asks")
		assert.Empty(t, control.header.Values("X-Pad"), "hidden elsewhere, as nginx does")
	})
	t.Run("server-tokens True shows nginx's version; off (the default) hides it", func(t *testing.T) {
		assert.Regexp(t, regexp.MustCompile(`^nginx/[0-9]+\.[0-9]+\.[0-9]+$`), r.header.Get("Server"))
		assert.Equal(t, "nginx", control.header.Get("Server"))
		nf := w.must(t, c, w.http("unknown.headers.wire.test", "/"), nil)
		assert.Equal(t, "nginx", nf.header.Get("Server"), "nor on an unknown host's 404")
	})
	t.Run("proxy-redirect rewrites the backend's Location, in both dialects", func(t *testing.T) {
		moved := w.must(t, tc, w.https(org, "/moved"), nil)
		require.Equal(t, http.StatusFound, moved.status, "%s", moved)
		assert.Equal(t, "https://"+org+"/next", moved.header.Get("Location"))
		moved = w.must(t, c, w.http(ingn, "/moved"), nil)
		require.Equal(t, http.StatusFound, moved.status, "%s", moved)
		assert.Equal(t, "http://"+ingn+"/app/next", moved.header.Get("Location"), "a path replacement gets the host's name in front, as nginx writes it, and no port (as ingress-nginx)")
		moved = w.must(t, c, w.http(withPort, "/moved"), nil)
		require.Equal(t, http.StatusFound, moved.status, "%s", moved)
		assert.Equal(t, w.http(withPort, "/app/next"), moved.header.Get("Location"), "use-port-in-redirects: the port nginx was reached on too")
		moved = w.must(t, c, w.http(rel, "/moved"), nil)
		require.Equal(t, http.StatusFound, moved.status, "%s", moved)
		assert.Equal(t, "/app/next", moved.header.Get("Location"), "relative-redirects: nginx leaves a relative Location relative")
		moved = w.must(t, c, w.http(plain, "/moved"), nil)
		require.Equal(t, http.StatusFound, moved.status, "%s", moved)
		assert.Equal(t, backendLocation, moved.header.Get("Location"), "unchanged without proxy-redirect")
	})
	t.Run("the other namespace's host sends none of it", func(t *testing.T) {
		o := w.must(t, w.client(trusting(other.ca, nil)), w.https(other.host, "/"), nil)
		require.Equal(t, http.StatusOK, o.status, "%s", o)
		assert.Empty(t, o.header.Get("X-Frame-Options"))
		assert.Equal(t, "nginx", o.header.Get("Server"))
		assert.Equal(t, defaultHSTS(), o.header.Get("Strict-Transport-Security"))
	})
	other.unaffected(t, w)
}

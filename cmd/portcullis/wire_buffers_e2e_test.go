//go:build e2e

package main

import (
	"encoding/json"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/seed-d040b84d/portcullis/test/gen"
)

// Behaviours of TestWireBehaviour: the response header buffer, temporary
// files of buffered responses, and retries to the next backend, set by
// either dialect's annotations (docs/annotations.md).

// bigHeader is the size of the response header bigHeaderBackend sends on
// /big: more than nginx's default buffer (4k) and than 8k, less than 16k.
const bigHeader = 10000

// bigHeaderBackend answers /big with a bigHeader-byte X-Big header, and any
// other path with a small one; it returns its port.
func bigHeaderBackend(t *testing.T) int {
	t.Helper()
	h := echo("big-header")
	s := quietServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/big" {
			rw.Header().Set("X-Big", strings.Repeat("b", bigHeader))
		}
		h.ServeHTTP(rw, r)
	}))
	s.Start()
	t.Cleanup(s.Close)
	return s.Listener.Addr().(*net.TCPAddr).Port
}

func (w *wire) headerBuffer(t *testing.T) {
	const ns, elsewhere = "buffers", "buffers-default"
	hosts := map[string]string{"default": "default.buffers.wire.test", "in": "in.buffers.wire.test",
		"org": "org.buffers.wire.test", "elsewhere": "web.buffers-default.wire.test"}
	other := w.bystander(t, ns)
	in, out := gen.InNamespace(ns), gen.InNamespace(elsewhere)
	w.namespace(t, ns)
	w.namespace(t, elsewhere)
	port := int32(bigHeaderBackend(t))
	ing := gen.Ingress("in", in, gen.Host(hosts["in"]), gen.Path("/", "big", port), gen.Annotation(ingressNginx+"proxy-buffer-size", "16k"))
	w.create(t, gen.ExternalName("big", "localhost", in), gen.ExternalName("big", "localhost", out), ing,
		gen.Ingress("default", in, gen.Host(hosts["default"]), gen.Path("/", "big", port)),
		gen.Ingress("org", in, gen.Host(hosts["org"]), gen.Path("/", "big", port),
			gen.Annotation(nginxOrg+"proxy-buffers", "4 16k"), gen.Annotation(nginxOrg+"proxy-buffer-size", "16k")),
		gen.Ingress("web", out, gen.Host(hosts["elsewhere"]), gen.Path("/", "big", port)))
	c := w.client(nil)
	for _, h := range hosts {
		w.await(t, c, w.http(h, "/small"), http.StatusOK, nil)
	}

	t.Run("a response header over the default buffer (4k) gets 502", func(t *testing.T) {
		for _, h := range []string{hosts["default"], hosts["elsewhere"]} {
			r := w.must(t, c, w.http(h, "/big"), nil)
			assert.Equal(t, http.StatusBadGateway, r.status, "%s: %s", h, r)
			assert.Nil(t, r.seen, "%s: nginx answers, not the backend", h)
		}
	})
	for _, name := range []string{"in", "org"} {
		t.Run(name+": with a 16k buffer it is served", func(t *testing.T) {
			r := w.must(t, c, w.http(hosts[name], "/big"), nil)
			require.Equal(t, http.StatusOK, r.status, "%s", r)
			require.NotNil(t, r.seen)
			assert.Equal(t, "big-header", r.seen.Backend)
			assert.Len(t, r.header.Get("X-Big"), bigHeader, "the whole header reaches the client")
		})
	}
	t.Run("proxy-buffer-size 8k: 502 again; another namespace's host unchanged", func(t *testing.T) {
		ing.Annotations[ingressNginx+"proxy-buffer-size"] = "8k"
		w.update(t, ing)
		w.await(t, c, w.http(hosts["in"], "/big"), http.StatusBadGateway, nil)
		r := w.must(t, c, w.http(hosts["org"], "/big"), nil)
		assert.Equal(t, http.StatusOK, r.status, "the other Ingress keeps its own buffer: %s", r)
		r = w.must(t, c, w.http(hosts["elsewhere"], "/big"), nil)
		assert.Equal(t, http.StatusBadGateway, r.status, "the other namespace's host keeps the default: %s", r)
	})
	other.unaffected(t, w)
}

func (w *wire) noTempFile(t *testing.T) {
	w.backendWaits(t, "tempfile", "proxy-max-temp-file-size 0", map[string]gen.IngressOption{
		"in":  gen.Annotation(ingressNginx+"proxy-max-temp-file-size", "0"),
		"org": gen.Annotation(nginxOrg+"proxy-max-temp-file-size", "0"),
	})
}

// failingBackends start two backends on ip: one answering every request
// 502 after delay ("bad"), one echoing ("good"); bad counts the requests of
// each host.
func failingBackends(t *testing.T, ip net.IP, delay time.Duration) (badPort, goodPort int32, badHits func(host string) int) {
	t.Helper()
	var mu sync.Mutex
	hits := map[string]int{}
	start := func(h http.Handler) int32 {
		l, err := net.Listen("tcp", net.JoinHostPort(ip.String(), "0"))
		require.NoError(t, err)
		s := quietServer(h)
		s.Listener.Close()
		s.Listener = l
		s.Start()
		t.Cleanup(s.Close)
		return int32(l.Addr().(*net.TCPAddr).Port)
	}
	badPort = start(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		mu.Lock()
		hits[r.Host]++
		mu.Unlock()
		select {
		case <-time.After(delay):
		case <-r.Context().Done():
			return
		}
		rw.Header().Set("Content-Type", "application/json")
		rw.WriteHeader(http.StatusBadGateway)
		_ = json.NewEncoder(rw).Encode(seen{Backend: "bad", Host: r.Host, URI: r.RequestURI})
	}))
	goodPort = start(echo("good"))
	return badPort, goodPort, func(host string) int {
		mu.Lock()
		defer mu.Unlock()
		return hits[host]
	}
}

// twoEndpoints is a Service whose port "http" reaches bad and good: two
// EndpointSlices with the same address on different ports.
func twoEndpoints(ns, name string, ip net.IP, bad, good int32) []client.Object {
	portName, ready := "http", true
	slice := func(suffix string, port int32) *discoveryv1.EndpointSlice {
		return &discoveryv1.EndpointSlice{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name + "-" + suffix,
			Labels: map[string]string{discoveryv1.LabelServiceName: name}},
			AddressType: discoveryv1.AddressTypeIPv4,
			Ports:       []discoveryv1.EndpointPort{{Name: &portName, Port: &port}},
			Endpoints:   []discoveryv1.Endpoint{{Addresses: []string{ip.String()}, Conditions: discoveryv1.EndpointConditions{Ready: &ready}}}}
	}
	return []client.Object{gen.Service(name, gen.InNamespace(ns), gen.ServicePort(portName, 80, bad)), slice("bad", bad), slice("good", good)}
}

// retries: each host's Service has two endpoints, one answering 502 (the
// "slow" and "timeout" hosts': after 1.5s). nginx takes them in turn, so
// among a dozen requests some go to the failing one first; whether the
// client then gets its 502 is what proxy-next-upstream,
// proxy-next-upstream-tries and proxy-next-upstream-timeout decide. Each
// host has its own Service, so one host's failures (nginx then rests the
// endpoint) do not steer another's requests.
func (w *wire) retries(t *testing.T) {
	const ns = "retries"
	hosts := map[string]string{"plain": "plain.retries.wire.test", "retry": "retry.retries.wire.test",
		"once": "once.retries.wire.test", "org": "org.retries.wire.test",
		"slow": "slow.retries.wire.test", "timeout": "timeout.retries.wire.test",
		"org-once": "org-once.retries.wire.test", "org-timeout": "org-timeout.retries.wire.test"}
	other := w.bystander(t, ns)
	ip := nonLoopbackIPv4(t)
	bad, good, badHits := failingBackends(t, ip, 0)
	slowBad, slowGood, slowBadHits := failingBackends(t, ip, 1500*time.Millisecond)
	w.namespace(t, ns)
	in := gen.InNamespace(ns)
	annotations := map[string][]string{
		"plain": nil,
		"retry": {ingressNginx + "proxy-next-upstream", "error timeout http_502"},
		"once":  {ingressNginx + "proxy-next-upstream", "error timeout http_502", ingressNginx + "proxy-next-upstream-tries", "1"},
		"org":   {nginxOrg + "proxy-next-upstream", "http_502 error timeout"},
		"slow":  {ingressNginx + "proxy-next-upstream", "error timeout http_502"},
		"timeout": {ingressNginx + "proxy-next-upstream", "error timeout http_502",
			ingressNginx + "proxy-next-upstream-timeout", "1"},
		"org-once": {nginxOrg + "proxy-next-upstream", "error timeout http_502", nginxOrg + "proxy-next-upstream-tries", "1"},
		"org-timeout": {nginxOrg + "proxy-next-upstream", "error timeout http_502",
			nginxOrg + "proxy-next-upstream-timeout", "1s"},
	}
	for name, kv := range annotations {
		opts := []gen.IngressOption{in, gen.Host(hosts[name]), gen.Path("/", name, 80)}
		for i := 0; i < len(kv); i += 2 {
			opts = append(opts, gen.Annotation(kv[i], kv[i+1]))
		}
		b, g := bad, good
		if name == "slow" || name == "timeout" || name == "org-timeout" {
			b, g = slowBad, slowGood
		}
		w.create(t, append(twoEndpoints(ns, name, ip, b, g), gen.Ingress(name, opts...))...)
	}
	c := w.client(nil)
	// answers polls host until it is programmed (no more 404), then sends
	// a dozen more requests, or fewer if until holds first; it returns every
	// answer after the 404s.
	answers := func(t *testing.T, host string, until func(reply) bool) []reply {
		t.Helper()
		var got []reply
		eventually(t, "GET "+host+" was never programmed", func() string {
			r, err := w.get(c, w.http(host, "/"), nil)
			if err != nil {
				return err.Error()
			}
			if r.status == http.StatusNotFound {
				return r.String()
			}
			got = append(got, r)
			return ""
		})
		for range 12 {
			if until != nil && until(got[len(got)-1]) {
				break
			}
			got = append(got, w.must(t, c, w.http(host, "/"), nil))
		}
		return got
	}
	isFailed := func(r reply) bool {
		return r.status == http.StatusBadGateway && r.seen != nil && r.seen.Backend == "bad"
	}
	failed := func(rs []reply) int {
		n := 0
		for _, r := range rs {
			if isFailed(r) {
				n++
			}
		}
		return n
	}
	t.Run("the default (error timeout): the failing backend's 502 reaches the client", func(t *testing.T) {
		rs := answers(t, hosts["plain"], nil)
		assert.NotZero(t, failed(rs), "no request reached the failing endpoint: %v", rs)
	})
	for _, name := range []string{"retry", "org", "slow"} {
		t.Run(name+": with http_502 the request is passed to the other backend", func(t *testing.T) {
			rs := answers(t, hosts[name], nil)
			for _, r := range rs {
				require.Equal(t, http.StatusOK, r.status, "%s", r)
				require.NotNil(t, r.seen)
				assert.Equal(t, "good", r.seen.Backend)
			}
			hits := badHits
			if name == "slow" {
				hits = slowBadHits
			}
			assert.NotZero(t, hits(hosts[name]), "no request reached the failing endpoint first: nothing was retried")
		})
	}
	for _, name := range []string{"once", "org-once"} {
		t.Run(name+": proxy-next-upstream-tries 1: no second try, the 502 reaches the client", func(t *testing.T) {
			rs := answers(t, hosts[name], isFailed)
			assert.NotZero(t, failed(rs), "every request was served: %v", rs)
		})
	}
	for _, name := range []string{"timeout", "org-timeout"} {
		t.Run(name+": proxy-next-upstream-timeout 1s: a 502 after 1.5s is not passed on", func(t *testing.T) {
			rs := answers(t, hosts[name], isFailed)
			assert.NotZero(t, failed(rs), "every request was served: %v", rs)
		})
	}
	other.unaffected(t, w)
}

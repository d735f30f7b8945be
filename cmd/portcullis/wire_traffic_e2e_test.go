//go:build e2e

package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/seed-d040b84d/portcullis/test/gen"
)

// Behaviour of TestWireBehaviour: the request body limit and the backend
// read timeout, set by either dialect's annotations (docs/annotations.md).

// upload is the size of the request bodies the body-limit checks send: more
// than the default limit (1m), less than 8m.
const upload = 2 << 20

// uploadBackend reads each request's whole body and answers with how many
// bytes reached it (seen.URI carries the count); it returns its port.
func uploadBackend(t *testing.T) int {
	t.Helper()
	s := quietServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		n, err := io.Copy(io.Discard, r.Body)
		if err != nil {
			http.Error(rw, err.Error(), http.StatusInternalServerError)
			return
		}
		_ = json.NewEncoder(rw).Encode(seen{Backend: "upload", Host: r.Host, URI: strconv.FormatInt(n, 10)})
	}))
	s.Start()
	t.Cleanup(s.Close)
	return s.Listener.Addr().(*net.TCPAddr).Port
}

// slowBackend answers each request after delay, or when nginx gives up on it
// (the slowness is the behaviour under test).
func slowBackend(t *testing.T, delay time.Duration) int {
	t.Helper()
	s := quietServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(delay):
		case <-r.Context().Done():
			return
		}
		_ = json.NewEncoder(rw).Encode(seen{Backend: "slow", Host: r.Host, URI: r.RequestURI})
	}))
	s.Start()
	t.Cleanup(s.Close)
	return s.Listener.Addr().(*net.TCPAddr).Port
}

// post sends body to url and returns nginx's answer.
func (w *wire) post(c *http.Client, url string, body []byte) (reply, error) {
	resp, err := c.Post(url, "application/octet-stream", bytes.NewReader(body))
	if err != nil {
		return reply{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return reply{}, err
	}
	r := reply{status: resp.StatusCode, header: resp.Header, body: string(b)}
	var s seen
	if json.Unmarshal(b, &s) == nil && s.Backend != "" {
		r.seen = &s
	}
	return r, nil
}

// awaitPost polls POST url with body until nginx answers want, waits for the
// reload to settle, and returns that answer.
func (w *wire) awaitPost(t *testing.T, c *http.Client, url string, body []byte, want int) reply {
	t.Helper()
	return w.awaitReply(t, fmt.Sprintf("POST %s (%d bytes)", url, len(body)), want, func() (reply, error) { return w.post(c, url, body) })
}

func (w *wire) traffic(t *testing.T) {
	const ns, uploads, own = "traffic", "uploads.traffic.wire.test", "web.traffic-limit.wire.test"
	other := w.bystander(t, ns)
	in := gen.InNamespace(ns)
	w.namespace(t, ns)
	w.namespace(t, "traffic-limit")
	port := int32(uploadBackend(t))
	ing := gen.Ingress("uploads", in, gen.Host(uploads), gen.Path("/", "upload", port),
		gen.Annotation(ingressNginx+"proxy-body-size", "8m"))
	w.create(t, gen.ExternalName("upload", "localhost", in), ing,
		gen.ExternalName("upload", "localhost", gen.InNamespace("traffic-limit")),
		gen.Ingress("web", gen.InNamespace("traffic-limit"), gen.Host(own), gen.Path("/", "upload", port),
			gen.Annotation(nginxOrg+"client-max-body-size", "8m")))
	c := w.client(nil)
	body := bytes.Repeat([]byte("x"), upload)

	t.Run("proxy-body-size 8m admits a 2 MiB upload", func(t *testing.T) {
		r := w.awaitPost(t, c, w.http(uploads, "/"), body, http.StatusOK)
		require.NotNil(t, r.seen, "the backend answers: %s", r)
		assert.Equal(t, strconv.Itoa(upload), r.seen.URI, "the whole body reaches the backend")
	})
	t.Run("the default limit (1m) refuses it with 413 before the backend", func(t *testing.T) {
		r, err := w.post(w.client(trusting(other.ca, nil)), w.https(other.host, "/"), body)
		require.NoError(t, err)
		assert.Equal(t, http.StatusRequestEntityTooLarge, r.status, "%s", r)
		assert.Nil(t, r.seen, "the backend never sees a body over the limit")
	})
	t.Run("proxy-body-size 1m refuses it with 413; another namespace's host keeps 8m", func(t *testing.T) {
		ing.Annotations[ingressNginx+"proxy-body-size"] = "1m"
		w.update(t, ing)
		r := w.awaitPost(t, c, w.http(uploads, "/"), body, http.StatusRequestEntityTooLarge)
		assert.Nil(t, r.seen, "the backend never sees a body over the limit")
		r, err := w.post(c, w.http(uploads, "/"), body[:1<<20])
		require.NoError(t, err)
		assert.Equal(t, http.StatusOK, r.status, "a body of exactly the limit is admitted: %s", r)

		r, err = w.post(c, w.http(own, "/"), body)
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, r.status, "nginx.org/client-max-body-size 8m of the other namespace's host: %s", r)
		require.NotNil(t, r.seen)
		assert.Equal(t, strconv.Itoa(upload), r.seen.URI)
	})
	other.unaffected(t, w)
}

func (w *wire) readTimeout(t *testing.T) {
	const ns, host, orgHost = "timeout", "slow.timeout.wire.test", "org.timeout.wire.test"
	other := w.bystander(t, ns)
	in := gen.InNamespace(ns)
	w.namespace(t, ns)
	port := int32(slowBackend(t, 2*time.Second))
	ing := gen.Ingress("slow", in, gen.Host(host), gen.Path("/", "slow", port),
		gen.Annotation(ingressNginx+"proxy-read-timeout", "1"))
	org := gen.Ingress("org", in, gen.Host(orgHost), gen.Path("/", "slow", port),
		gen.Annotation(nginxOrg+"proxy-read-timeout", "1s"))
	w.create(t, gen.ExternalName("slow", "localhost", in), ing, org)
	c := w.client(nil)

	t.Run("a backend slower than proxy-read-timeout gets 504 at the timeout", func(t *testing.T) {
		w.await(t, c, w.http(host, "/"), http.StatusGatewayTimeout, nil)
		start := time.Now()
		r := w.must(t, c, w.http(host, "/"), nil)
		took := time.Since(start)
		assert.Equal(t, http.StatusGatewayTimeout, r.status, "%s", r)
		assert.GreaterOrEqual(t, took, time.Second, "nginx gave up before the read timeout")
		assert.Less(t, took, 2*time.Second, "nginx waited for the backend past the read timeout")
	})
	t.Run("nginx.org/proxy-read-timeout 1s too", func(t *testing.T) {
		w.await(t, c, w.http(orgHost, "/"), http.StatusGatewayTimeout, nil)
	})
	t.Run("with proxy-read-timeout 5 the same backend answers", func(t *testing.T) {
		ing.Annotations[ingressNginx+"proxy-read-timeout"] = "5"
		w.update(t, ing)
		r := w.await(t, c, w.http(host, "/"), http.StatusOK, nil)
		require.NotNil(t, r.seen)
		assert.Equal(t, "slow", r.seen.Backend)
		r = w.must(t, c, w.http(orgHost, "/"), nil)
		assert.Equal(t, http.StatusGatewayTimeout, r.status, "the other Ingress keeps its own timeout: %s", r)
	})
	other.unaffected(t, w)
}

// bigResponse is what the buffering checks download: more than the socket
// buffers between a backend and a client on loopback hold, so a backend
// proxied without buffering cannot finish writing it to a client that does
// not read.
const bigResponse = 64 << 20

// bigBackend answers /big?id=<id> with bigResponse bytes and closes the
// channel finished(id) returns once it has written them all; any other path
// is answered at once.
func bigBackend(t *testing.T) (port int, finished func(id string) chan struct{}) {
	t.Helper()
	var done sync.Map
	finished = func(id string) chan struct{} {
		ch, _ := done.LoadOrStore(id, make(chan struct{}))
		return ch.(chan struct{})
	}
	chunk := bytes.Repeat([]byte("x"), 64<<10)
	s := quietServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/big" {
			_, _ = io.WriteString(rw, "ready\n")
			return
		}
		rw.Header().Set("Content-Length", strconv.Itoa(bigResponse))
		for n := 0; n < bigResponse; n += len(chunk) {
			if _, err := rw.Write(chunk); err != nil {
				return
			}
		}
		close(finished(r.URL.Query().Get("id")))
	}))
	s.Start()
	t.Cleanup(s.Close)
	return s.Listener.Addr().(*net.TCPAddr).Port, finished
}

// stalled GETs url, reads only the response's headers and returns the body
// left unread.
func (w *wire) stalled(t *testing.T, url string) io.ReadCloser {
	t.Helper()
	c := w.client(nil)
	c.Timeout = 0 // the body is read later, or never
	resp, err := c.Get(url)
	require.NoError(t, err, "GET %s", url)
	require.Equal(t, http.StatusOK, resp.StatusCode, "GET %s", url)
	t.Cleanup(func() { resp.Body.Close() })
	return resp.Body
}

func (w *wire) unbuffered(t *testing.T) {
	w.backendWaits(t, "buffering", "unbuffered", map[string]gen.IngressOption{
		"off": gen.Annotation(ingressNginx+"proxy-buffering", "off"),
		"org": gen.Annotation(nginxOrg+"proxy-buffering", "False"),
	})
}

// backendWaits sends a large response to a client that reads nothing: on
// a host with nginx's defaults the backend finishes writing it (nginx keeps
// it, in buffers and a temporary file); on a host of each of settings
// (named how, e.g. "unbuffered"), the backend waits until the client reads.
func (w *wire) backendWaits(t *testing.T, ns, how string, settings map[string]gen.IngressOption) {
	host := func(name string) string { return name + "." + ns + ".wire.test" }
	other := w.bystander(t, ns)
	in := gen.InNamespace(ns)
	w.namespace(t, ns)
	port, finished := bigBackend(t)
	to := gen.Path("/", "big", int32(port))
	objs := []client.Object{gen.ExternalName("big", "localhost", in), gen.Ingress("default", in, gen.Host(host("default")), to)}
	names := slices.Sorted(maps.Keys(settings))
	for _, name := range names {
		objs = append(objs, gen.Ingress(name, in, gen.Host(host(name)), to, settings[name]))
	}
	w.create(t, objs...)
	c := w.client(nil)
	for _, name := range append([]string{"default"}, names...) {
		w.programmed(t, c, w.http(host(name), "/ready"))
	}
	t.Run("nginx's defaults: the backend finishes while the client does not read", func(t *testing.T) {
		w.stalled(t, w.http(host("default"), "/big?id=default"))
		select {
		case <-finished("default"):
		case <-time.After(20 * time.Second):
			t.Fatal("nginx did not keep the response: the backend could not finish writing it")
		}
	})
	for _, name := range names {
		t.Run(name+": "+how+", the backend waits for the client", func(t *testing.T) {
			body := w.stalled(t, w.http(host(name), "/big?id="+name))
			select {
			case <-finished(name):
				t.Fatal("the backend finished writing to a client that reads nothing: nginx kept the response")
			case <-time.After(2 * time.Second): // the bound of the check: it never finishes before the client reads
			}
			n, err := io.Copy(io.Discard, body)
			require.NoError(t, err)
			assert.Equal(t, int64(bigResponse), n, "the whole response arrives once the client reads")
			<-finished(name)
		})
	}
	other.unaffected(t, w)
}

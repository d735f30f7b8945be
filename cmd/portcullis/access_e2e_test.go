//go:build e2e

package main

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	nginxv1 "github.com/seed-d040b84d/portcullis/lib/apis/k8snginx/v1"
	"github.com/seed-d040b84d/portcullis/test/certgen"
	"github.com/seed-d040b84d/portcullis/test/gen"
)

// TestAccessControlOnTheWire proves, with the real curl against real nginx
// (HTTPS through the passthrough proxy, which hands nginx the client's
// address in a PROXY header; plain HTTP straight to nginx), that client
// address rules are enforced in both dialects and from the ConfigMap, that a
// client cannot change the verdict with X-Forwarded-For, that basic
// authentication of both dialects answers 401 with the realm and admits the
// right password only (satisfy any: the allowlist or a password), and that
// authentication portcullis does not enforce fails closed instead of being
// ignored. Clients take distinct loopback addresses (127.0.0.2, .3, ...)
// with curl --interface. Two namespaces; no webhook, so the API server
// admits what lib refuses.
func TestAccessControlOnTheWire(t *testing.T) {
	if _, err := exec.LookPath("curl"); err != nil {
		t.Fatalf("curl is needed (make deps installs it): %v", err)
	}
	w := startTenancyWire(t)
	ca := w.newCA(t, "access CA")
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	require.NoError(t, os.WriteFile(caFile, ca.CertPEM(), 0o600))
	w.namespace(t, "office")
	w.namespace(t, "other")
	office, other := gen.InNamespace("office"), gen.InNamespace("other")
	cert := leaf(t, ca, "access", certgen.DNSNames("office.access.test", "deny.access.test"))
	w.create(t, gen.TLSSecret("tls", cert, office), gen.ExternalName("backend", "localhost", office), gen.ExternalName("backend", "localhost", other),
		gen.Ingress("web", office, gen.Host("office.access.test"), gen.TLS("tls"), gen.Path("/", "backend", int32(w.echoPort)),
			gen.Annotation(ingressNginx+"allowlist-source-range", "127.0.0.2/32, 10.0.0.0/8")),
		gen.Ingress("plain", office, gen.Host("plain.access.test"), gen.Path("/", "backend", int32(w.echoPort)),
			gen.Annotation(ingressNginx+"whitelist-source-range", "127.0.0.2")),
		gen.Ingress("deny", office, gen.Host("deny.access.test"), gen.TLS("tls"), gen.Path("/", "backend", int32(w.echoPort)),
			gen.Annotation(ingressNginx+"denylist-source-range", "127.0.0.3/32")))
	c := curler{w: w, caFile: caFile}
	c.await(t, "127.0.0.2", "https://office.access.test/", http.StatusOK)

	t.Run("an allowlist admits its clients only, over HTTPS through the proxy and over plain HTTP", func(t *testing.T) {
		assert.Equal(t, http.StatusForbidden, c.status(t, "127.0.0.1", "https://office.access.test/"))
		assert.Equal(t, http.StatusForbidden, c.status(t, "127.0.0.4", "https://office.access.test/"))
		c.await(t, "127.0.0.2", "http://plain.access.test/", http.StatusOK)
		assert.Equal(t, http.StatusForbidden, c.status(t, "127.0.0.1", "http://plain.access.test/"))
	})
	t.Run("X-Forwarded-For and X-Real-IP from a client change nothing", func(t *testing.T) {
		for _, h := range []string{"X-Forwarded-For: 127.0.0.2", "X-Real-IP: 127.0.0.2", "X-Forwarded-For: 10.1.2.3, 127.0.0.2"} {
			assert.Equal(t, http.StatusForbidden, c.status(t, "127.0.0.1", "https://office.access.test/", "-H", h), h)
			assert.Equal(t, http.StatusForbidden, c.status(t, "127.0.0.1", "http://plain.access.test/", "-H", h), h)
		}
	})
	t.Run("a denylist refuses its clients only", func(t *testing.T) {
		c.await(t, "127.0.0.1", "https://deny.access.test/", http.StatusOK)
		assert.Equal(t, http.StatusForbidden, c.status(t, "127.0.0.3", "https://deny.access.test/"))
	})
	t.Run("an accessControl Policy in another namespace's Ingress", func(t *testing.T) {
		w.create(t, &nginxv1.Policy{ObjectMeta: metav1.ObjectMeta{Namespace: "other", Name: "lab-only"},
			Spec: nginxv1.PolicySpec{AccessControl: &runtime.RawExtension{Raw: []byte(`{"allow":["127.0.0.4/32"]}`)}}},
			gen.Ingress("lab", other, gen.Host("lab.access.test"), gen.Path("/", "backend", int32(w.echoPort)), gen.Annotation(nginxOrg+"policies", "lab-only")))
		c.await(t, "127.0.0.4", "http://lab.access.test/", http.StatusOK)
		assert.Equal(t, http.StatusForbidden, c.status(t, "127.0.0.2", "http://lab.access.test/"))
	})
	t.Run("authentication portcullis does not enforce fails closed", func(t *testing.T) {
		w.create(t, gen.Ingress("external", other, gen.Host("external.access.test"), gen.Path("/", "backend", int32(w.echoPort)),
			gen.Annotation(ingressNginx+"auth-url", "http://localhost:1/check"), gen.Annotation(ingressNginx+"auth-proxy-set-headers", "other/headers")))
		w.warning(t, "other", "external", "Rejected", "portcullis cannot enforce this")
		c.await(t, "127.0.0.1", "http://external.access.test/", http.StatusServiceUnavailable)
	})
	t.Run("external authentication: the service decides, its headers reach the backend, 401 goes to sign-in", func(t *testing.T) {
		auth := quietServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
			switch r.Header.Get("Authorization") {
			case "Bearer good":
				if r.Header.Get("X-Original-URI") != "/private?x=1" || r.Method != http.MethodGet || r.ContentLength > 0 {
					rw.WriteHeader(http.StatusTeapot) // not what nginx should have sent
					return
				}
				rw.Header().Set("X-Auth-Request-User", "alice")
				rw.WriteHeader(http.StatusOK)
			case "Bearer forbidden":
				rw.WriteHeader(http.StatusForbidden)
			default:
				rw.WriteHeader(http.StatusUnauthorized)
			}
		}))
		auth.Start()
		defer auth.Close()
		// The backend answers 200 only when the user is the one the
		// authentication service named: a client's own header never counts.
		backend := quietServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
			if r.Header.Get("X-Auth-Request-User") != "alice" {
				rw.WriteHeader(http.StatusExpectationFailed)
			}
		}))
		backend.Start()
		defer backend.Close()
		authURL := fmt.Sprintf("http://localhost:%d/check", auth.Listener.Addr().(*net.TCPAddr).Port)
		backendPort := backend.Listener.Addr().(*net.TCPAddr).Port
		w.create(t, gen.Ingress("sso", office, gen.Host("sso.access.test"), gen.Path("/", "backend", int32(backendPort)),
			gen.Annotation(ingressNginx+"auth-url", authURL), gen.Annotation(ingressNginx+"auth-response-headers", "X-Auth-Request-User"),
			gen.Annotation(ingressNginx+"auth-signin", "https://login.access.test/start")),
			gen.Ingress("api", other, gen.Host("api.access.test"), gen.Path("/", "backend", int32(backendPort)),
				gen.Annotation(ingressNginx+"auth-url", authURL), gen.Annotation(ingressNginx+"auth-method", "GET")))
		const private = "http://sso.access.test/private?x=1"
		c.await(t, "127.0.0.1", private, http.StatusFound)
		assert.Contains(t, c.headers(t, "127.0.0.1", private),
			fmt.Sprintf("Location: https://login.access.test/start?rd=http://sso.access.test:%d/private?x=1", w.httpPort))
		assert.Equal(t, http.StatusOK, c.status(t, "127.0.0.1", private, "-H", "Authorization: Bearer good"))
		assert.Equal(t, http.StatusOK, c.status(t, "127.0.0.1", private, "-H", "Authorization: Bearer good", "-H", "X-Auth-Request-User: mallory"),
			"the service's header replaces the client's")
		assert.Equal(t, http.StatusForbidden, c.status(t, "127.0.0.1", private, "-H", "Authorization: Bearer forbidden"))
		c.await(t, "127.0.0.1", "http://api.access.test/", http.StatusUnauthorized)
		assert.Equal(t, http.StatusExpectationFailed, c.status(t, "127.0.0.1", "http://api.access.test/private?x=1", "-H", "Authorization: Bearer good"),
			"without auth-response-headers the service's headers are not copied")
		auth.Close()
		assert.Equal(t, http.StatusInternalServerError, c.status(t, "127.0.0.1", private, "-H", "Authorization: Bearer good"), "no authentication service: closed")
	})
	t.Run("basic authentication in both dialects and the basicAuth Policy: 401 with the realm, 200 with a password", func(t *testing.T) {
		w.create(t, gen.Secret("users", office, gen.Data("auth", "alice:"+bcryptS3cret+"\n")),
			gen.Secret("htpasswd", other, gen.SecretType("nginx.org/htpasswd"), gen.Data("htpasswd", "bob:"+bcryptS3cret+"\n")),
			gen.Ingress("staff", office, gen.Host("staff.access.test"), gen.Path("/", "backend", int32(w.echoPort)),
				gen.Annotation(ingressNginx+"auth-type", "basic"), gen.Annotation(ingressNginx+"auth-secret", "users"), gen.Annotation(ingressNginx+"auth-realm", "Staff only")),
			gen.Ingress("inc", other, gen.Host("inc.access.test"), gen.Path("/", "backend", int32(w.echoPort)),
				gen.Annotation(nginxOrg+"basic-auth-secret", "htpasswd"), gen.Annotation(nginxOrg+"basic-auth-realm", "Inc staff")))
		c.await(t, "127.0.0.1", "http://staff.access.test/", http.StatusUnauthorized)
		assert.Contains(t, c.headers(t, "127.0.0.1", "http://staff.access.test/"), `WWW-Authenticate: Basic realm="Staff only"`)
		assert.Equal(t, http.StatusOK, c.status(t, "127.0.0.1", "http://staff.access.test/", "-u", "alice:s3cret"))
		assert.Equal(t, http.StatusUnauthorized, c.status(t, "127.0.0.1", "http://staff.access.test/", "-u", "alice:wrong"))
		assert.Equal(t, http.StatusUnauthorized, c.status(t, "127.0.0.1", "http://staff.access.test/", "-u", "bob:s3cret"), "another namespace's user")
		c.await(t, "127.0.0.1", "http://inc.access.test/", http.StatusUnauthorized)
		assert.Contains(t, c.headers(t, "127.0.0.1", "http://inc.access.test/"), `WWW-Authenticate: Basic realm="Inc staff"`)
		assert.Equal(t, http.StatusOK, c.status(t, "127.0.0.1", "http://inc.access.test/", "-u", "bob:s3cret"))

		// NGINX's basicAuth Policy, and ingress-nginx's auth-map (a key per user).
		w.create(t, &nginxv1.Policy{ObjectMeta: metav1.ObjectMeta{Namespace: "other", Name: "staff"},
			Spec: nginxv1.PolicySpec{BasicAuth: &runtime.RawExtension{Raw: []byte(`{"secret":"htpasswd","realm":"Policy staff"}`)}}},
			gen.Ingress("policy-auth", other, gen.Host("policy.access.test"), gen.Path("/", "backend", int32(w.echoPort)), gen.Annotation(nginxOrg+"policies", "staff")),
			gen.Secret("user-map", office, gen.Data("carol", bcryptS3cret)),
			gen.Ingress("map", office, gen.Host("map.access.test"), gen.Path("/", "backend", int32(w.echoPort)),
				gen.Annotation(ingressNginx+"auth-type", "basic"), gen.Annotation(ingressNginx+"auth-secret", "user-map"), gen.Annotation(ingressNginx+"auth-secret-type", "auth-map")))
		c.await(t, "127.0.0.1", "http://policy.access.test/", http.StatusUnauthorized)
		assert.Contains(t, c.headers(t, "127.0.0.1", "http://policy.access.test/"), `WWW-Authenticate: Basic realm="Policy staff"`)
		assert.Equal(t, http.StatusOK, c.status(t, "127.0.0.1", "http://policy.access.test/", "-u", "bob:s3cret"))
		c.await(t, "127.0.0.1", "http://map.access.test/", http.StatusUnauthorized)
		assert.Equal(t, http.StatusOK, c.status(t, "127.0.0.1", "http://map.access.test/", "-u", "carol:s3cret"))
		assert.Equal(t, http.StatusUnauthorized, c.status(t, "127.0.0.1", "http://map.access.test/", "-u", "alice:s3cret"))
	})
	t.Run("satisfy any: the allowlist or a password", func(t *testing.T) {
		w.create(t, gen.Ingress("either", office, gen.Host("either.access.test"), gen.Path("/", "backend", int32(w.echoPort)),
			gen.Annotation(ingressNginx+"auth-type", "basic"), gen.Annotation(ingressNginx+"auth-secret", "users"),
			gen.Annotation(ingressNginx+"allowlist-source-range", "127.0.0.2"), gen.Annotation(ingressNginx+"satisfy", "any")))
		c.await(t, "127.0.0.2", "http://either.access.test/", http.StatusOK)
		assert.Equal(t, http.StatusUnauthorized, c.status(t, "127.0.0.1", "http://either.access.test/"))
		assert.Equal(t, http.StatusOK, c.status(t, "127.0.0.1", "http://either.access.test/", "-u", "alice:s3cret"))
	})
	t.Run("the ConfigMap's allowlist applies where an Ingress sets none; cert-manager's solver keeps its own", func(t *testing.T) {
		w.create(t, gen.Ingress("public", other, gen.Host("public.access.test"), gen.Path("/", "backend", int32(w.echoPort))),
			gen.Ingress("cm-acme-http-solver-abcde", office, gen.Host("office.access.test"), gen.Path("/.well-known/acme-challenge/", "backend", int32(w.echoPort)),
				gen.Annotation(ingressNginx+"whitelist-source-range", "0.0.0.0/0,::/0")))
		c.await(t, "127.0.0.1", "http://public.access.test/", http.StatusOK)
		c.await(t, "127.0.0.1", "http://office.access.test/.well-known/acme-challenge/token", http.StatusOK)
		w.create(t, gen.ConfigMap("portcullis", gen.InNamespace(w.system), gen.Data("allowlist-source-range", "127.0.0.5/32")))
		c.await(t, "127.0.0.1", "http://public.access.test/", http.StatusForbidden)
		assert.Equal(t, http.StatusOK, c.status(t, "127.0.0.5", "http://public.access.test/"))
		assert.Equal(t, http.StatusOK, c.status(t, "127.0.0.1", "http://office.access.test/.well-known/acme-challenge/token"),
			"the solver's 0.0.0.0/0 replaces the ConfigMap's allowlist")
		assert.Equal(t, http.StatusForbidden, c.status(t, "127.0.0.5", "https://office.access.test/"), "the Ingress's own allowlist wins")
	})
	t.Run("X-Forwarded-For counts only from a trusted load balancer (use-forwarded-headers, proxy-real-ip-cidr)", func(t *testing.T) {
		var cm corev1.ConfigMap
		require.NoError(t, w.c.Get(w.ctx, client.ObjectKey{Namespace: "portcullis-system", Name: "portcullis"}, &cm))
		cm.Data["use-forwarded-headers"], cm.Data["proxy-real-ip-cidr"] = "true", "127.0.0.9/32"
		w.update(t, &cm)
		const plain = "http://plain.access.test/"
		eventually(t, "the load balancer's X-Forwarded-For never counted", func() string {
			if code := c.status(t, "127.0.0.9", plain, "-H", "X-Forwarded-For: 127.0.0.2"); code != http.StatusOK {
				return strconv.Itoa(code)
			}
			return ""
		})
		w.settled(t)
		assert.Equal(t, http.StatusOK, c.status(t, "127.0.0.9", plain, "-H", "X-Forwarded-For: 10.1.2.3, 127.0.0.2"), "the address the load balancer appended")
		assert.Equal(t, http.StatusForbidden, c.status(t, "127.0.0.9", plain, "-H", "X-Forwarded-For: 127.0.0.2, 127.0.0.7"), "a client cannot prepend an allowed address")
		assert.Equal(t, http.StatusForbidden, c.status(t, "127.0.0.1", plain, "-H", "X-Forwarded-For: 127.0.0.2"), "a client's own header")
		assert.Equal(t, http.StatusForbidden, c.status(t, "127.0.0.9", "https://office.access.test/", "-H", "X-Forwarded-For: 127.0.0.2"),
			"through the passthrough proxy the address is the proxy's client, from the PROXY header")
	})
	// Last: from here on nginx's plain-HTTP listener requires PROXY headers.
	t.Run("a PROXY header counts only from a trusted load balancer (use-proxy-protocol, proxy-real-ip-cidr)", func(t *testing.T) {
		var cm corev1.ConfigMap
		require.NoError(t, w.c.Get(w.ctx, client.ObjectKey{Namespace: "portcullis-system", Name: "portcullis"}, &cm))
		delete(cm.Data, "use-forwarded-headers")
		cm.Data["use-proxy-protocol"] = "true"
		w.update(t, &cm)
		// A layer-4 load balancer at 127.0.0.9 forwards a client at 127.0.0.2.
		proxied := func(from, claimed string) int {
			d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(from)}, Timeout: 2 * time.Second}
			conn, err := d.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", w.httpPort))
			if err != nil {
				return 0
			}
			defer conn.Close()
			_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
			fmt.Fprintf(conn, "PROXY TCP4 %s 127.0.0.1 40000 %d\r\nGET / HTTP/1.1\r\nHost: plain.access.test\r\nConnection: close\r\n\r\n", claimed, w.httpPort)
			resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
			if err != nil {
				return 0
			}
			resp.Body.Close()
			return resp.StatusCode
		}
		eventually(t, "the load balancer's PROXY header never counted", func() string {
			if code := proxied("127.0.0.9", "127.0.0.2"); code != http.StatusOK {
				return strconv.Itoa(code)
			}
			return ""
		})
		w.settled(t)
		assert.Equal(t, http.StatusForbidden, proxied("127.0.0.9", "127.0.0.7"), "the client the load balancer names is not allowed")
		assert.Equal(t, http.StatusForbidden, proxied("127.0.0.1", "127.0.0.2"), "a peer that is not the load balancer cannot name its address")
		assert.NotEqual(t, http.StatusOK, c.status(t, "127.0.0.2", "http://plain.access.test/"), "without a PROXY header nothing is served")
	})
}

// bcryptS3cret is a bcrypt hash of "s3cret".
const bcryptS3cret = "$2a$10$nLAGPuaVb3vHsW/V0XN4wOffOy3QNJiMRhIaAa2RB8LMoPXbqtWN6"

// headers are the response headers curl gets from source address from.
func (c curler) headers(t *testing.T, from, url string, extra ...string) string {
	t.Helper()
	_, out := c.run(t, from, url, append([]string{"-D", "-"}, extra...)...)
	return out
}

// curler runs the real curl from a chosen loopback address against the
// rig: https:// URLs go to the passthrough proxy, http:// ones to nginx.
type curler struct {
	w      *tenancyWire
	caFile string
}

// status is the HTTP status curl gets from source address from for url,
// with extra curl arguments; 0 when no HTTP answer came.
func (c curler) status(t *testing.T, from, url string, extra ...string) int {
	t.Helper()
	code, _ := c.run(t, from, url, extra...)
	return code
}

// run is curl's status and what it printed before it (the headers with
// -D -), or 0 and why when no HTTP answer came.
func (c curler) run(t *testing.T, from, url string, extra ...string) (int, string) {
	t.Helper()
	host, port := strings.TrimPrefix(strings.TrimPrefix(url, "https://"), "http://"), c.w.httpPort
	if strings.HasPrefix(url, "https://") {
		port = c.w.httpsPort
	}
	host, _, _ = strings.Cut(host, "/")
	target := strings.Replace(url, host, host+":"+strconv.Itoa(port), 1)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	args := append([]string{"-sS", "--max-time", "5", "--interface", from, "--cacert", c.caFile,
		"--resolve", fmt.Sprintf("%s:%d:127.0.0.1", host, port), "-o", "/dev/null", "-w", "\n%{http_code}"}, extra...)
	out, err := exec.CommandContext(ctx, "curl", append(args, target)...).CombinedOutput()
	text := strings.TrimRight(string(out), "\n")
	i := strings.LastIndexByte(text, '\n')
	code, convErr := strconv.Atoi(text[i+1:])
	if err != nil || convErr != nil {
		return 0, fmt.Sprintf("curl %s: %v: %s", target, err, out)
	}
	return code, text[:max(i, 0)]
}

// await polls until curl from from gets want for url, then waits for the
// reload to settle.
func (c curler) await(t *testing.T, from, url string, want int) {
	t.Helper()
	eventually(t, fmt.Sprintf("curl from %s to %s never got %d", from, url, want), func() string {
		code, why := c.run(t, from, url)
		if code != want {
			return fmt.Sprintf("got %d %s", code, why)
		}
		return ""
	})
	c.w.settled(t)
}

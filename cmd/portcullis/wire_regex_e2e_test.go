//go:build e2e

package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	networkingv1 "k8s.io/api/networking/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed-d040b84d/portcullis/cmd/portcullis/devenv"
	webhookmanifests "github.com/seed-d040b84d/portcullis/manifests/webhook"
	"github.com/seed-d040b84d/portcullis/test/certgen"
	"github.com/seed-d040b84d/portcullis/test/gen"
	"github.com/seed-d040b84d/portcullis/test/harness"
)

// TestWireRegexPaths checks regular-expression paths on the wire
// (docs/reference.md#regex-paths): the manager runs the webhook and the
// controller with real nginx against a real API server. On one host of
// namespace regex: literal paths, rewrite-target /$1 on /api/(.*), and a
// longer use-regex path of another Ingress that takes precedence. Namespace
// regex-other has a host of its own whose regular expression matches every
// path, and tries to name the first host. On a second host, NGINX's
// nginx.org/path-regex: exact and case_sensitive beside a literal prefix.
// Attackers' paths are denied at admission and never reach nginx.
func TestWireRegexPaths(t *testing.T) {
	port := harness.FreePort(t)
	w := startWireWith(t, func(f *managerFlags, w *wire) {
		f.components, f.webhookPort = "webhook,controller", port
		cfgs, err := devenv.WebhookConfigurations(webhookmanifests.Configurations, fmt.Sprintf("https://127.0.0.1:%d", port))
		require.NoError(t, err)
		for _, c := range cfgs {
			require.NoError(t, w.c.Create(w.ctx, c))
		}
	})
	const ns, otherNS = "regex", "regex-other"
	host, otherHost, cafe := "shop.regex.wire.test", "web.regex-other.wire.test", "cafe.regex.wire.test"
	ca := w.newCA(t, "regex CA")
	in, inOther := gen.InNamespace(ns), gen.InNamespace(otherNS)
	w.namespace(t, ns)
	w.namespace(t, otherNS)
	backend := func(name string) int32 {
		srv := quietServer(echo(name))
		srv.Start()
		t.Cleanup(srv.Close)
		return int32(srv.Listener.Addr().(*net.TCPAddr).Port)
	}
	web, docs, api, items, evil := backend("web"), backend("docs"), backend("api"), backend("items"), backend("evil")
	regex := gen.Annotation(ingressNginx+"use-regex", "true")
	rewrite := gen.Annotation(ingressNginx+"rewrite-target", "/$1")

	// Admission answers once the manager has patched the webhook's caBundle.
	attack := func(name, path string) error {
		return w.c.Create(context.Background(), gen.Ingress(name, in, gen.Host(host), regex,
			gen.PathOfType("ImplementationSpecific", path, "web", web)))
	}
	var denied error
	eventually(t, "the webhook never denied an attacker's path", func() string {
		denied = attack("attack", "/x}location/{")
		if denied == nil || !strings.Contains(denied.Error(), "denied the request") {
			return fmt.Sprint(denied)
		}
		return ""
	})

	w.create(t,
		gen.TLSSecret("tls", leaf(t, ca, "regex", certgen.DNSNames(host)), in),
		gen.ExternalName("web", "localhost", in), gen.ExternalName("docs", "localhost", in),
		gen.ExternalName("api", "localhost", in), gen.ExternalName("items", "localhost", in),
		gen.Ingress("web", in, gen.Host(host), gen.TLS("tls"), gen.Path("/", "web", web), gen.Path("/docs", "docs", docs),
			gen.ExactPath("/status", "web", web)),
		gen.Ingress("api", in, gen.Host(host), rewrite, gen.PathOfType("ImplementationSpecific", "/api/(.*)", "api", api)),
		gen.Ingress("items", in, gen.Host(host), regex, gen.PathOfType("ImplementationSpecific", "/api/items/[0-9]+$", "items", items)),
		gen.Ingress("cafe", in, gen.Host(cafe), gen.Path("/", "web", web)),
		gen.Ingress("menu", in, gen.Host(cafe), gen.Annotation(nginxOrg+"path-regex", "exact"), gen.Path("/menu", "docs", docs)),
		gen.Ingress("coffee", in, gen.Host(cafe), gen.Annotation(nginxOrg+"path-regex", "case_sensitive"),
			gen.PathOfType("ImplementationSpecific", "/coffee/[A-Z0-9]{3}$", "items", items)),
		gen.ExternalName("evil", "localhost", inOther),
		gen.Ingress("web", inOther, gen.Host(otherHost), regex, gen.PathOfType("ImplementationSpecific", "/.*", "evil", evil)),
	)
	c := w.client(trusting(ca, nil))
	served := func(t *testing.T, h, uri, backend, seenURI string) {
		t.Helper()
		url := w.https(h, uri)
		if h != host {
			url = w.http(h, uri)
		}
		r := w.must(t, c, url, nil)
		require.Equal(t, http.StatusOK, r.status, "GET %s: %s", uri, r)
		require.NotNil(t, r.seen, "GET %s", uri)
		assert.Equal(t, backend, r.seen.Backend, "GET %s", uri)
		assert.Equal(t, seenURI, r.seen.URI, "GET %s reaches the backend as", uri)
	}
	w.await(t, c, w.https(host, "/api/users"), http.StatusOK, nil)
	w.await(t, c, w.http(otherHost, "/"), http.StatusOK, nil)
	w.await(t, c, w.http(cafe, "/menu"), http.StatusOK, nil)

	t.Run("rewrite-target /$1 on /api/(.*) sends /api/users to the backend as /users", func(t *testing.T) {
		served(t, host, "/api/users", "api", "/users")
		served(t, host, "/api/users/7?full=1", "api", "/users/7?full=1")
	})
	t.Run("regular-expression locations are case-insensitive", func(t *testing.T) {
		served(t, host, "/API/Users", "api", "/Users")
		served(t, host, "/DOCS/intro", "docs", "/DOCS/intro")
	})
	t.Run("the longer regular expression of another Ingress of the host takes precedence", func(t *testing.T) {
		served(t, host, "/api/items/42", "items", "/api/items/42")
		served(t, host, "/api/items/x42", "api", "/items/x42")
	})
	t.Run("the host's literal paths keep their meaning", func(t *testing.T) {
		served(t, host, "/docs", "docs", "/docs")
		served(t, host, "/docs/a", "docs", "/docs/a")
		served(t, host, "/docsx", "web", "/docsx")
		served(t, host, "/status", "web", "/status")
		served(t, host, "/", "web", "/")
	})
	t.Run("another namespace's regular expression matches only its own host", func(t *testing.T) {
		served(t, otherHost, "/docs/a", "evil", "/docs/a")
		served(t, host, "/nothing/here", "web", "/nothing/here")
		// Naming the owned host is refused by tenancy at admission. Creation
		// times have a resolution of one second and an Ingress created in
		// the same second as the owner's is a tie, refused with another
		// message (docs/security.md#tenancy), so the attempt comes in a
		// later second.
		var owner networkingv1.Ingress
		require.NoError(t, w.c.Get(w.ctx, client.ObjectKey{Namespace: ns, Name: "web"}, &owner))
		newerThan(t, &owner)
		err := w.c.Create(context.Background(), gen.Ingress("takeover", inOther, gen.Host(host), regex,
			gen.PathOfType("ImplementationSpecific", "/.*", "evil", evil)))
		require.Error(t, err)
		assert.Contains(t, err.Error(), `belongs to namespace "regex"`)
	})
	t.Run("nginx.org/path-regex: exact serves only the path itself", func(t *testing.T) {
		served(t, cafe, "/menu", "docs", "/menu")
		served(t, cafe, "/menu/today", "web", "/menu/today")
		served(t, cafe, "/MENU", "web", "/MENU")
	})
	t.Run("nginx.org/path-regex: case_sensitive matches case-sensitively, before the literal prefixes", func(t *testing.T) {
		served(t, cafe, "/coffee/AB1", "items", "/coffee/AB1")
		served(t, cafe, "/coffee/ab1", "web", "/coffee/ab1")
		served(t, cafe, "/coffee/AB12", "web", "/coffee/AB12")
	})
	t.Run("an attacker's path is denied at admission, naming the field, and never rendered", func(t *testing.T) {
		for path, msg := range map[string]string{
			"/x}location/{":     `"}" only closes a count`,
			"/y;return 200 x":   `character ';'`,
			"/z/$host":          `"$" only as the final anchor`,
			"/(a)\\1":           `escape "\\1"`,
			"/w\"include\"/etc": `character '"'`,
		} {
			name := "attack-" + strings.Trim(strings.Map(func(r rune) rune {
				if r >= 'a' && r <= 'z' {
					return r
				}
				return '-'
			}, path), "-")
			err := attack(name, path)
			require.Error(t, err, path)
			var status apierrors.APIStatus
			require.ErrorAs(t, err, &status, path)
			require.NotEmpty(t, status.Status().Details.Causes, path)
			assert.Equal(t, "spec.rules[0].http.paths[0].path", status.Status().Details.Causes[0].Field, path)
			assert.Contains(t, err.Error(), msg, path)
		}
		w.settled(t)
		conf, err := os.ReadFile(filepath.Join(w.nginxDir, "nginx.conf"))
		require.NoError(t, err)
		for _, s := range []string{"location/{", "return 200 x", "/z/$host", `\\1`, "/etc"} {
			assert.False(t, strings.Contains(string(conf), s), "nginx.conf holds %q", s)
		}
		assert.Contains(t, string(conf), `rewrite "(?i)^/api/(.*)" "/$1" "break";`)
	})
}

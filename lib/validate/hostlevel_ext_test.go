package validate_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	networkingv1 "k8s.io/api/networking/v1"

	"github.com/seed-d040b84d/portcullis/lib/config"
	"github.com/seed-d040b84d/portcullis/lib/intent"
	"github.com/seed-d040b84d/portcullis/lib/validate"
	"github.com/seed-d040b84d/portcullis/lib/world"
	"github.com/seed-d040b84d/portcullis/test/gen"
)

// TestHostSettingsOwnerIsTheDataPlanes: the host-level warning names the
// Ingress whose settings the data plane serves (the oldest with TLS for the
// host, else the oldest), which may be newer than the one warned: an older
// Ingress without TLS is the one whose server-tokens has no effect, and the
// newer one with TLS is not warned about its own settings. (A webhook judges
// an Ingress against those created before it; lint and the controller see
// both, so this is a unit test rather than a golden case.)
func TestHostSettingsOwnerIsTheDataPlanes(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	plain := gen.Ingress("docs-plain", gen.InNamespace("docs"), gen.Created(start), gen.Host("docs.example.com"),
		gen.Path("/", "docs", 80), gen.Annotation("nginx.org/server-tokens", "true"))
	withTLS := gen.Ingress("docs-tls", gen.InNamespace("docs"), gen.Created(start.Add(time.Minute)), gen.Host("docs.example.com"),
		gen.TLS("docs-tls"), gen.Path("/api", "docs-api", 80), gen.Annotation("nginx.ingress.kubernetes.io/ssl-redirect", "false"))
	w := world.NewStatic()
	w.Add(plain, withTLS)
	for _, judge := range []struct {
		name string
		v    *validate.Validator
	}{{"alone", benchValidator()}, {"batch", benchValidator().Batch()}} {
		warnings := func(ing *networkingv1.Ingress) []string { return warningLines(judge.v.Ingress(ing, w)) }
		if assert.Len(t, warnings(plain), 1, judge.name) {
			assert.Contains(t, warnings(plain)[0], `nginx.org/server-tokens]: has no effect on host "docs.example.com": the host's settings come from Ingress docs/docs-tls`, judge.name)
		}
		for _, w := range warnings(withTLS) {
			assert.NotContains(t, w, "has no effect on host", judge.name)
		}
	}
}

// TestMinionsInheritRequestHeadersFromTheirNamespace: a minion without
// nginx.org/proxy-set-headers of its own sends its master's to its backends
// when the master is of its namespace; a master of another namespace (one
// sharing its host) does not choose the headers this namespace's backends
// get, and the minion is told so.
func TestMinionsInheritRequestHeadersFromTheirNamespace(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	const host = "shop.example.com"
	master := gen.Ingress("master", gen.InNamespace("shop"), gen.Created(start), gen.Host(host),
		gen.Annotation("nginx.org/mergeable-ingress-type", "master"), gen.Annotation("nginx.org/proxy-set-headers", "X-Tier: gold"))
	minion := func(ns string, minute int) *networkingv1.Ingress {
		return gen.Ingress("cart", gen.InNamespace(ns), gen.Created(start.Add(time.Duration(minute)*time.Minute)), gen.Host(host),
			gen.Path("/"+ns, "cart", 80), gen.Annotation("nginx.org/mergeable-ingress-type", "minion"))
	}
	same, other := minion("shop", 1), minion("blog", 2)
	w := world.NewStatic()
	w.Add(master, same, other, gen.Namespace("shop", gen.Annotation(config.ShareHostsWithAnnotation, "blog")))
	v := benchValidator()

	got := v.Ingress(same, w)
	assert.Empty(t, got.Findings.Errors)
	if assert.NotNil(t, got.Intent) && assert.NotNil(t, got.Intent.Hosts[0].Paths[0].Headers) {
		assert.Equal(t, []intent.Header{{Name: "X-Tier", Value: "gold"}}, got.Intent.Hosts[0].Paths[0].Headers.Request)
	}

	got = v.Ingress(other, w)
	assert.Empty(t, got.Findings.Errors)
	if assert.NotNil(t, got.Intent) {
		if h := got.Intent.Hosts[0].Paths[0].Headers; h != nil {
			assert.Empty(t, h.Request, "another namespace's master's request headers")
		}
	}
	assert.Contains(t, strings.Join(warningLines(got), "\n"), "the request headers of master shop/master (nginx.org/proxy-set-headers) are not sent to this minion's backends")
}

// TestHostSettingsOfAnotherNamespaceStayTheirs: the host-level warning
// names the owner in another namespace (sharing its host) but not the value
// it sets.
func TestHostSettingsOfAnotherNamespaceStayTheirs(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	owner := gen.Ingress("web", gen.InNamespace("shop"), gen.Created(start), gen.Host("shop.example.com"),
		gen.Path("/", "web", 80), gen.Annotation("nginx.ingress.kubernetes.io/app-root", "/secret-console"))
	guest := gen.Ingress("posts", gen.InNamespace("blog"), gen.Created(start.Add(time.Minute)), gen.Host("shop.example.com"),
		gen.Path("/blog", "posts", 80), gen.Annotation("nginx.ingress.kubernetes.io/app-root", "/blog"))
	w := world.NewStatic()
	w.Add(owner, guest, gen.Namespace("shop", gen.Annotation(config.ShareHostsWithAnnotation, "blog")))
	got := benchValidator().Ingress(guest, w)
	assert.Empty(t, got.Findings.Errors)
	all := strings.Join(warningLines(got), "\n")
	assert.Contains(t, all, `has no effect on host "shop.example.com": the host's settings come from Ingress shop/web`)
	assert.NotContains(t, all, "secret-console", "another namespace's value")
}

// warningLines are a verdict's warnings as kubectl shows them.
func warningLines(v validate.IngressVerdict) []string {
	var out []string
	for _, f := range v.Findings.Warnings {
		out = append(out, f.String())
	}
	return out
}

package nginx

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed-d040b84d/portcullis/controller/dataplane"
	"github.com/seed-d040b84d/portcullis/lib/annotations/grammar"
	"github.com/seed-d040b84d/portcullis/lib/certs"
	"github.com/seed-d040b84d/portcullis/lib/config"
	"github.com/seed-d040b84d/portcullis/lib/htpasswd"
	"github.com/seed-d040b84d/portcullis/lib/validate"
	"github.com/seed-d040b84d/portcullis/lib/world"
	"github.com/seed-d040b84d/portcullis/test/goldencases"
)

// sameTree checks that configuration read back is exactly the tree rendered:
// the same directives, in the same blocks, with the same arguments. An
// argument that could end its string, its directive or its block would show
// up here as an extra or a different directive.
func sameTree(t assert.TestingT, want []*Node, got []*parsed, parent string) bool {
	if !assert.Len(t, got, len(want), "directives in %q", parent) {
		return false
	}
	for i, n := range want {
		g := got[i]
		name, args := n.Name, n.Args
		if n.entry {
			name, args = n.Args[0].s, n.Args[1:]
		} else if !assert.True(t, allowed(g.name, parent), "directive %q in %q is not allow-listed", g.name, parent) {
			return false
		}
		strs := make([]string, len(args))
		for j, a := range args {
			strs[j] = a.s
		}
		if !assert.Equal(t, name, g.name) || !assert.Equal(t, strs, g.args, "arguments of %s", name) ||
			!assert.Equal(t, n.block, g.block, "block %s", name) {
			return false
		}
		if n.block && !sameTree(t, n.Children, g.children, n.Name) {
			return false
		}
	}
	return true
}

// checkRendered renders the model, reads it back and holds it to the tree
// and the allow-list; it also checks that no interpolated argument carries a
// user-derived "$".
func checkRendered(t testing.TB, m *dataplane.Model, o Options) []byte {
	t.Helper()
	tree, err := Tree(m, o)
	require.NoError(t, err)
	conf, err := Render(tree)
	require.NoError(t, err)
	back, err := parseConf(conf)
	require.NoError(t, err, "rendered configuration does not parse:\n%s", conf)
	require.True(t, sameTree(t, tree, back, ""), "configuration read back differs from the tree:\n%s", conf)
	walk(tree, func(n *Node) {
		for i, a := range n.Args {
			switch a.kind {
			case argText:
				assert.NotContains(t, a.s, "$", "%s", n.Name)
			case argRegex:
				assert.True(t, (n.entry && i == 0) || n.Name == "server_name" || n.Name == "rewrite" && i == 0 ||
					n.Name == "location" && i == 1 && isRegexMod(n.Args[0].s), "regex outside a map key, server name, regex location or rewrite pattern: %s", n.Name)
			case argCapture:
				assert.True(t, n.Name == "rewrite" && i == 1, "capture outside a rewrite replacement: %s", n.Name)
				assert.NotContains(t, captureRef.ReplaceAllString(a.s, ""), "$", "%s", n.Name)
			case argTextLit:
				assert.NotContains(t, a.s[:a.user], "$", "%s", n.Name)
			case argLitText:
				assert.NotContains(t, a.s[a.user:], "$", "%s", n.Name)
			case argLit:
			default:
				t.Errorf("%s: argument of no kind", n.Name)
			}
		}
	})
	return conf
}

// captureRef is the only "$" a rewrite replacement may hold.
var captureRef = regexp.MustCompile(`\$[1-9]`)

func walk(nodes []*Node, f func(*Node)) {
	for _, n := range nodes {
		f(n)
		walk(n.Children, f)
	}
}

// hostile are the characters and shapes of nginx configuration injection
// (ingress-nginx CVE-2021-25742, CVE-2023-5043, CVE-2025-1974 and kin).
var hostile = []string{
	";", "{", "}", "#", "\"", "'", "\n", "\r", "\t", "$", "\\", "\\\"", "${host}", "$remote_addr",
	"};ssl_engine x;{", "\nload_module /tmp/x.so;\n", "\" ; return 200 \"", "# comment", "\\\n",
	"$ssl_client_escaped_cert", " ", "`", "(a|b)", "{1,3}", "\\\\", "'';", "\x00",
}

func mutate(r *rand.Rand, base string) string {
	switch r.IntN(4) {
	case 0:
		return base + hostile[r.IntN(len(hostile))]
	case 1:
		return hostile[r.IntN(len(hostile))] + base
	case 2:
		i := r.IntN(len(base) + 1)
		return base[:i] + hostile[r.IntN(len(hostile))] + base[i:]
	}
	return base
}

// world of one Ingress whose user-written values are given, with a valid TLS
// secret, a client CA and a backend CA.
func injectionWorld(t testing.TB, host, path, matchCN, errorPage, sslName, ciphers, svcName string) (*world.Static, *networkingv1.Ingress) {
	t.Helper()
	w := world.NewStatic()
	w.Add(
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "tls", Namespace: "default"}, Type: corev1.SecretTypeTLS,
			Data: map[string][]byte{"tls.crt": fixture(t, "web-chain.pem"), "tls.key": fixture(t, "web.key.pem")}},
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "ca", Namespace: "default"}, Type: "nginx.org/ca",
			Data: map[string][]byte{"ca.crt": fixture(t, "client-ca.pem")}},
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "backend-ca", Namespace: "default"}, Type: "nginx.org/ca",
			Data: map[string][]byte{"ca.crt": fixture(t, "backend-ca.pem")}},
		&corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: svcName, Namespace: "default"},
			Spec: corev1.ServiceSpec{Type: corev1.ServiceTypeExternalName, ExternalName: svcName}},
	)
	pt := networkingv1.PathTypePrefix
	ing := &networkingv1.Ingress{
		ObjectMeta: metav1.ObjectMeta{Name: "inject", Namespace: "default", Annotations: map[string]string{
			"nginx.ingress.kubernetes.io/auth-tls-secret":     "default/ca",
			"nginx.ingress.kubernetes.io/auth-tls-match-cn":   matchCN,
			"nginx.ingress.kubernetes.io/auth-tls-error-page": errorPage,
			"nginx.ingress.kubernetes.io/backend-protocol":    "HTTPS",
			"nginx.ingress.kubernetes.io/proxy-ssl-secret":    "default/backend-ca",
			"nginx.ingress.kubernetes.io/proxy-ssl-verify":    "on",
			"nginx.ingress.kubernetes.io/proxy-ssl-name":      sslName,
			"nginx.ingress.kubernetes.io/ssl-ciphers":         ciphers,
		}},
		Spec: networkingv1.IngressSpec{
			IngressClassName: ptr("portcullis"),
			TLS:              []networkingv1.IngressTLS{{Hosts: []string{host}, SecretName: "tls"}},
			Rules: []networkingv1.IngressRule{{Host: host, IngressRuleValue: networkingv1.IngressRuleValue{HTTP: &networkingv1.HTTPIngressRuleValue{
				Paths: []networkingv1.HTTPIngressPath{{Path: path, PathType: &pt, Backend: networkingv1.IngressBackend{
					Service: &networkingv1.IngressServiceBackend{Name: svcName, Port: networkingv1.ServiceBackendPort{Number: 8443}},
				}}},
			}}}},
		},
	}
	w.Add(ing)
	return w, ing
}

func ptr[T any](v T) *T { return &v }

func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "certs", name))
	require.NoError(t, err)
	return b
}

// buildInjection judges the world with lib and renders it; it returns the
// verdict's findings and the configuration.
func buildInjection(t testing.TB, w *world.Static, ing *networkingv1.Ingress) (bool, *dataplane.Model, []byte) {
	t.Helper()
	v := validate.New(validate.Options{Config: config.Default(), Now: func() time.Time { return goldencases.Now }}, nil)
	verdict := v.Ingress(ing, w)
	def := fixtureDefaultCertificate(t)
	m, err := dataplane.Build([]dataplane.Ingress{{Object: ing, Verdict: verdict}}, dataplane.Options{
		Config: config.Default(), Resolver: w, Certs: &certs.Cache{}, Backends: dataplane.ServiceBackends{Resolver: w},
		DefaultCertificate: def, Now: func() time.Time { return goldencases.Now },
	})
	require.NoError(t, err)
	conf := checkRendered(t, m, goldenOptions)
	return verdict.Findings.Allowed(), m, conf
}

// TestInjectionProperty feeds hostile hosts, paths, match-cn expressions,
// error pages, backend names, ciphers, service names, source ranges
// (allowlist, denylist), basic authentication (realm, htpasswd), external
// authentication (auth-url, auth-signin, auth-response-headers), the traffic
// keys of both dialects (body size, proxy timeouts, buffers, retries), the
// response header keys of both dialects (CORS, added, hidden and passed
// headers, server-tokens, proxy_redirect), regex
// paths with rewrite targets, the error pages of both dialects
// (default-backend, custom-http-errors, spec.defaultBackend,
// nginx.org/custom-http-errors, the Ingress name sent as X-Ingress-Name) and
// the redirect keys (permanent-redirect, app-root, upstream-vhost,
// x-forwarded-prefix, nginx.org/rewrites, nginx.org/rewrite-target, and the
// www. name of a hostile host) through lib, the model and the renderer: whatever lib accepts
// renders to exactly the tree the model asked for, and what it refuses
// fails closed.
func TestInjectionProperty(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	accepted, acceptedRegex, acceptedPages, acceptedRedirect := 0, 0, 0, 0
	for i := range 1080 {
		host := "app.example.com"
		path := "/api"
		matchCN := `CN=(client|admin)\.example\.com`
		errorPage := "https://errors.example.com/cert.html"
		sslName := "backend.example.com"
		ciphers := "HIGH:!aNULL"
		svc := "backend"
		allow, deny := "10.0.0.0/8, 2001:db8::/32", "10.9.0.0/16"
		realm, users := "Staff only", "alice:"+bcryptAlice
		authURL, signIn, authHeaders := "http://localhost:4180/oauth2/auth", "https://auth.example.com/start", "X-Auth-Request-User"
		regexPath, rewriteTarget := "", ""
		traffic := slices.Clone(trafficValues)
		pages := errorPagesValues
		org := false
		redirect := -1
		redirectValue := ""
		hdrs := slices.Clone(headerValues)
		switch i % 27 {
		case 0:
			host = mutate(r, host)
		case 1:
			path = mutate(r, path)
		case 2:
			matchCN = mutate(r, matchCN)
		case 3:
			errorPage = mutate(r, errorPage)
		case 4:
			sslName = mutate(r, sslName)
		case 5:
			ciphers = mutate(r, ciphers)
		case 6:
			svc = mutate(r, svc)
		case 7:
			allow = mutate(r, allow)
		case 8:
			deny = mutate(r, deny)
		case 9:
			realm = mutate(r, realm)
		case 10:
			users = mutate(r, users)
		case 11:
			authURL = mutate(r, authURL)
		case 12:
			signIn = mutate(r, signIn)
		case 13:
			authHeaders = mutate(r, authHeaders)
		case 14:
			k := r.IntN(len(traffic))
			traffic[k] = mutate(r, traffic[k])
		case 15:
			regexPath, rewriteTarget = mutate(r, "/api/(v[0-9]+)/(.*)"), "/$2"
		case 16:
			regexPath, rewriteTarget = "/api/(v[0-9]+)/(.*)", mutate(r, "/$1/$2")
		case 17:
			pages.backend = mutate(r, pages.backend)
		case 18:
			pages.codes = mutate(r, pages.codes)
		case 19:
			org, pages.backend, pages.codes = true, mutate(r, pages.backend), mutate(r, "404, 5xx")
		case 20:
			pages.ingress = mutate(r, pages.ingress)
		case 26:
			k := r.IntN(len(hdrs))
			hdrs[k] = mutate(r, hdrs[k])
		default:
			redirect = i%27 - 21
			redirectValue = mutate(r, redirectKeys[redirect].good)
		}
		w, ing := injectionWorld(t, host, path, matchCN, errorPage, sslName, ciphers, svc)
		withErrorPages(w, ing, pages, org)
		withSourceRanges(ing, allow, deny)
		withBasicAuth(w, ing, realm, users)
		withExternalAuth(ing, authURL, signIn, authHeaders)
		withTraffic(ing, traffic)
		withHeaders(ing, hdrs)
		if regexPath != "" {
			withRegex(ing, regexPath, rewriteTarget)
		}
		ing.Annotations["nginx.ingress.kubernetes.io/from-to-www-redirect"] = "true"
		if redirect >= 0 {
			ing.Annotations[redirectKeys[redirect].key] = redirectValue
		}
		ok, m, conf := buildInjection(t, w, ing)
		if t.Failed() {
			t.Fatalf("case %d (host %q path %q match-cn %q error page %q ssl name %q ciphers %q service %q allow %q deny %q realm %q users %q auth %q %q %q traffic %q regex %q rewrite %q error pages %+v org %v redirect %d %q headers %q)", i, host, path, matchCN, errorPage, sslName, ciphers, svc, allow, deny, realm, users, authURL, signIn, authHeaders, traffic, regexPath, rewriteTarget, pages, org, redirect, redirectValue, hdrs)
		}
		if ok {
			accepted++
			checkHeaderArgs(t, conf)
			for _, s := range m.Servers {
				for _, l := range s.Locations {
					if l.Status == 0 && l.Redirect == nil && pages == errorPagesValues {
						acceptedPages++
						assert.NotNil(t, l.ErrorPages, "a path served without its error pages")
						assert.Contains(t, string(conf), `location "@portcullis_errors_`)
					}
				}
			}
			if regexPath != "" {
				acceptedRegex++
				assert.Contains(t, string(conf), `rewrite "(?i)^`)
			}
			if redirect >= 0 {
				acceptedRedirect++
				assertRedirectRendered(t, conf, redirectKeys[redirect].key, redirectValue)
			}
		}
		for _, s := range m.Servers {
			if s.Host == host && !ok {
				assert.True(t, s.Reject || s.Status != 0, "refused Ingress's host %q is served", host)
			}
			if s.Host == host && ok && !strings.HasPrefix(host, "*.") {
				assert.Equal(t, "www."+host, s.WWWRedirect, "from-to-www-redirect of %q", host)
				assert.Contains(t, string(conf), `server_name "www.`+host+`"`)
			}
		}
		assert.NotContains(t, string(conf), "ssl_engine \"x\"")
		assert.NotContains(t, string(conf), "\nload_module")
	}
	assert.Greater(t, accepted, 100, "too few accepted worlds to say anything")
	assert.Greater(t, acceptedRegex, 20, "too few accepted regex worlds to say anything")
	assert.Greater(t, acceptedPages, 100, "too few accepted worlds with error pages to say anything")
	assert.Greater(t, acceptedRedirect, 50, "too few accepted redirect worlds to say anything")
}

// TestRenderRefusesUnsafeArguments: the writer itself refuses what the model
// should never hand it.
func TestRenderRefusesUnsafeArguments(t *testing.T) {
	for _, n := range []*Node{
		d("server_name", text("a$host")),
		d("server_name", text("a\nb")),
		d("proxy_pass", regex("x")),
		d("ssl_engine", lit("x")),
		{Name: "server_name", Args: []Arg{{s: "raw"}}},
		blk("location", []Arg{lit("="), regex("/a")}),
		blk("location", []Arg{text("~*"), regex("/a")}),
		blk("location", []Arg{lit("~*"), text("/a"), regex("/b")}),
		blk("location", []Arg{lit("="), lit("/")}, d("return", lit("302"), litText("$scheme://$host", "/a$uri"))),
		blk("location", []Arg{lit("="), lit("/")}, d("return", lit("302"), textLit("$host", "/a"))),
		blk("location", []Arg{lit("="), lit("/")}, d("return", lit("302"), litText("$scheme://$host", "x/a"))),
		blk("location", []Arg{lit("="), lit("/")}, d("return", lit("302"), litText("$scheme://$host", "{x}"))),
	} {
		_, err := Render([]*Node{blk("http", nil, blk("server", nil, n))})
		assert.Error(t, err, "%s %v", n.Name, n.Args)
	}
	_, err := Render([]*Node{blk("http", nil, blk("server", nil,
		blk("location", []Arg{lit("="), lit("/")}, d("return", lit("302"), litText("$scheme://$host", "/app")))))})
	assert.NoError(t, err, "the package's own variables before user text")
	_, err = Render([]*Node{blk("http", nil, entry(lit("a"), lit("b")))})
	assert.Error(t, err)
}

// TestRenderRefusesUnsafeRewrites: in a location, a rewrite's replacement
// holds "$" only as a capture, and only a rewrite holds a replacement.
func TestRenderRefusesUnsafeRewrites(t *testing.T) {
	in := func(n *Node) []*Node {
		return []*Node{blk("http", nil, blk("server", nil, blk("location", []Arg{lit(caseless), regex("^/(.*)")}, n)))}
	}
	_, err := Render(in(d("rewrite", regex("(?i)^/(.*)"), capture("/v2/$1.x"), lit("break"))))
	require.NoError(t, err, "a rewrite with a capture")
	for _, n := range []*Node{
		d("proxy_pass", capture("/$1")),
		d("rewrite", regex("^/(.*)"), capture("/$host"), lit("break")),
		d("rewrite", regex("^/(.*)"), capture("/$1x"), lit("break")),
		d("rewrite", regex("^/(.*)"), capture("/$10"), lit("break")),
		d("rewrite", regex("^/(.*)"), capture("/${1}"), lit("break")),
		d("rewrite", regex("^/(.*)"), capture("/$"), lit("break")),
		d("rewrite", text("^/(.*)"), regex("/$1"), lit("break")),
		d("return", lit("200"), regex("x")),
	} {
		_, err := Render(in(n))
		assert.Error(t, err, "%s %v", n.Name, n.Args)
	}
}

// FuzzRenderArgument: any string, written as any argument kind in any
// position, either is refused or reads back as exactly itself.
func FuzzRenderArgument(f *testing.F) {
	for _, h := range hostile {
		f.Add(h)
	}
	f.Add(`~^CN=(?:a)(?:,|$)`)
	f.Fuzz(func(t *testing.T, s string) {
		tree := []*Node{blk("http", nil,
			blk("map", []Arg{lit("$ssl_client_s_dn"), lit("$x")}, entry(regex(s), lit("1")), entry(mapKey(s), lit("2")), entry(lit("default"), lit("0"))),
			blk("server", nil, d("server_name", text(s)), d("add_header", lit("X"), text(s)),
				blk("location", []Arg{text(s)}, d("return", lit("200"), text(s)))),
		)}
		conf, err := Render(tree)
		if err != nil {
			return
		}
		back, err := parseConf(conf)
		require.NoError(t, err, "%q", conf)
		require.True(t, sameTree(t, tree, back, ""), "%s", conf)
	})
}

// FuzzIngressValues: hostile values in an Ingress's host, path and
// annotations, judged by lib and rendered, never add a directive.
func FuzzIngressValues(f *testing.F) {
	f.Add("app.example.com", "/api", `CN=(client|admin)\.example\.com`, "https://errors.example.com/x", "backend.example.com", "HIGH:!aNULL", "backend")
	for _, h := range hostile {
		f.Add("app.example.com"+h, "/a"+h, "CN=a"+h, "https://e.example.com/"+h, "b"+h, "HIGH:!aNULL"+h, "svc"+h)
	}
	f.Fuzz(func(t *testing.T, host, path, matchCN, errorPage, sslName, ciphers, svc string) {
		if len(host)+len(path)+len(matchCN)+len(errorPage)+len(sslName)+len(ciphers)+len(svc) > 2000 {
			return
		}
		w, ing := injectionWorld(t, host, path, matchCN, errorPage, sslName, ciphers, svc)
		buildInjection(t, w, ing)
	})
}

// withRegex makes the Ingress's path the regular expression path, with
// rewrite-target target.
func withRegex(ing *networkingv1.Ingress, path, target string) {
	ing.Annotations["nginx.ingress.kubernetes.io/use-regex"] = "true"
	ing.Annotations["nginx.ingress.kubernetes.io/rewrite-target"] = target
	ing.Spec.Rules[0].HTTP.Paths[0].Path = path
}

// FuzzRegexPaths: hostile regular-expression paths and rewrite targets,
// judged by lib and rendered, never add a directive; what lib accepts is
// served as a case-insensitive regular-expression location whose pattern is
// the path in the bounded grammar, rewriting with captures the path has.
func FuzzRegexPaths(f *testing.F) {
	f.Add("/api/(.*)", "/$1")
	f.Add("/items/[0-9]{1,6}$", "/item")
	for _, h := range hostile {
		f.Add("/api/(.*)"+h, "/$1"+h)
		f.Add(h+"/(a)", h+"/$1")
	}
	f.Fuzz(func(t *testing.T, path, target string) {
		if len(path)+len(target) > 1000 {
			return
		}
		w, ing := fuzzBase(t)
		withRegex(ing, path, target)
		ok, m, conf := buildInjection(t, w, ing)
		served := 0
		for _, s := range m.Servers {
			for _, l := range s.Locations {
				if !ok {
					require.NotZero(t, l.Status, "a refused Ingress's path is served")
					continue
				}
				require.True(t, l.Regex)
				require.True(t, dataplane.SafeRegexPath(l.Path, l.Rewrite), "%q %q", l.Path, l.Rewrite)
				served++
			}
		}
		if ok {
			require.Positive(t, served)
			require.Contains(t, string(conf), `location "~*" "^`)
		}
	})
}

// withSourceRanges sets the allowlist and denylist annotations.
func withSourceRanges(ing *networkingv1.Ingress, allow, deny string) {
	ing.Annotations["nginx.ingress.kubernetes.io/allowlist-source-range"] = allow
	ing.Annotations["nginx.ingress.kubernetes.io/denylist-source-range"] = deny
}

// FuzzSourceRanges: hostile allowlists and denylists, judged by lib and
// rendered, never add a directive, and what lib accepts is rendered as
// allow and deny directives of addresses only.
func FuzzSourceRanges(f *testing.F) {
	f.Add("10.0.0.0/8, 2001:db8::/32", "10.9.0.0/16")
	f.Add("0.0.0.0/0,::/0", "203.0.113.7")
	for _, h := range hostile {
		f.Add("10.0.0.0/8"+h, h+"10.9.0.0/16")
	}
	f.Fuzz(func(t *testing.T, allow, deny string) {
		if len(allow)+len(deny) > 2000 {
			return
		}
		w, ing := fuzzBase(t)
		withSourceRanges(ing, allow, deny)
		ok, m, _ := buildInjection(t, w, ing)
		for _, s := range m.Servers {
			for _, l := range s.Locations {
				if !ok {
					require.NotZero(t, l.Status, "a refused Ingress's path is served")
					continue
				}
				if l.Access == nil {
					continue
				}
				for _, p := range append(slices.Clone(l.Access.Allow), l.Access.Deny...) {
					require.Equal(t, p.Masked(), p, "%s", p)
				}
			}
		}
	})
}

// bcryptAlice is a bcrypt hash ("s3cret").
const bcryptAlice = "$2a$10$nLAGPuaVb3vHsW/V0XN4wOffOy3QNJiMRhIaAa2RB8LMoPXbqtWN6"

// withBasicAuth turns on basic authentication with realm and an htpasswd
// Secret holding users.
func withBasicAuth(w *world.Static, ing *networkingv1.Ingress, realm, users string) {
	w.Add(&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "users", Namespace: "default"}, Data: map[string][]byte{"auth": []byte(users)}})
	ing.Annotations["nginx.ingress.kubernetes.io/auth-type"] = "basic"
	ing.Annotations["nginx.ingress.kubernetes.io/auth-secret"] = "users"
	ing.Annotations["nginx.ingress.kubernetes.io/auth-realm"] = realm
}

// withExternalAuth turns on external authentication.
func withExternalAuth(ing *networkingv1.Ingress, url, signIn, headers string) {
	ing.Annotations["nginx.ingress.kubernetes.io/auth-url"] = url
	ing.Annotations["nginx.ingress.kubernetes.io/auth-signin"] = signIn
	ing.Annotations["nginx.ingress.kubernetes.io/auth-response-headers"] = headers
}

// FuzzExternalAuth: hostile authentication URLs, sign-in URLs and header
// lists, judged by lib and rendered, never add a directive, and a path lib
// serves always asks the authentication service first.
func FuzzExternalAuth(f *testing.F) {
	f.Add("http://localhost:4180/oauth2/auth", "https://auth.example.com/start", "X-Auth-Request-User")
	for _, h := range hostile {
		f.Add("http://localhost/"+h, "https://a.example.com/"+h, "X-User"+h)
	}
	f.Fuzz(func(t *testing.T, url, signIn, headers string) {
		if len(url)+len(signIn)+len(headers) > 2000 {
			return
		}
		w, ing := fuzzBase(t)
		withExternalAuth(ing, url, signIn, headers)
		ok, m, _ := buildInjection(t, w, ing)
		for _, s := range m.Servers {
			for _, l := range s.Locations {
				if !ok || l.Status != 0 {
					require.NotZero(t, l.Status, "a refused Ingress's path is served")
					continue
				}
				require.NotNil(t, l.ExternalAuth, "a path served without its external authentication")
			}
		}
	})
}

// FuzzBasicAuth: hostile realms and htpasswd files, judged by lib and
// rendered, never add a directive; what is served has a private user file
// whose every line is a user and a hash lib accepts.
func FuzzBasicAuth(f *testing.F) {
	f.Add("Staff only", "alice:"+bcryptAlice)
	f.Add("x", "carol:{PLAIN}pw")
	for _, h := range hostile {
		f.Add("Staff"+h, "alice:"+bcryptAlice+h)
	}
	f.Fuzz(func(t *testing.T, realm, users string) {
		if len(realm)+len(users) > 4000 {
			return
		}
		w, ing := fuzzBase(t)
		withBasicAuth(w, ing, realm, users)
		ok, m, _ := buildInjection(t, w, ing)
		files := map[string]dataplane.File{}
		for _, fl := range m.Files {
			files[fl.Name] = fl
		}
		for _, l := range servedLocations(t, m, ok) {
			require.NotNil(t, l.BasicAuth, "a path served without its basic authentication")
			fl := files[l.BasicAuth.File]
			require.True(t, fl.Private)
			for _, line := range strings.Split(strings.TrimSuffix(string(fl.Data), "\n"), "\n") {
				user, hash, found := strings.Cut(line, ":")
				require.True(t, found && user != "", "%q", line)
				_, strength := htpasswd.Scheme(hash)
				require.NotEqual(t, htpasswd.Refused, strength, "%q", line)
			}
		}
	})
}

// TestTokenizerReadsWhatNginxReads pins the tokenizer to nginx's rules, and
// shows it catches a value pasted without quoting.
func TestTokenizerReadsWhatNginxReads(t *testing.T) {
	got, err := parseConf([]byte("a \"b;c\\\"d\" 'e}' f\\;g; # x; y;\nblk \"{\" {\n  inner \"\\\\\" \"\\n\";\n}\n"))
	require.NoError(t, err)
	require.Len(t, got, 2)
	assert.Equal(t, "a", got[0].name)
	assert.Equal(t, []string{`b;c"d`, "e}", `f\;g`}, got[0].args)
	assert.Equal(t, "blk", got[1].name)
	assert.Equal(t, []string{"{"}, got[1].args)
	require.Len(t, got[1].children, 1)
	assert.Equal(t, []string{`\`, "\n"}, got[1].children[0].args)

	for _, bad := range []string{"a \"b;", "a {", "}", "a;}", "\"x\"y;"} {
		_, err := parseConf([]byte(bad))
		assert.Error(t, err, bad)
	}

	// A value pasted into a template unquoted adds a directive; the check sees it.
	tree := []*Node{blk("http", nil, blk("server", nil, d("server_name", text("a.example.com"))))}
	pasted := []byte("http {\n server {\n  server_name a.example.com; ssl_engine x;\n }\n}\n")
	back, err := parseConf(pasted)
	require.NoError(t, err)
	var rec recorder
	assert.False(t, sameTree(&rec, tree, back, ""))
	assert.NotEmpty(t, rec.errors)
}

// recorder collects assertion failures that a test expects.
type recorder struct{ errors []string }

func (r *recorder) Errorf(format string, args ...any) {
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}

// trafficKeys are the traffic annotations of both dialects, the directive
// each renders to, and trafficValues values of theirs that agree and that
// lib admits each on its own too.
var (
	trafficKeys = []struct{ key, directive string }{
		{"nginx.ingress.kubernetes.io/proxy-body-size", "client_max_body_size"},
		{"nginx.ingress.kubernetes.io/proxy-connect-timeout", "proxy_connect_timeout"},
		{"nginx.ingress.kubernetes.io/proxy-read-timeout", "proxy_read_timeout"},
		{"nginx.ingress.kubernetes.io/proxy-send-timeout", "proxy_send_timeout"},
		{"nginx.ingress.kubernetes.io/client-body-buffer-size", "client_body_buffer_size"},
		{"nginx.ingress.kubernetes.io/proxy-buffering", "proxy_buffering"},
		{"nginx.ingress.kubernetes.io/proxy-request-buffering", "proxy_request_buffering"},
		{"nginx.ingress.kubernetes.io/proxy-http-version", "proxy_http_version"},
		{"nginx.org/client-max-body-size", "client_max_body_size"},
		{"nginx.org/proxy-connect-timeout", "proxy_connect_timeout"},
		{"nginx.org/proxy-read-timeout", "proxy_read_timeout"},
		{"nginx.org/proxy-send-timeout", "proxy_send_timeout"},
		{"nginx.org/client-body-buffer-size", "client_body_buffer_size"},
		{"nginx.org/proxy-buffering", "proxy_buffering"},
		{"nginx.ingress.kubernetes.io/proxy-buffer-size", "proxy_buffer_size"},
		{"nginx.ingress.kubernetes.io/proxy-buffers-number", "proxy_buffers"},
		{"nginx.ingress.kubernetes.io/proxy-busy-buffers-size", "proxy_busy_buffers_size"},
		{"nginx.ingress.kubernetes.io/proxy-max-temp-file-size", "proxy_max_temp_file_size"},
		{"nginx.ingress.kubernetes.io/proxy-next-upstream", "proxy_next_upstream"},
		{"nginx.ingress.kubernetes.io/proxy-next-upstream-timeout", "proxy_next_upstream_timeout"},
		{"nginx.ingress.kubernetes.io/proxy-next-upstream-tries", "proxy_next_upstream_tries"},
		{"nginx.org/proxy-buffers", "proxy_buffers"},
		{"nginx.org/proxy-buffer-size", "proxy_buffer_size"},
		{"nginx.org/proxy-busy-buffers-size", "proxy_busy_buffers_size"},
		{"nginx.org/proxy-max-temp-file-size", "proxy_max_temp_file_size"},
		{"nginx.org/proxy-next-upstream", "proxy_next_upstream"},
		{"nginx.org/proxy-next-upstream-timeout", "proxy_next_upstream_timeout"},
		{"nginx.org/proxy-next-upstream-tries", "proxy_next_upstream_tries"},
	}
	trafficValues = []string{"8m", "5", "60", "90", "16k", "off", "off", "1.0", "8192k", "5s", "1m", "1m30s", "16k", "False",
		"4k", "8", "8k", "0", "error timeout http_502", "10", "2",
		"8 4k", "4096", "8k", "0", "http_502 timeout error", "10s", "2"}
)

// withTraffic sets trafficKeys to values.
func withTraffic(ing *networkingv1.Ingress, values []string) {
	for i, k := range trafficKeys {
		ing.Annotations[k.key] = values[i]
	}
}

// FuzzTraffic: a hostile value of any traffic key, judged by lib and
// rendered, never adds a directive, and a path lib serves carries exactly
// the setting it asked for: its directive, with plain nginx sizes, times,
// counts, on|off, an HTTP version or retry conditions.
func FuzzTraffic(f *testing.F) {
	for i, v := range trafficValues {
		f.Add(uint8(i), v)
		for _, h := range hostile {
			f.Add(uint8(i), v+h)
		}
	}
	f.Add(uint8(0), "0")
	f.Add(uint8(9), "24d20h31m23s647ms")
	f.Fuzz(func(t *testing.T, k uint8, value string) {
		if len(value) > 200 {
			return
		}
		tk := trafficKeys[int(k)%len(trafficKeys)]
		w, ing := fuzzBase(t)
		ing.Annotations[tk.key] = value
		ok, m, conf := buildInjection(t, w, ing)
		if value == trafficValues[int(k)%len(trafficKeys)] {
			require.True(t, ok, "%s: %q refused", tk.key, value)
		}
		served := servedLocations(t, m, ok)
		for _, l := range served {
			require.NotNil(t, l.Traffic, "a path served without its %s", tk.key)
		}
		n := len(served)
		if !ok || n == 0 {
			return
		}
		back, err := parseConf(conf)
		require.NoError(t, err)
		found := 0
		walkParsed(back, func(p *parsed, parent string) {
			if p.name == tk.directive && parent == "location" {
				found++
				require.NotEmpty(t, p.args)
				for _, a := range p.args {
					require.Regexp(t, `^([0-9]+(k|m|g|s|ms)?|on|off|1\.[01]|error|timeout|invalid_header|http_50[0234]|http_40[34]|http_429|non_idempotent)$`, a)
				}
			}
		})
		require.NotZero(t, found, "%s: %q accepted but no %s rendered:\n%s", tk.key, value, tk.directive, conf)
	})
}

func walkParsed(ps []*parsed, f func(p *parsed, parent string)) {
	var rec func(ps []*parsed, parent string)
	rec = func(ps []*parsed, parent string) {
		for _, p := range ps {
			f(p, parent)
			rec(p.children, p.name)
		}
	}
	rec(ps, "")
}

// errorPages are the user-written values of a world's error pages: the
// default backend's Service name, the codes and the Ingress's name (sent to
// the default backend as X-Ingress-Name).
type errorPages struct{ backend, codes, ingress string }

// errorPagesValues are values lib accepts.
var errorPagesValues = errorPages{backend: "error-pages", codes: "404,502,503", ingress: "inject"}

// withErrorPages adds the Service error-pages (port 8080) and sends the
// Ingress's errors to p.backend: with ingress-nginx's default-backend and
// custom-http-errors, or with org, NGINX Inc's custom-http-errors and
// spec.defaultBackend.
func withErrorPages(w *world.Static, ing *networkingv1.Ingress, p errorPages, org bool) {
	w.Add(&corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "error-pages", Namespace: "default"},
		Spec: corev1.ServiceSpec{Type: corev1.ServiceTypeExternalName, ExternalName: "localhost", Ports: []corev1.ServicePort{{Port: 8080}}}})
	ing.Name = p.ingress
	if org {
		ing.Annotations["nginx.org/custom-http-errors"] = p.codes
		ing.Spec.DefaultBackend = &networkingv1.IngressBackend{Service: &networkingv1.IngressServiceBackend{
			Name: p.backend, Port: networkingv1.ServiceBackendPort{Number: 8080}}}
		return
	}
	ing.Annotations["nginx.ingress.kubernetes.io/default-backend"] = p.backend
	ing.Annotations["nginx.ingress.kubernetes.io/custom-http-errors"] = p.codes
}

// FuzzErrorPages: a hostile default backend, status code list or Ingress
// name, in either dialect, judged by lib and rendered, never adds a
// directive; a path lib serves with error pages sends exactly the codes
// asked for, each a number nginx's error_page takes, to a named location
// proxying to the error-pages Service.
func FuzzErrorPages(f *testing.F) {
	f.Add(false, "error-pages", "404,502,503", "inject")
	f.Add(true, "error-pages", "404, 5xx", "inject")
	for _, h := range hostile {
		f.Add(false, "error-pages"+h, "404"+h, "inject"+h)
		f.Add(true, h+"error-pages", h+"4xx", h+"inject")
	}
	f.Fuzz(func(t *testing.T, org bool, backend, codes, name string) {
		if len(backend)+len(codes)+len(name) > 1000 {
			return
		}
		w, ing := fuzzBase(t)
		withErrorPages(w, ing, errorPages{backend: backend, codes: codes, ingress: name}, org)
		ok, m, conf := buildInjection(t, w, ing)
		g := grammar.HTTPErrors
		if org {
			g = grammar.NGINXHTTPErrors
		}
		want, err := grammar.Parse(g, codes, grammar.Context{})
		upstreams := map[string][]string{}
		for _, u := range m.Upstreams {
			upstreams[u.Name] = u.Servers
		}
		if backend == "error-pages" && name == "inject" && (codes == "404,502,503" || codes == "404, 5xx") {
			require.True(t, ok, "the seed values are refused")
		}
		for _, l := range servedLocations(t, m, ok) {
			require.NoError(t, err, "codes lib refuses are served")
			if l.ErrorPages == nil {
				// A default backend that names no Service of the namespace
				// is warned about and left out
				// (docs/reference.md#default-backend-and-error-pages).
				require.NotEqual(t, "error-pages", backend, "a path served without its error pages")
				continue
			}
			require.Equal(t, want, l.ErrorPages.Codes)
			require.Equal(t, []string{"localhost:8080"}, upstreams[l.ErrorPages.Upstream])
			require.Equal(t, !org, strings.Contains(string(conf), `proxy_set_header "X-Ingress-Name" "`+name+`"`))
		}
	})
}

// redirectKeys are the redirect and forwarding keys whose values a user
// writes, with a value lib accepts.
var redirectKeys = []struct{ key, good string }{
	{"nginx.ingress.kubernetes.io/permanent-redirect", "https://moved.example.com/new?x=1"},
	{"nginx.ingress.kubernetes.io/app-root", "/app1"},
	{"nginx.ingress.kubernetes.io/upstream-vhost", "backend.internal:8080"},
	{"nginx.ingress.kubernetes.io/x-forwarded-prefix", "/shop"},
	{"nginx.org/rewrites", "serviceName=backend rewrite=/v2"},
	{"nginx.org/rewrite-target", "/v2/"},
}

// appRootURL is an application root's redirect: the request's scheme and
// host, the port clients use, then the root.
var appRootURL = regexp.MustCompile(`^\$scheme://\$host(?::[0-9]+)?(/.*)$`)

// assertRedirectRendered finds in conf the directive an accepted value of
// key must have become, with the value as exactly one argument.
func assertRedirectRendered(t testing.TB, conf []byte, key, value string) {
	t.Helper()
	back, err := parseConf(conf)
	require.NoError(t, err)
	var want func(p *parsed, parent string) bool
	switch key {
	case "nginx.ingress.kubernetes.io/permanent-redirect":
		want = func(p *parsed, parent string) bool {
			return parent == "location" && p.name == "return" && slices.Equal(p.args, []string{"301", value})
		}
	case "nginx.ingress.kubernetes.io/app-root":
		want = func(p *parsed, _ string) bool {
			return p.name == "location" && slices.Equal(p.args, []string{"=", "/"}) && len(p.children) == 1 &&
				p.children[0].name == "return" && len(p.children[0].args) == 2 && p.children[0].args[0] == "302" &&
				appRootURL.MatchString(p.children[0].args[1]) && appRootURL.FindStringSubmatch(p.children[0].args[1])[1] == value
		}
	case "nginx.ingress.kubernetes.io/upstream-vhost":
		want = func(p *parsed, parent string) bool {
			return parent == "location" && p.name == "proxy_set_header" && slices.Equal(p.args, []string{"Host", value})
		}
	case "nginx.ingress.kubernetes.io/x-forwarded-prefix":
		want = func(p *parsed, parent string) bool {
			return parent == "location" && p.name == "proxy_set_header" && slices.Equal(p.args, []string{"X-Forwarded-Prefix", value})
		}
	case "nginx.org/rewrite-target":
		// The injection world's paths are literal: the whole path replaced.
		want = func(p *parsed, parent string) bool {
			return parent == "location" && p.name == "rewrite" && slices.Equal(p.args, []string{"^", value, "break"})
		}
	case "nginx.org/rewrites":
		rw, err := grammar.PathRewrites.Parse(value, grammar.Context{})
		require.NoError(t, err)
		want = func(p *parsed, parent string) bool {
			return parent == "location" && p.name == "rewrite" && len(p.args) == 3 &&
				p.args[1] == strings.TrimSuffix(rw[0].Path, "/")+"/$1" && p.args[2] == "break"
		}
	default:
		t.Fatalf("no rendering known for %s", key)
	}
	found := false
	walkParsed(back, func(p *parsed, parent string) { found = found || want(p, parent) })
	assert.True(t, found, "%s: %q accepted but not rendered:\n%s", key, value, conf)
}

// FuzzRedirects: a hostile value of any redirect or forwarding key, judged
// by lib and rendered, never adds a directive; a path lib serves carries
// exactly the value it asked for, as one argument of its directive.
func FuzzRedirects(f *testing.F) {
	for i, k := range redirectKeys {
		f.Add(uint8(i), k.good)
		for _, h := range hostile {
			f.Add(uint8(i), k.good+h)
			f.Add(uint8(i), h+k.good)
		}
	}
	f.Add(uint8(0), "https://evil.example.com/$request_uri;return 200 x")
	f.Add(uint8(4), "serviceName=backend rewrite=/a;serviceName=other rewrite=/b")
	f.Fuzz(func(t *testing.T, k uint8, value string) {
		if len(value) > 300 {
			return
		}
		rk := redirectKeys[int(k)%len(redirectKeys)]
		w, ing := fuzzBase(t)
		ing.Annotations[rk.key] = value
		ok, m, conf := buildInjection(t, w, ing)
		if value == rk.good {
			require.True(t, ok, "%s: %q refused", rk.key, value)
		}
		if ok && len(servedLocations(t, m, ok)) > 0 {
			assertRedirectRendered(t, conf, rk.key, value)
		}
	})
}

// headerKeys are the response header annotations of both dialects, the
// directive each renders to in a location ("": none to look for, as the
// value may turn it off), and headerValues values of theirs that agree.
var (
	headerKeys = []struct{ key, directive string }{
		{"nginx.ingress.kubernetes.io/enable-cors", ""},
		{"nginx.ingress.kubernetes.io/cors-allow-origin", "add_header"},
		{"nginx.ingress.kubernetes.io/cors-allow-methods", "add_header"},
		{"nginx.ingress.kubernetes.io/cors-allow-headers", "add_header"},
		{"nginx.ingress.kubernetes.io/cors-expose-headers", "add_header"},
		{"nginx.ingress.kubernetes.io/cors-allow-credentials", ""},
		{"nginx.ingress.kubernetes.io/cors-max-age", "add_header"},
		{"nginx.ingress.kubernetes.io/proxy-redirect-from", "proxy_redirect"},
		{"nginx.ingress.kubernetes.io/proxy-redirect-to", "proxy_redirect"},
		{"nginx.org/add-header", "add_header"},
		{"nginx.org/add-header-inherit", ""},
		{"nginx.org/proxy-hide-headers", "proxy_hide_header"},
		{"nginx.org/proxy-pass-headers", "proxy_pass_header"},
		{"nginx.org/server-tokens", ""},
		{"nginx.org/proxy-redirect-from", "proxy_redirect"},
		{"nginx.org/proxy-redirect-to", "proxy_redirect"},
		{"nginx.org/proxy-set-headers", "proxy_set_header"},
	}
	headerValues = []string{"true", "https://app.example.com, https://*.example.org:8443", "GET, POST", "X-Token, Content-Type",
		"X-Total-Count", "true", "600", "http://backend:8080/", "/app/",
		"X-Frame-Options: DENY, Content-Security-Policy: default-src 'self'; img-src *: always", "on",
		"X-Powered-By", "X-Accel-Expires", "True", "http://backend:8080/", "/app/", `X-Tenant: blue, X-Note: say "hi" ok`}
)

// withHeaders sets headerKeys to values.
func withHeaders(ing *networkingv1.Ingress, values []string) {
	for i, k := range headerKeys {
		ing.Annotations[k.key] = values[i]
	}
}

var (
	tokenArg    = regexp.MustCompile("^[A-Za-z0-9!#%&'*+.^_`|~-]+$")
	authCopyArg = regexp.MustCompile(`^\$portcullis_auth_[0-9]+$`)
	// internalHeaderArg are the headers with variables that portcullis's
	// internal locations send: to an authentication service, to a default
	// backend answering an error.
	internalHeaderArg = regexp.MustCompile(`^X-(Original-(URI|Method|URL)|Format)$`)
	corsVarArg        = regexp.MustCompile(`^\$portcullis_(cors|corscred|corsexpose|corspre|hsts)_[0-9a-f]{16}$`)
	originKeyArg      = regexp.MustCompile(`^~\*\^[a-z0-9\\+.-]+://(\[a-z0-9-\]\+\\\.)?[A-Za-z0-9\\.-]+(:[0-9]{1,5})?\$$`)
)

// checkHeaderArgs holds the response header directives of a rendered
// configuration to their shapes: a header name is a token; a value is
// portcullis's own variable or printable text without "$"; proxy_redirect
// has no "$", white space or leading "~"; an Origin map's keys are anchored
// origins.
func checkHeaderArgs(t testing.TB, conf []byte) {
	t.Helper()
	back, err := parseConf(conf)
	require.NoError(t, err)
	walkParsed(back, func(p *parsed, parent string) {
		switch p.name {
		case "add_header":
			require.GreaterOrEqual(t, len(p.args), 2)
			require.Regexp(t, tokenArg, p.args[0])
			if !corsVarArg.MatchString(p.args[1]) {
				require.NotContains(t, p.args[1], "$")
				require.Regexp(t, `^[ -~]+$`, p.args[1])
			}
			if len(p.args) == 3 {
				require.Equal(t, "always", p.args[2])
			}
		case "proxy_set_header", "grpc_set_header":
			// A token name; a value with "$" only on portcullis's own
			// headers (the reserved ones, an authentication service's
			// answer, the internal locations'), any other value printable
			// text: an Ingress's header can never carry a variable.
			require.Len(t, p.args, 2)
			require.Regexp(t, tokenArg, p.args[0])
			if strings.Contains(p.args[1], "$") {
				require.True(t, grammar.ReservedRequestHeader(p.args[0]) != "" || authCopyArg.MatchString(p.args[1]) || internalHeaderArg.MatchString(p.args[0]),
					"%s %s %q: a variable in a header portcullis does not own", p.name, p.args[0], p.args[1])
				return
			}
			require.Regexp(t, `^[ -~]*$`, p.args[1])
		case "proxy_hide_header", "proxy_pass_header", "grpc_hide_header", "grpc_pass_header":
			require.Len(t, p.args, 1)
			require.Regexp(t, tokenArg, p.args[0])
		case "proxy_redirect":
			for _, a := range p.args {
				require.Regexp(t, `^[^$~\s;{}"'\\][^$\s;{}"'\\]*$`, a)
			}
		case "map":
			if len(p.args) == 2 && p.args[0] == "$http_origin" {
				for _, e := range p.children {
					if e.name != "default" {
						require.Regexp(t, originKeyArg, e.name)
						require.Equal(t, []string{"$http_origin"}, e.args)
					}
				}
			}
		}
	})
}

// FuzzHeaders: a hostile value of any response header key, judged by lib
// and rendered, never adds a directive; a path lib serves carries the
// header directive the key asks for, every argument of its kind's shape
// (checkHeaderArgs).
func FuzzHeaders(f *testing.F) {
	for i, v := range headerValues {
		f.Add(uint8(i), v)
		for _, h := range hostile {
			f.Add(uint8(i), v+h)
		}
	}
	f.Add(uint8(1), "https://*.example.org, http://localhost:8080")
	f.Add(uint8(9), `X-Q: say "hi" \o/`)
	f.Fuzz(func(t *testing.T, k uint8, value string) {
		if len(value) > 300 {
			return
		}
		i := int(k) % len(headerKeys)
		hk := headerKeys[i]
		values := slices.Clone(headerValues)
		values[i] = value
		// The two dialects' proxy_redirect agree unless the fuzzed one differs.
		w, ing := fuzzBase(t)
		withHeaders(ing, values)
		ok, m, conf := buildInjection(t, w, ing)
		served := servedLocations(t, m, ok)
		for _, l := range served {
			require.NotNil(t, l.Headers, "a path served without its %s", hk.key)
		}
		n := len(served)
		if value == headerValues[i] {
			require.True(t, ok, "the agreeing values are refused")
		}
		if !ok || n == 0 {
			return
		}
		checkHeaderArgs(t, conf)
		if hk.directive == "" {
			return
		}
		back, err := parseConf(conf)
		require.NoError(t, err)
		found := 0
		walkParsed(back, func(p *parsed, parent string) {
			if p.name == hk.directive && (parent == "location" || parent == "if") {
				found++
			}
		})
		require.NotZero(t, found, "%s: %q accepted but no %s rendered:\n%s", hk.key, value, hk.directive, conf)
	})
}

// fuzzBase is the world the fuzz targets start from: one Ingress lib admits
// as it is (its ciphers exclude anonymous suites), to which each target adds
// the values it fuzzes.
func fuzzBase(t testing.TB) (*world.Static, *networkingv1.Ingress) {
	return injectionWorld(t, "app.example.com", "/api", `CN=(client|admin)\.example\.com`, "https://errors.example.com/x", "backend.example.com", "HIGH:!aNULL", "backend")
}

// servedLocations are the locations m serves; when lib refused the Ingress
// (ok false) there are none, and every path must fail closed.
func servedLocations(t testing.TB, m *dataplane.Model, ok bool) []dataplane.Location {
	t.Helper()
	var out []dataplane.Location
	for _, s := range m.Servers {
		for _, l := range s.Locations {
			switch {
			case !ok:
				require.NotZero(t, l.Status, "a refused Ingress's path is served")
			case l.Status == 0:
				out = append(out, l)
			}
		}
	}
	return out
}

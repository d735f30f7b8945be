//go:build e2e

package nginx

import (
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seed-d040b84d/portcullis/controller/dataplane"
)

// nginxAccepts materializes the model (configuration and files) in a private
// directory and runs the real nginx -t on it. nginx -t binds the listening
// sockets it reads, so they are moved to 127.0.0.1's ports 1 to 3: the
// golden ports (80 on every address) would, for a moment, take port 80 from
// every other process on the machine, such as the HTTP-01 listener of the
// cert-manager tests.
func nginxAccepts(t *testing.T, m *dataplane.Model, o Options) {
	t.Helper()
	o.Address, o.HTTPPort, o.HTTPSPort = "127.0.0.1", 1, 2
	if o.Passthrough {
		o.FallbackPort = 3
	}
	bin, err := FindBinary()
	require.NoError(t, err)
	dir := t.TempDir()
	o.Root, o.Prefix = filepath.Join(dir, "files"), filepath.Join(dir, "run")
	if os.Geteuid() == 0 {
		o.User = "root"
	}
	require.NoError(t, PrivateDir(o.Root))
	require.NoError(t, PrivateDir(o.Prefix))
	require.NoError(t, WriteFiles(o.Root, m.Files))
	conf, err := RenderModel(m, o)
	require.NoError(t, err)
	confPath := filepath.Join(o.Prefix, "nginx.conf")
	require.NoError(t, os.WriteFile(confPath, conf, 0o600))
	out, err := exec.Command(bin, "-t", "-q", "-p", o.Prefix, "-e", filepath.Join(o.Prefix, "error.log"), "-c", confPath).CombinedOutput()
	require.NoError(t, err, "nginx -t: %s\n--- config ---\n%s", out, conf)
}

// TestGoldenNginxAccepts runs nginx -t on every golden case.
func TestGoldenNginxAccepts(t *testing.T) {
	for _, in := range goldenInputs(t) {
		gc := loadCase(t, in)
		t.Run(gc.name, func(t *testing.T) {
			t.Parallel()
			nginxAccepts(t, gc.model, gc.opts)
		})
	}
}

// TestInjectionWorldsNginxAccepts runs nginx -t on hostile worlds: what lib
// accepts nginx accepts too, and what it refuses renders as a refused host.
func TestInjectionWorldsNginxAccepts(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for i := range 30 {
		host, path, svc := mutate(r, "app.example.com"), mutate(r, "/api"), "localhost"
		matchCN := mutate(r, `CN=(client|admin)\.example\.com`)
		w, ing := injectionWorld(t, host, path, matchCN, "https://errors.example.com/x", "backend.example.com", "HIGH:!aNULL", svc)
		withErrorPages(w, ing, errorPagesValues, i%2 == 1)
		if i%3 == 0 {
			path = mutate(r, "/api/(v[0-9]+)/(.*)")
			withRegex(ing, path, "/$2")
		}
		redirect := ""
		if i%3 == 1 {
			k := redirectKeys[(i/3)%len(redirectKeys)]
			redirect = mutate(r, k.good)
			ing.Annotations[k.key] = redirect
			ing.Annotations["nginx.ingress.kubernetes.io/from-to-www-redirect"] = "true"
		}
		_, m, _ := buildInjection(t, w, ing)
		nginxAccepts(t, m, goldenOptions)
		if t.Failed() {
			t.Fatalf("case %d: host %q path %q match-cn %q redirect %q", i, host, path, matchCN, redirect)
		}
	}
}

// regexGrammarShapes are regular-expression paths of every shape the
// bounded grammar accepts.
var regexGrammarShapes = []string{
	"/api/(.*)", "/a{2}/b{1,}/c{0,3}$", "/[[:alpha:]]+/[^/]*", "/(?i)x(?:y|z)?", "/\\d+\\.\\w\\-\\s*\\S\\D\\W",
	"/[a-z0-9._~%-]+", "/x|/y", "/(a)(b)(c)(d)(e)(f)(g)(h)(i)", "/.*", "/a+?b*?c??", "/[]a]", "/[\\]]", "/!@&=,:<>",
}

// TestRegexGrammarNginxAccepts runs nginx -t on regular-expression paths of
// every shape the bounded grammar accepts: what Go's RE2 compiles there, the
// PCRE nginx runs compiles too (docs/reference.md#regex-paths), as a
// location, a rewrite-target's pattern and an nginx.org/rewrites pattern.
func TestRegexGrammarNginxAccepts(t *testing.T) {
	for _, p := range regexGrammarShapes {
		w, ing := injectionWorld(t, "app.example.com", "/api", `CN=(client|admin)\.example\.com`, "https://errors.example.com/x", "backend.example.com", "HIGH:!aNULL", "localhost")
		ing.Annotations["nginx.org/path-regex"] = "case_insensitive"
		ing.Annotations["nginx.org/rewrites"] = "serviceName=localhost rewrite=/r/"
		ing.Spec.Rules[0].HTTP.Paths[0].Path = p
		ok, m, conf := buildInjection(t, w, ing)
		if p == "/(a)(b)(c)(d)(e)(f)(g)(h)(i)" {
			require.False(t, ok, "a rewrite of a path with nine captures is admitted")
			continue
		}
		require.True(t, ok, "the grammar refused %q", p)
		require.Contains(t, string(conf), `rewrite "(?si)^(?:`)
		nginxAccepts(t, m, goldenOptions)
		if t.Failed() {
			t.Fatalf("nginx.org/rewrites on path %q", p)
		}
	}
	for _, p := range regexGrammarShapes {
		w, ing := injectionWorld(t, "app.example.com", "/api", `CN=(client|admin)\.example\.com`, "https://errors.example.com/x", "backend.example.com", "HIGH:!aNULL", "localhost")
		withRegex(ing, p, "/$1")
		if !strings.Contains(p, "(") || p == "/(?i)x(?:y|z)?" { // no capture to refer to
			ing.Annotations["nginx.ingress.kubernetes.io/rewrite-target"] = "/"
		}
		ok, m, _ := buildInjection(t, w, ing)
		require.True(t, ok, "the grammar refused %q", p)
		nginxAccepts(t, m, goldenOptions)
		if t.Failed() {
			t.Fatalf("path %q", p)
		}
	}
}

//go:build e2e

package nginx

import (
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seed-d040b84d/portcullis/controller/dataplane"
)

// nginxAccepts materializes the model (configuration and files) in a private
// directory and runs the real nginx -t on it.
func nginxAccepts(t *testing.T, m *dataplane.Model, o Options) {
	t.Helper()
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
		_, m, _ := buildInjection(t, w, ing)
		nginxAccepts(t, m, goldenOptions)
		if t.Failed() {
			t.Fatalf("case %d: host %q path %q match-cn %q", i, host, path, matchCN)
		}
	}
}

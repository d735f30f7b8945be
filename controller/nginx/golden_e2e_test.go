//go:build e2e

package nginx

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestGoldenNginxAccepts materializes every golden case (configuration and
// files) in a private directory and runs the real nginx -t on it.
func TestGoldenNginxAccepts(t *testing.T) {
	bin, err := FindBinary()
	require.NoError(t, err)
	for _, in := range goldenInputs(t) {
		gc := loadCase(t, in)
		t.Run(gc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			o := gc.opts
			o.Root, o.Prefix = filepath.Join(dir, "files"), filepath.Join(dir, "run")
			if os.Geteuid() == 0 {
				o.User = "root"
			}
			require.NoError(t, PrivateDir(o.Root))
			require.NoError(t, PrivateDir(o.Prefix))
			require.NoError(t, WriteFiles(o.Root, gc.model.Files))
			conf, err := RenderModel(gc.model, o)
			require.NoError(t, err)
			confPath := filepath.Join(o.Prefix, "nginx.conf")
			require.NoError(t, os.WriteFile(confPath, conf, 0o600))
			out, err := exec.Command(bin, "-t", "-q", "-p", o.Prefix, "-e", filepath.Join(o.Prefix, "error.log"), "-c", confPath).CombinedOutput()
			require.NoError(t, err, "nginx -t: %s\n--- config ---\n%s", out, conf)
		})
	}
}

package docgen

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite docs/annotations.md")

// docPath is docs/annotations.md at the module root, found from this file.
func docPath(t *testing.T) string {
	_, file, _, ok := runtime.Caller(0)
	require.True(t, ok)
	return filepath.Join(filepath.Dir(file), "..", "..", "..", "docs", "annotations.md")
}

func TestAnnotationsDocUpToDate(t *testing.T) {
	var buf bytes.Buffer
	require.NoError(t, WriteMarkdown(&buf))
	path := docPath(t)
	if *update {
		require.NoError(t, os.WriteFile(path, buf.Bytes(), 0o644))
		return
	}
	onDisk, err := os.ReadFile(path)
	if err != nil || !bytes.Equal(onDisk, buf.Bytes()) {
		t.Fatal("docs/annotations.md is stale: run `go test ./lib/annotations/... -update`")
	}
}

func TestWriteMarkdownIsDeterministic(t *testing.T) {
	t.Parallel()
	var a, b bytes.Buffer
	require.NoError(t, WriteMarkdown(&a))
	require.NoError(t, WriteMarkdown(&b))
	require.Equal(t, a.String(), b.String())
	require.Contains(t, a.String(), "nginx.ingress.kubernetes.io/auth-tls-verify-client")
	require.Contains(t, a.String(), "nginx.org/redirect-to-https")
	require.Contains(t, a.String(), "cert-manager.io/private-key-size")
	require.Contains(t, a.String(), "`no-tls-redirect-locations`")
	require.Contains(t, a.String(), "`nginx.ingress.kubernetes.io/rewrite-target`")
}

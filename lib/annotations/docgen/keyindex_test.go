package docgen

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed-d040b84d/portcullis/lib/annotations"
)

// guides are the migration guides and the peer whose keys each lists.
var guides = []struct {
	doc, snapshot, peer string
	dialect             annotations.Dialect
}{
	{"migrate-from-ingress-nginx.md", "ingress-nginx-v1.15.txt", "ingress-nginx v1.15", annotations.DialectIngressNginx},
	{"migrate-from-nginx-inc.md", "nginx-ingress-controller.txt", "NGINX Ingress Controller", annotations.DialectNginxOrg},
}

// snapshotKeys reads a peer key snapshot (lib/annotations/testdata/peers).
func snapshotKeys(t *testing.T, name string) []string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "testdata", "peers", name))
	require.NoError(t, err)
	var keys []string
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		if line := strings.TrimSpace(sc.Text()); line != "" && !strings.HasPrefix(line, "#") {
			keys = append(keys, line)
		}
	}
	require.NotEmpty(t, keys)
	return keys
}

// TestMigrationGuidesListEveryKey keeps the key-by-key table of each
// migration guide equal to what the parser does with every key the peer
// documents.
func TestMigrationGuidesListEveryKey(t *testing.T) {
	for _, g := range guides {
		t.Run(g.doc, func(t *testing.T) {
			path := filepath.Join(filepath.Dir(docPath(t)), g.doc)
			doc, err := os.ReadFile(path)
			require.NoError(t, err)
			before, rest, ok := strings.Cut(string(doc), KeyIndexBegin+"\n")
			require.True(t, ok, "%s has no line %s", g.doc, KeyIndexBegin)
			_, after, ok := strings.Cut(rest, KeyIndexEnd)
			require.True(t, ok, "%s has no line %s", g.doc, KeyIndexEnd)
			var index bytes.Buffer
			require.NoError(t, WriteKeyIndex(&index, g.dialect, g.peer, snapshotKeys(t, g.snapshot)))
			want := before + KeyIndexBegin + "\n" + index.String() + KeyIndexEnd + after
			if *update {
				require.NoError(t, os.WriteFile(path, []byte(want), 0o644))
				return
			}
			if want != string(doc) {
				t.Fatalf("docs/%s's key index is stale: run `go test ./lib/annotations/... -update`", g.doc)
			}
		})
	}
}

// TestKeyIndexSaysWhatTheParserDoes: each kind of key gets its own words.
func TestKeyIndexSaysWhatTheParserDoes(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	require.NoError(t, WriteKeyIndex(&buf, annotations.DialectIngressNginx, "ingress-nginx",
		[]string{annotations.DefaultPrefix + "/proxy-body-size", annotations.DefaultPrefix + "/configuration-snippet", annotations.DefaultPrefix + "/made-up"}))
	index := buf.String()
	for _, want := range []string{
		"| `nginx.ingress.kubernetes.io/proxy-body-size` | implemented, path scope ([grammar and default](annotations.md#ingress-nginx-nginxingresskubernetesio)) |",
		"| `nginx.ingress.kubernetes.io/configuration-snippet` | **refused**: " + annotations.MsgSnippet + " |",
		"| `nginx.ingress.kubernetes.io/made-up` | **unknown**: an error |",
		"| `nginx.ingress.kubernetes.io/auth-tls-verify-client` | implemented, host scope ([grammar and default](annotations.md#ingress-nginx-nginxingresskubernetesio)) (not on ingress-nginx's annotations page) |",
	} {
		assert.Contains(t, index, want)
	}
	assert.Regexp(t, "\\| `nginx.ingress.kubernetes.io/affinity` \\| ignored, with the warning \"not implemented", index)
}

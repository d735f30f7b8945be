package annotations

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed-d040b84d/portcullis/lib/findings"
)

// peerKeys reads a snapshot of a peer's annotation keys: one full key a
// line, "#" comments.
func peerKeys(t *testing.T, name string) []string {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "peers", name))
	require.NoError(t, err)
	defer f.Close()
	var keys []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		keys = append(keys, line)
	}
	require.NoError(t, sc.Err())
	require.NotEmpty(t, keys)
	return keys
}

// TestPeerKeysAreKnown holds the tables against the keys ingress-nginx and
// NGINX Ingress Controller document (testdata/peers): each is implemented,
// refused with a reason, or ignored with a warning, never "unknown
// annotation", which reads as a typo (docs/annotations.md).
func TestPeerKeysAreKnown(t *testing.T) {
	t.Parallel()
	for _, snapshot := range []string{"ingress-nginx-v1.15.txt", "nginx-ingress-controller.txt"} {
		t.Run(snapshot, func(t *testing.T) {
			t.Parallel()
			var unknown []string
			for _, key := range peerKeys(t, snapshot) {
				_, _, ok := classify(key, DefaultPrefix)
				require.True(t, ok, "%s: portcullis does not read this prefix", key)
				_, s := Parse(map[string]string{key: "x"}, Options{})
				for _, e := range s.Errors {
					if e.Field == Path(key).String() && strings.HasPrefix(findings.ErrorMessage(e), MsgUnknown) {
						unknown = append(unknown, key)
					}
				}
			}
			assert.Empty(t, unknown, "keys %s documents that lib's tables do not know", snapshot)
		})
	}
}

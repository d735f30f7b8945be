package lint

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestPositions: objects are found at their lines through leading and
// repeated separators, comments, Lists and JSON, counted as the decoder
// counts documents; annotations at their keys.
func TestPositions(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, []byte(content), 0o600))
		return p
	}
	yamlFile := write("a.yaml", `---
# a comment before the first object
apiVersion: v1
kind: Secret
metadata:
  name: first
  namespace: web
---
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: second
  namespace: web
  annotations:
    nginx.ingress.kubernetes.io/ssl-redirect: "True"
    nginx.org/hsts: "true"
spec: {}
--- # a separator with a comment
apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: Secret
  metadata:
    name: third
    namespace: web
- apiVersion: v1
  kind: Secret
  metadata:
    name: fourth
    namespace: web
    annotations:
      x: "y"
`)
	jsonFile := write("b.json", `{
  "apiVersion": "v1",
  "kind": "Secret",
  "metadata": {
    "name": "fifth",
    "annotations": {"k": "v"}
  }
}
`)
	srcs, err := Load([]string{yamlFile, jsonFile})
	require.NoError(t, err)
	lines := map[string]Position{}
	for _, s := range srcs {
		lines[s.Meta.GetName()] = s.Position
	}
	require.Len(t, lines, 5)
	assert.Equal(t, 3, lines["first"].Line)
	assert.Equal(t, 10, lines["second"].Line)
	assert.Equal(t, 16, lines["second"].LineOf("metadata.annotations[nginx.ingress.kubernetes.io/ssl-redirect]"))
	assert.Equal(t, 17, lines["second"].LineOf("metadata.annotations[nginx.org/hsts]"))
	assert.Equal(t, 10, lines["second"].LineOf("spec.rules[0].host"))
	assert.Equal(t, 10, lines["second"].LineOf("metadata.annotations[not-there]"))
	assert.Equal(t, 23, lines["third"].Line)
	assert.Equal(t, 28, lines["fourth"].Line)
	assert.Equal(t, 34, lines["fourth"].LineOf("metadata.annotations[x]"))
	assert.Equal(t, 1, lines["fifth"].Line)
	assert.Equal(t, 6, lines["fifth"].LineOf("metadata.annotations[k]"))
}

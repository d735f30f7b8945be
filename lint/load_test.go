package lint

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// ingressYAML is a minimal Ingress of ours named name.
func ingressYAML(name string) string {
	return `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: ` + name + `
spec:
  ingressClassName: portcullis
  rules:
  - host: ` + name + `.example.com
    http:
      paths:
      - path: /
        pathType: Prefix
        backend:
          service:
            name: web
            port:
              number: 80
`
}

// writeFiles creates files (path relative to dir → content) and returns dir.
func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
	}
	return dir
}

// names lists namespace/name (and the file, relative to dir) of each source.
func names(t *testing.T, dir string, srcs []Source) []string {
	t.Helper()
	out := make([]string, 0, len(srcs))
	for _, s := range srcs {
		rel, err := filepath.Rel(dir, s.File)
		require.NoError(t, err)
		out = append(out, filepath.ToSlash(rel)+":"+s.Meta.GetNamespace()+"/"+s.Meta.GetName())
	}
	return out
}

func TestLoadFiles(t *testing.T) {
	t.Parallel()
	dir := writeFiles(t, map[string]string{
		"b.yaml": ingressYAML("b1") + "---\n" + ingressYAML("b2"),
		"a.txt":  ingressYAML("a"), // named explicitly: read whatever its extension
	})
	srcs, err := Load([]string{filepath.Join(dir, "b.yaml"), filepath.Join(dir, "a.txt")})
	require.NoError(t, err)
	assert.Equal(t, []string{"b.yaml:default/b1", "b.yaml:default/b2", "a.txt:default/a"}, names(t, dir, srcs),
		"files in the order named, documents in file order; no namespace means default")
	for _, s := range srcs {
		assert.Equal(t, "Ingress", s.GVK.Kind)
		assert.NotNil(t, s.Typed)
	}
}

func TestLoadDirectoryWalksSorted(t *testing.T) {
	t.Parallel()
	dir := writeFiles(t, map[string]string{
		"z.yaml":          ingressYAML("z"),
		"m.yml":           ingressYAML("m"),
		"a.json":          `{"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": {"name": "a", "namespace": "shop"}}`,
		"sub/b.yaml":      ingressYAML("sub-b"),
		"sub/deep/c.YAML": ingressYAML("deep-c"),
		"README.md":       "not yaml: [",
		"notes.txt":       "not yaml either: [",
		"sub/script.sh":   "#!/bin/sh\n",
	})
	srcs, err := Load([]string{dir})
	require.NoError(t, err)
	assert.Equal(t, []string{
		"a.json:shop/a",
		"m.yml:default/m",
		"sub/b.yaml:default/sub-b",
		"sub/deep/c.YAML:default/deep-c",
		"z.yaml:default/z",
	}, names(t, dir, srcs), "only .yaml, .yml and .json files (any case), in lexical order, recursively")
}

func TestLoadSeveralArguments(t *testing.T) {
	t.Parallel()
	dir := writeFiles(t, map[string]string{
		"d/2.yaml": ingressYAML("two"),
		"d/1.yaml": ingressYAML("one"),
		"f.yaml":   ingressYAML("file"),
	})
	srcs, err := Load([]string{filepath.Join(dir, "f.yaml"), filepath.Join(dir, "d")})
	require.NoError(t, err)
	assert.Equal(t, []string{"f.yaml:default/file", "d/1.yaml:default/one", "d/2.yaml:default/two"}, names(t, dir, srcs),
		"arguments in the order given, each directory sorted")
}

func TestLoadEmptyDirectory(t *testing.T) {
	t.Parallel()
	srcs, err := Load([]string{t.TempDir()})
	require.NoError(t, err)
	assert.Empty(t, srcs)
}

func TestLoadErrorsAreInputErrors(t *testing.T) {
	t.Parallel()
	dir := writeFiles(t, map[string]string{
		"broken.yaml":  ingressYAML("ok") + "---\nkind: [unterminated\n",
		"strict.yaml":  "apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\nsecretname: typo\n",
		"scalar.yaml":  "just a string\n",
		"dir/ok.yaml":  ingressYAML("ok"),
		"dir/bad.yaml": "apiVersion: v1\nkind: Secret\nmetadata: [\n",
	})
	cases := []struct {
		name, path, contains string
	}{
		{"missing file", "no-such.yaml", "no-such.yaml"},
		{"YAML syntax error", "broken.yaml", "broken.yaml: document 2"},
		{"unknown field (strict decoding)", "strict.yaml", "strict.yaml"},
		{"not a Kubernetes object", "scalar.yaml", "scalar.yaml"},
		{"bad file inside a directory", "dir", "bad.yaml"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			srcs, err := Load([]string{filepath.Join(dir, c.path)})
			require.Error(t, err)
			assert.Nil(t, srcs, "nothing is judged when any input is unreadable")
			var ie *InputError
			assert.True(t, errors.As(err, &ie), "an unreadable input is an *InputError (exit code 2), got %T", err)
			assert.Contains(t, err.Error(), c.contains)
		})
	}
}

package webhook

import (
	"bytes"
	"encoding/json"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	admissionv1 "k8s.io/api/admission/v1"
)

const module = "github.com/seed-d040b84d/portcullis"

// TestNoProjectCodeTheWebhookRunsCanExecute: none of portcullis's own
// packages that the webhook depends on imports os/exec, so no verdict can
// run a program (ingress-nginx's CVE-2025-1974 came from a webhook running
// nginx -t). Third-party code (client-go's credential plugins) is not ours
// to change and is not on the admission path.
func TestNoProjectCodeTheWebhookRunsCanExecute(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-json=ImportPath,Imports", ".").Output()
	require.NoError(t, err)
	dec := json.NewDecoder(bytes.NewReader(out))
	var ours []string
	for dec.More() {
		var p struct {
			ImportPath string
			Imports    []string
		}
		require.NoError(t, dec.Decode(&p))
		if !strings.HasPrefix(p.ImportPath, module) {
			continue
		}
		ours = append(ours, p.ImportPath)
		for _, imp := range p.Imports {
			assert.NotEqual(t, "os/exec", imp, "%s imports os/exec", p.ImportPath)
		}
	}
	assert.Contains(t, ours, module+"/lib/validate")
	assert.Contains(t, ours, module+"/policies")
}

// snapshot lists the files under dir with their sizes and modes.
func snapshot(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	_ = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil // a directory that vanished under another process
		}
		if info, err := d.Info(); err == nil {
			out = append(out, path+" "+info.Mode().String()+" "+info.ModTime().String())
		}
		return nil
	})
	sort.Strings(out)
	return out
}

// TestHandlersWriteNothing runs every handler on every seed body, and checks
// that the working directory and the temporary directory are unchanged:
// the webhook has no side effects, so sideEffects: None is true.
func TestHandlersWriteNothing(t *testing.T) {
	wd, err := os.Getwd()
	require.NoError(t, err)
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp) // a temporary directory of its own: nothing else writes there
	before := snapshot(t, wd)
	h := staticHandlers()
	seeds, err := filepath.Glob(filepath.Join("testdata", "fuzz", "FuzzAdmissionReview", "*"))
	require.NoError(t, err)
	require.NotEmpty(t, seeds)
	bodies := [][]byte{review(t, admissionv1.Create, ingressKind, ingress(map[string]string{"nginx.ingress.kubernetes.io/ssl-redirect": "True"}))}
	for _, s := range seeds {
		raw, err := os.ReadFile(s)
		require.NoError(t, err)
		lines := strings.SplitN(string(raw), "\n", 3)
		body := strings.TrimSuffix(strings.TrimPrefix(lines[1], "[]byte("), ")")
		unq, err := unquote(body)
		require.NoError(t, err, s)
		bodies = append(bodies, []byte(unq))
	}
	for path := range h.Webhooks() {
		for _, b := range bodies {
			rec, _ := post(t, h, path, b)
			assert.Equal(t, 200, rec.Code)
		}
	}
	assert.Equal(t, before, snapshot(t, wd), "the working directory changed")
	left, err := os.ReadDir(tmp)
	require.NoError(t, err)
	assert.Empty(t, left, "a handler wrote to the temporary directory")
}

// unquote reads a Go string literal as the fuzz corpus files hold it.
func unquote(s string) (string, error) { return strconv.Unquote(s) }

// Package install renders manifests/install.yaml from the kustomization in
// this directory: every resource in order, directories through their own
// kustomization.yaml, so `kubectl apply -f manifests/install.yaml` and
// `kubectl apply -k manifests/install` install the same objects.
package install

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"
)

// kustomization is the part of kustomization.yaml the renderer follows; a
// base here uses resources only (overlays with patches are applied with
// kubectl apply -k).
type kustomization struct {
	APIVersion string   `json:"apiVersion"`
	Kind       string   `json:"kind"`
	Resources  []string `json:"resources"`
}

// Render concatenates the resources of the kustomization in dir.
func Render(dir string) ([]byte, error) {
	var out bytes.Buffer
	if err := render(dir, &out, map[string]bool{}); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

func render(dir string, out *bytes.Buffer, seen map[string]bool) error {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	if seen[abs] {
		return fmt.Errorf("%s is included twice", dir)
	}
	seen[abs] = true
	raw, err := os.ReadFile(filepath.Join(dir, "kustomization.yaml"))
	if err != nil {
		return err
	}
	var k kustomization
	if err := yaml.UnmarshalStrict(raw, &k); err != nil {
		return fmt.Errorf("%s/kustomization.yaml: %w (only resources are supported here)", dir, err)
	}
	for _, r := range k.Resources {
		p := filepath.Join(dir, r)
		fi, err := os.Stat(p)
		if err != nil {
			return fmt.Errorf("%s/kustomization.yaml lists %s: %w", dir, r, err)
		}
		if fi.IsDir() {
			if err := render(p, out, seen); err != nil {
				return err
			}
			continue
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		for _, doc := range strings.Split(string(b), "\n---\n") {
			if strings.TrimSpace(stripComments(doc)) == "" {
				continue
			}
			out.WriteString("---\n")
			out.WriteString(strings.TrimRight(doc, "\n"))
			out.WriteString("\n")
		}
	}
	return nil
}

// stripComments drops comment-only lines, to spot empty documents.
func stripComments(doc string) string {
	var keep []string
	for _, l := range strings.Split(doc, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(l), "#") {
			keep = append(keep, l)
		}
	}
	return strings.Join(keep, "\n")
}

// Objects decodes a rendered install.yaml into objects.
func Objects(rendered []byte) ([]*unstructured.Unstructured, error) {
	var out []*unstructured.Unstructured
	for _, doc := range bytes.Split(rendered, []byte("\n---\n")) {
		var m map[string]any
		if err := yaml.Unmarshal(doc, &m); err != nil {
			return nil, err
		}
		if len(m) == 0 {
			continue
		}
		out = append(out, &unstructured.Unstructured{Object: m})
	}
	return out, nil
}

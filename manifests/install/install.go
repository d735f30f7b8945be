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

	jsonpatch "github.com/evanphx/json-patch/v5"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"
)

// kustomization is the part of kustomization.yaml the renderer follows:
// resources, and patches in JSON 6902 form aimed at one kind and name (what
// kubectl apply -k does with them; any other field is refused).
type kustomization struct {
	APIVersion string   `json:"apiVersion"`
	Kind       string   `json:"kind"`
	Resources  []string `json:"resources"`
	Patches    []struct {
		Target struct {
			Kind string `json:"kind"`
			Name string `json:"name"`
		} `json:"target"`
		Patch string `json:"patch"`
	} `json:"patches"`
}

// Render concatenates the resources of the kustomization in dir, with its
// patches applied.
func Render(dir string) ([]byte, error) {
	docs, err := render(dir, map[string]bool{})
	if err != nil {
		return nil, err
	}
	var out bytes.Buffer
	for _, doc := range docs {
		out.WriteString("---\n")
		out.WriteString(strings.TrimRight(doc, "\n"))
		out.WriteString("\n")
	}
	return out.Bytes(), nil
}

func render(dir string, seen map[string]bool) ([]string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	if seen[abs] {
		return nil, fmt.Errorf("%s is included twice", dir)
	}
	seen[abs] = true
	raw, err := os.ReadFile(filepath.Join(dir, "kustomization.yaml"))
	if err != nil {
		return nil, err
	}
	var k kustomization
	if err := yaml.UnmarshalStrict(raw, &k); err != nil {
		return nil, fmt.Errorf("%s/kustomization.yaml: %w (only resources and JSON 6902 patches are supported here)", dir, err)
	}
	var docs []string
	for _, r := range k.Resources {
		p := filepath.Join(dir, r)
		fi, err := os.Stat(p)
		if err != nil {
			return nil, fmt.Errorf("%s/kustomization.yaml lists %s: %w", dir, r, err)
		}
		if fi.IsDir() {
			sub, err := render(p, seen)
			if err != nil {
				return nil, err
			}
			docs = append(docs, sub...)
			continue
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		for _, doc := range strings.Split(string(b), "\n---\n") {
			if strings.TrimSpace(stripComments(doc)) != "" {
				docs = append(docs, doc)
			}
		}
	}
	for i, p := range k.Patches {
		ops, err := yaml.YAMLToJSON([]byte(p.Patch))
		if err != nil {
			return nil, fmt.Errorf("%s/kustomization.yaml patches[%d]: %w", dir, i, err)
		}
		patch, err := jsonpatch.DecodePatch(ops)
		if err != nil {
			return nil, fmt.Errorf("%s/kustomization.yaml patches[%d]: %w", dir, i, err)
		}
		matched := false
		for j, doc := range docs {
			var head struct {
				Kind     string `json:"kind"`
				Metadata struct {
					Name string `json:"name"`
				} `json:"metadata"`
			}
			if err := yaml.Unmarshal([]byte(doc), &head); err != nil {
				return nil, err
			}
			if head.Kind != p.Target.Kind || head.Metadata.Name != p.Target.Name {
				continue
			}
			matched = true
			obj, err := yaml.YAMLToJSON([]byte(doc))
			if err != nil {
				return nil, err
			}
			if obj, err = patch.Apply(obj); err != nil {
				return nil, fmt.Errorf("%s/kustomization.yaml patches[%d] on %s %s: %w", dir, i, p.Target.Kind, p.Target.Name, err)
			}
			y, err := yaml.JSONToYAML(obj)
			if err != nil {
				return nil, err
			}
			docs[j] = string(y)
		}
		if !matched {
			return nil, fmt.Errorf("%s/kustomization.yaml patches[%d]: no %s %s among the resources", dir, i, p.Target.Kind, p.Target.Name)
		}
	}
	return docs, nil
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

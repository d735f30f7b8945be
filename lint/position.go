package lint

import (
	"bytes"
	"strings"

	yaml "go.yaml.in/yaml/v3"
)

// Position is where an object is in its file, for output formats that
// point at lines (SARIF, GitHub annotations): the line of the object and of
// each of its annotations, 1-based; 0 when unknown.
type Position struct {
	Line        int
	Annotations map[string]int
}

// LineOf is the line of a finding on field: its annotation's for a field
// metadata.annotations[key], the object's otherwise.
func (p Position) LineOf(field string) int {
	if key, ok := strings.CutPrefix(field, "metadata.annotations["); ok {
		if key, ok = strings.CutSuffix(key, "]"); ok && p.Annotations[key] > 0 {
			return p.Annotations[key]
		}
	}
	return p.Line
}

// positions finds each object of a file: by document (1-based, counted as
// the decoder counts them: YAML documents split at "---" lines, or one JSON
// document), then, in a List, by namespace and name. It never fails: what it
// cannot place gets line 0.
func positions(content []byte) func(doc int, namespace, name string) Position {
	starts := documentStarts(content)
	return func(doc int, namespace, name string) Position {
		if doc < 1 || doc > len(starts) {
			return Position{}
		}
		start := starts[doc-1]
		end := len(content)
		if doc < len(starts) {
			end = starts[doc].offset
		}
		// The separator line before the next document is not this one's.
		if i := bytes.LastIndex(content[start.offset:end], []byte("\n---")); i >= 0 && doc < len(starts) {
			end = start.offset + i + 1
		}
		var root yaml.Node
		if err := yaml.Unmarshal(content[start.offset:end], &root); err != nil || len(root.Content) == 0 {
			return Position{Line: start.line}
		}
		obj := root.Content[0]
		if items := child(obj, "items"); items != nil && items.Kind == yaml.SequenceNode {
			for _, it := range items.Content {
				meta := child(it, "metadata")
				if scalar(child(meta, "name")) == name && (scalar(child(meta, "namespace")) == namespace || scalar(child(meta, "namespace")) == "") {
					obj = it
					break
				}
			}
		}
		p := Position{Line: start.line + obj.Line - 1, Annotations: map[string]int{}}
		if ann := child(child(obj, "metadata"), "annotations"); ann != nil && ann.Kind == yaml.MappingNode {
			for i := 0; i+1 < len(ann.Content); i += 2 {
				p.Annotations[ann.Content[i].Value] = start.line + ann.Content[i].Line - 1
			}
		}
		return p
	}
}

type docStart struct{ offset, line int }

// documentStarts are the byte offset and 1-based line where each document
// begins. A YAML stream splits at lines that begin with "---" followed by
// nothing but blanks or a comment, as Kubernetes' YAML reader splits it; a
// stream that begins with "{" or "[" is one JSON document.
func documentStarts(content []byte) []docStart {
	if t := bytes.TrimLeft(content, " \t\r\n"); len(t) > 0 && (t[0] == '{' || t[0] == '[') {
		return []docStart{{0, 1}}
	}
	// A document is the lines between separators; one with no line at all
	// (a separator first in the file, or two in a row) is not counted.
	var out []docStart
	cur, empty := docStart{0, 1}, true
	offset := 0
	for n, line := range bytes.SplitAfter(content, []byte("\n")) {
		if len(line) == 0 {
			break
		}
		offset += len(line)
		if rest, ok := bytes.CutPrefix(line, []byte("---")); ok {
			if r := bytes.TrimSpace(rest); len(r) == 0 || r[0] == '#' {
				if !empty {
					out = append(out, cur)
				}
				cur, empty = docStart{offset, n + 2}, true
				continue
			}
		}
		empty = false
	}
	if !empty {
		out = append(out, cur)
	}
	return out
}

// child is the value of key in a mapping node, nil when there is none.
func child(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

func scalar(n *yaml.Node) string {
	if n == nil || n.Kind != yaml.ScalarNode {
		return ""
	}
	return n.Value
}

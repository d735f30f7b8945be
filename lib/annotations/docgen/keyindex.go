package docgen

import (
	"bufio"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/seed-d040b84d/portcullis/lib/annotations"
)

// Markers delimit the key index in a migration guide; WriteKeyIndex writes
// what goes between them.
const (
	KeyIndexBegin = "<!-- BEGIN key index: generated from lib/annotations by `go test ./lib/annotations/... -update`; do not edit. -->"
	KeyIndexEnd   = "<!-- END key index -->"
)

// WriteKeyIndex writes a migration guide's key-by-key table for dialect d:
// every key the other controller documents (documented, full keys) and
// every key of d's table, each with what portcullis does with it.
// Keys are full keys.
func WriteKeyIndex(w io.Writer, d annotations.Dialect, peer string, documented []string) error {
	t := annotations.TableFor(d)
	full := func(k string) string {
		if d == annotations.DialectIngressNginx {
			return annotations.DefaultPrefix + "/" + k
		}
		return k
	}
	short := func(k string) string {
		if d == annotations.DialectIngressNginx {
			return strings.TrimPrefix(k, annotations.DefaultPrefix+"/")
		}
		return k
	}
	keys := slices.Clone(documented)
	for _, r := range t.Rows {
		keys = append(keys, full(r.Key))
	}
	for _, k := range t.NotImplemented {
		keys = append(keys, full(k.Key))
	}
	for _, k := range t.Snippets {
		keys = append(keys, full(k))
	}
	slices.Sort(keys)
	keys = slices.Compact(keys)

	b := bufio.NewWriter(w)
	p := func(format string, args ...any) { fmt.Fprintf(b, format, args...) }
	p("| key | in portcullis |\n|---|---|\n")
	anchor := "annotations.md#" + headingSlug(t.Title)
	for _, k := range keys {
		status := keyStatus(t, short(k), anchor)
		if !slices.Contains(documented, k) {
			status += fmt.Sprintf(" (not on %s's annotations page)", peer)
		}
		p("| `%s` | %s |\n", k, cell(status))
	}
	return b.Flush()
}

// keyStatus says what portcullis does with key (relative to the table's
// prefix for ingress-nginx), the way the parser decides it.
func keyStatus(t *annotations.Table, key, anchor string) string {
	if r, ok := t.Row(key); ok {
		return fmt.Sprintf("implemented, %s scope ([grammar and default](%s))", r.Scope, anchor)
	}
	if annotations.IsSnippetKey(t, key) {
		return "**refused**: " + annotations.MsgSnippet
	}
	for _, k := range t.NotImplemented {
		if k.Key != key {
			continue
		}
		switch {
		case k.Deny:
			return "**refused**: " + k.Hint
		case k.Hint != "":
			return "ignored, with a warning: " + k.Hint
		}
		return "ignored, with the warning " + fmt.Sprintf("%q", annotations.MsgNotImplemented)
	}
	return "**unknown**: an error"
}

// headingSlug is the anchor a markdown renderer gives a heading.
func headingSlug(text string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(text) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '-', r == '_':
			b.WriteRune(r)
		case r == ' ':
			b.WriteByte('-')
		}
	}
	return b.String()
}

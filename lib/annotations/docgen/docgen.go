// Package docgen renders docs/annotations.md from the annotation tables
// (lib/annotations) and the ConfigMap table (lib/config), so the reference a
// user reads is the one the parser runs.
package docgen

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/seed-d040b84d/portcullis/lib/annotations"
	"github.com/seed-d040b84d/portcullis/lib/config"
)

// WriteMarkdown writes docs/annotations.md.
func WriteMarkdown(w io.Writer) error {
	b := bufio.NewWriter(w)
	p := func(format string, args ...any) { fmt.Fprintf(b, format, args...) }

	p("# Annotations and ConfigMap keys\n\n")
	p("<!-- Generated from lib/annotations and lib/config by `go test ./lib/annotations/... -update`; do not edit. -->\n\n")
	p("portcullis reads three annotation dialects on an Ingress — ingress-nginx's, NGINX Inc's and cert-manager's — ")
	p("and one global ConfigMap. Every value is checked against the grammar below: a value that does not match is an ")
	p("error (the webhook denies the object and `portcullis lint` reports it), never a silent fallback. ")
	p("Under a dialect's prefix, an unknown key is an error that names the closest known key (by spelling, else the ")
	p("keys that contain all its words, `ssl` and `tls` alike: `ssl-verify` suggests `proxy-ssl-verify`), a key of raw nginx ")
	p("configuration (`*-snippet`) is always an error, and a key the other controller knows but portcullis does not ")
	p("implement is admitted with a warning. Keys under other prefixes are ignored. Where an ingress-nginx and an ")
	p("NGINX Inc annotation on the same Ingress set the same thing to different values, that is an error naming both.\n\n")
	p("Scope: **host** settings apply to every path of the hosts the Ingress names, **path** settings to this Ingress's ")
	p("paths (its backends), **ingress** settings to the Ingress as a whole.\n\n")

	for _, t := range annotations.Tables() {
		writeTable(p, t)
	}
	writeConfig(p)
	writeNamespaceAnnotations(p)
	return b.Flush()
}

func writeTable(p func(string, ...any), t *annotations.Table) {
	full := func(k string) string {
		if t.Dialect == annotations.DialectIngressNginx {
			return annotations.DefaultPrefix + "/" + k
		}
		return k
	}
	p("## %s\n\n%s\n\n", t.Title, t.Intro)
	p("| key | grammar | default | scope | description |\n|---|---|---|---|---|\n")
	for _, r := range t.Rows {
		def := r.Default
		if def == "" {
			def = "—"
		}
		p("| `%s` | %s | %s | %s | %s |\n", full(r.Key), plain(r.Value.GrammarName()), cell(def), r.Scope, cell(r.Doc))
	}
	p("\n")
	if len(t.Snippets) > 0 {
		p("**Refused: raw nginx configuration.** ")
		keys := make([]string, len(t.Snippets))
		for i, k := range t.Snippets {
			keys[i] = "`" + full(k) + "`"
		}
		p("%s and any other key ending in `-snippet` or `-snippets` under the prefix are errors: %q.\n\n",
			strings.Join(keys, ", "), annotations.MsgSnippet)
	}
	if len(t.NotImplemented) > 0 {
		var plain, special []string
		for _, k := range t.NotImplemented {
			switch {
			case k.Deny:
				special = append(special, fmt.Sprintf("- `%s` — **error**: %s", full(k.Key), k.Hint))
			case k.Hint != "":
				special = append(special, fmt.Sprintf("- `%s` — warning: %s", full(k.Key), k.Hint))
			default:
				plain = append(plain, "`"+full(k.Key)+"`")
			}
		}
		p("**Recognised, not implemented** (admitted with the warning %q): %s.\n\n", annotations.MsgNotImplemented, strings.Join(plain, ", "))
		if len(special) > 0 {
			p("%s\n\n", strings.Join(special, "\n"))
		}
	}
}

func writeConfig(p func(string, ...any)) {
	p("## Global ConfigMap (`--configmap`, default `portcullis-system/portcullis`)\n\n")
	p("Keys follow ingress-nginx's names and defaults unless noted. An unknown key or a bad value makes the webhook ")
	p("deny the ConfigMap (naming the closest known key); a controller that meets one anyway keeps its last good ")
	p("configuration. Keys ending in `-snippet` and `allow-snippet-annotations` are refused: %s.\n\n", config.MsgSnippet)
	p("| key | grammar | default | description |\n|---|---|---|---|\n")
	for _, r := range config.Table() {
		def := r.Default
		switch {
		case def == "":
			def = "—"
		case len(def) > 40:
			def = "ingress-nginx's list (see below)"
		}
		p("| `%s` | %s | %s | %s |\n", r.Key, plain(r.Value.GrammarName()), cell(codeIfBare(def)), cell(r.Doc))
	}
	p("\nDefault `ssl-ciphers`: `%s`.\n", config.DefaultSSLCiphers)
}

// codeIfBare formats a literal default value as code.
func codeIfBare(s string) string {
	if s == "—" || strings.Contains(s, " ") {
		return s
	}
	return "`" + s + "`"
}

// cell escapes a table cell: pipes would end it, newlines would end the row.
func cell(s string) string {
	s = strings.ReplaceAll(s, "|", `\|`)
	return strings.ReplaceAll(s, "\n", " ")
}

// plain escapes text that is not markdown: pipes, angle brackets (HTML) and
// asterisks (emphasis).
func plain(s string) string {
	return cell(strings.NewReplacer("<", "&lt;", ">", "&gt;", "*", `\*`).Replace(s))
}

func writeNamespaceAnnotations(p func(string, ...any)) {
	p("\n## Namespace annotations\n\n")
	p("Read on the Namespace object; like every other value, a bad one is never a silent default.\n\n")
	p("| key | grammar | description |\n|---|---|---|\n")
	for _, a := range config.NamespaceAnnotations() {
		p("| `%s` | %s | %s |\n", a.Key, plain(a.Grammar), cell(a.Doc))
	}
}

package annotations

import (
	"strings"

	"github.com/seed-d040b84d/portcullis/lib/annotations/grammar"
)

// Dialect is one family of annotations.
type Dialect int

const (
	DialectIngressNginx Dialect = iota // nginx.ingress.kubernetes.io/ (configurable)
	DialectNginxOrg                    // nginx.org/, nginx.com/, ingress.kubernetes.io/ssl-redirect
	DialectCertManager                 // cert-manager.io/, acme.cert-manager.io/, kubernetes.io/tls-acme
)

func (d Dialect) String() string {
	switch d {
	case DialectIngressNginx:
		return "ingress-nginx"
	case DialectNginxOrg:
		return "NGINX Inc"
	case DialectCertManager:
		return "cert-manager"
	}
	return "unknown"
}

// Scope is what an annotation's setting applies to.
type Scope string

const (
	ScopeHost    Scope = "host"    // every path of the hosts the Ingress names
	ScopePath    Scope = "path"    // the paths (backends) of this Ingress
	ScopeIngress Scope = "ingress" // the Ingress as a whole (certificates, references)
)

// Row is one annotation portcullis implements.
type Row struct {
	// Key is the part after the prefix for ingress-nginx, the full key otherwise.
	Key     string
	Default string // for the docs; "" = none
	Scope   Scope
	Doc     string
	// Value parses the annotation and stores it in Parsed.
	Value grammar.Field[Parsed]
	// Examples are accepted and refused values; the tests run every one of them.
	Examples Examples
}

// Examples are sample values of a row, kept with the row so that no row can
// exist without them.
type Examples struct {
	Good []string
	Bad  []Refusal
	// With are other annotations (full keys) the examples need, e.g. the
	// nginx.org/hsts that nginx.org/hsts-max-age requires.
	With map[string]string
}

// Refusal is a refused example value and a substring of its message.
type Refusal struct {
	Value   string
	Message string
}

func good(v ...string) []string { return v }

func bad(pairs ...string) []Refusal {
	out := make([]Refusal, 0, len(pairs)/2)
	for i := 0; i+1 < len(pairs); i += 2 {
		out = append(out, Refusal{Value: pairs[i], Message: pairs[i+1]})
	}
	return out
}

// Known is an annotation of the other controller (or of cert-manager, on other
// objects) that portcullis recognises but does not implement.
type Known struct {
	Key string // same convention as Row.Key
	// Hint says what to use instead, when there is something.
	Hint string
	// Deny makes it an error rather than a warning: ignoring it would silently
	// drop a security setting.
	Deny bool
}

// Table is one dialect: its rows, the keys it knows but does not implement, and
// its snippet keys (always refused).
type Table struct {
	Dialect Dialect
	Title   string
	Intro   string
	// Prefixes are the key prefixes (before "/") that belong to the dialect;
	// for ingress-nginx this is the default prefix.
	Prefixes []string
	// Keys are full keys outside those prefixes that belong to the dialect.
	Keys           []string
	Rows           []Row
	NotImplemented []Known
	Snippets       []string

	index map[string]int
}

func (t *Table) build() *Table {
	t.index = make(map[string]int, len(t.Rows))
	for i, r := range t.Rows {
		if _, dup := t.index[r.Key]; dup {
			panic("annotations: duplicate row " + r.Key)
		}
		t.index[r.Key] = i
	}
	return t
}

// Row returns the row for key (same convention as Row.Key).
func (t *Table) Row(key string) (Row, bool) {
	i, ok := t.index[key]
	if !ok {
		return Row{}, false
	}
	return t.Rows[i], true
}

func (t *Table) known(key string) (Known, bool) {
	for _, k := range t.NotImplemented {
		if k.Key == key {
			return k, true
		}
	}
	return Known{}, false
}

// candidates are the keys a misspelled key is compared against.
func (t *Table) candidates() []string {
	out := make([]string, 0, len(t.Rows)+len(t.NotImplemented))
	for _, r := range t.Rows {
		out = append(out, r.Key)
	}
	for _, k := range t.NotImplemented {
		out = append(out, k.Key)
	}
	return out
}

// isSnippet reports whether a key (after its prefix) names raw nginx
// configuration: every dialect spells those "...-snippet" or "...-snippets".
func isSnippet(short string) bool {
	return strings.HasSuffix(short, "-snippet") || strings.HasSuffix(short, "-snippets") ||
		short == "snippet" || short == "snippets"
}

// Tables returns the three dialect tables, ingress-nginx keys relative to the
// default prefix. The tables are shared; do not modify them.
func Tables() []*Table {
	return []*Table{ingressNginxTable, nginxOrgTable, certManagerTable}
}

// TableFor returns the table of dialect d.
func TableFor(d Dialect) *Table {
	return Tables()[d]
}

// IsSnippetKey reports whether key (same convention as Row.Key) is raw nginx
// configuration in t's dialect: always refused.
func IsSnippetKey(t *Table, key string) bool {
	if t.Dialect != DialectIngressNginx {
		_, key, _ = strings.Cut(key, "/")
	}
	return isSnippet(key)
}

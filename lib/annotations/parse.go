package annotations

import (
	"fmt"
	"slices"
	"strings"

	"github.com/seed-d040b84d/portcullis/lib/annotations/grammar"
	"github.com/seed-d040b84d/portcullis/lib/findings"
)

// Options are the controller settings that change how annotations read.
type Options struct {
	// Prefix is ingress-nginx's annotation prefix (flag --annotations-prefix);
	// DefaultPrefix when empty.
	Prefix string
	// AllowLegacyTLS admits TLSv1 and TLSv1.1 (ConfigMap allow-legacy-tls).
	AllowLegacyTLS bool
}

// Messages of the findings Parse reports about keys rather than values.
const (
	MsgSnippet        = "raw nginx configuration is not accepted"
	MsgNotImplemented = "not implemented by portcullis; ignored"
	MsgUnknown        = "unknown annotation"
)

// Parse reads the annotations of one Ingress. Keys under a dialect's prefixes
// are parsed by that dialect's table: an implemented key's value must match its
// grammar, a snippet key is an error, a key the other controller knows but
// portcullis does not implement is a warning, any other key is an error naming
// the closest known key. Keys under other prefixes are ignored. Rules between
// keys are checked too: ingress-nginx client and backend verification that
// lacks its CA secret, NGINX Inc's HSTS, deprecated-alias and mergeable rules,
// cert-manager's issuer, key-size and renewal rules, and conflicts between the
// two nginx dialects. Findings are on
// metadata.annotations[<key>] and sorted.
func Parse(annotations map[string]string, opts Options) (Parsed, findings.Set) {
	prefix := opts.Prefix
	if prefix == "" {
		prefix = DefaultPrefix
	}
	p := Parsed{Prefix: prefix, Present: map[string]bool{}}
	var s findings.Set
	ctx := grammar.Context{AllowLegacyTLS: opts.AllowLegacyTLS}

	keys := make([]string, 0, len(annotations))
	for k := range annotations {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		t, short, ok := classify(k, prefix)
		if !ok {
			continue
		}
		parseKey(&p, &s, t, k, short, annotations[k], ctx)
	}

	checkIngressNginx(&p, &s)
	checkNginxOrg(&p, &s)
	checkRedirects(&p, &s)
	checkMergeable(&p, &s)
	checkCertManager(&p, &s)
	s.Merge(CheckDialectConflicts(p))
	s.Sort()
	return p, s
}

// classify returns the table a key belongs to and the key in that table's
// convention, or false for keys portcullis does not read.
func classify(key, prefix string) (*Table, string, bool) {
	before, after, ok := strings.Cut(key, "/")
	if !ok {
		return nil, "", false
	}
	// Checked first: with --annotations-prefix=ingress.kubernetes.io (the old
	// ingress-nginx default) that prefix is ingress-nginx's, not NGINX Inc's.
	if before == prefix {
		return ingressNginxTable, after, true
	}
	for _, t := range []*Table{nginxOrgTable, certManagerTable} {
		if slices.Contains(t.Prefixes, before) || slices.Contains(t.Keys, key) {
			return t, key, true
		}
	}
	return nil, "", false
}

func parseKey(p *Parsed, s *findings.Set, t *Table, key, short, value string, ctx grammar.Context) {
	path := Path(key)
	if row, ok := t.Row(short); ok {
		p.Present[key] = true
		if err := row.Value.Apply(p, value, ctx); err != nil {
			s.Error(path, value, err.Error())
		}
		return
	}
	_, keyPart, _ := strings.Cut(short, "/")
	if t.Dialect == DialectIngressNginx {
		keyPart = short
	}
	if isSnippet(keyPart) {
		s.Error(path, value, MsgSnippet)
		return
	}
	if k, ok := t.known(short); ok {
		msg := MsgNotImplemented
		if k.Deny {
			msg = "not implemented"
		}
		if k.Hint != "" {
			msg += ": " + k.Hint
		}
		if k.Deny {
			s.Error(path, value, msg)
		} else {
			s.Warn(path, msg)
		}
		return
	}
	s.Error(path, value, MsgUnknown+suggestKey(p, t, short))
}

// suggestKey names the key probably meant: the closest key of the same
// dialect, else the same name in the other nginx dialect.
func suggestKey(p *Parsed, t *Table, short string) string {
	full := func(tt *Table, k string) string {
		if tt.Dialect == DialectIngressNginx {
			return p.NginxKey(k)
		}
		return k
	}
	cands := t.candidates()
	for _, c := range cands {
		if strings.EqualFold(c, short) {
			return fmt.Sprintf("; did you mean %s?", full(t, c))
		}
	}
	if c, ok := findings.Closest(short, cands); ok {
		return fmt.Sprintf("; did you mean %s?", full(t, c))
	}
	// ingress-nginx and NGINX Inc share many names (ssl-ciphers, hsts, ...).
	name := short
	if _, after, ok := strings.Cut(short, "/"); ok {
		name = after
	}
	for _, other := range []*Table{ingressNginxTable, nginxOrgTable} {
		if other == t || t.Dialect == DialectCertManager {
			continue
		}
		for _, r := range other.Rows {
			k := r.Key
			if other.Dialect == DialectNginxOrg {
				_, k, _ = strings.Cut(r.Key, "/")
			}
			if k == name {
				return fmt.Sprintf("; %s is an annotation of the %s dialect: did you mean %s?", name, other.Dialect, full(other, r.Key))
			}
		}
	}
	if ws := sharingWords(name, t); len(ws) > 0 {
		for i, w := range ws {
			ws[i] = full(t, w)
		}
		return "; did you mean " + orList(ws) + "?"
	}
	return "; see docs/annotations.md for the annotations portcullis reads"
}

// maxWordSuggestions caps the keys sharingWords names.
const maxWordSuggestions = 3

// sharingWords are the keys of t whose hyphen-separated words include every
// word of name, ssl and tls counted as one word, fewest extra words first:
// ssl-verify suggests proxy-ssl-verify and auth-tls-verify-client, which no
// edit distance finds.
func sharingWords(name string, t *Table) []string {
	norm := func(w string) string {
		if w == "tls" {
			return "ssl"
		}
		return w
	}
	want := strings.Split(strings.ToLower(name), "-")
	type cand struct {
		key   string
		extra int
	}
	var found []cand
	for _, c := range t.candidates() {
		words := c
		if _, after, ok := strings.Cut(c, "/"); ok {
			words = after
		}
		have := map[string]bool{}
		for _, w := range strings.Split(words, "-") {
			have[norm(w)] = true
		}
		all := true
		for _, w := range want {
			all = all && w != "" && have[norm(w)]
		}
		if all {
			found = append(found, cand{c, len(have) - len(want)})
		}
	}
	slices.SortStableFunc(found, func(a, b cand) int { return a.extra - b.extra })
	out := make([]string, 0, maxWordSuggestions)
	for i := 0; i < len(found) && i < maxWordSuggestions; i++ {
		out = append(out, found[i].key)
	}
	return out
}

// orList joins keys as "a", "a or b", "a, b or c".
func orList(keys []string) string {
	if len(keys) == 1 {
		return keys[0]
	}
	return strings.Join(keys[:len(keys)-1], ", ") + " or " + keys[len(keys)-1]
}

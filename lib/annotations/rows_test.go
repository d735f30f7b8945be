package annotations

import (
	"flag"
	"fmt"
	"maps"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed-d040b84d/portcullis/lib/findings"
)

// update is accepted so that `go test ./lib/annotations/... -update` (which
// rewrites docs/annotations.md from lib/annotations/docgen) runs here too.
var _ = flag.Bool("update", false, "rewrite generated files (used by lib/annotations/docgen)")

// fullKey is a row's annotation key under the default prefix.
func fullKey(t *Table, r Row) string {
	if t.Dialect == DialectIngressNginx {
		return DefaultPrefix + "/" + r.Key
	}
	return r.Key
}

// errorsOn returns the messages of the errors on one annotation.
func errorsOn(s findings.Set, key string) []string {
	var out []string
	for _, e := range s.Errors {
		if e.Field == Path(key).String() {
			out = append(out, findings.ErrorMessage(e))
		}
	}
	return out
}

func TestEveryRowIsComplete(t *testing.T) {
	t.Parallel()
	for _, tbl := range Tables() {
		for _, r := range tbl.Rows {
			t.Run(fullKey(tbl, r), func(t *testing.T) {
				assert.NotEmpty(t, r.Doc, "documentation")
				assert.Contains(t, []Scope{ScopeHost, ScopePath, ScopeIngress}, r.Scope)
				assert.NotEmpty(t, r.Value.GrammarName(), "grammar name")
				assert.NotEmpty(t, r.Examples.Good, "every row needs an accepted example")
				assert.NotEmpty(t, r.Examples.Bad, "every row needs a refused example")
				for _, b := range r.Examples.Bad {
					assert.NotEmpty(t, b.Message, "refused example %q needs a message substring", b.Value)
				}
			})
		}
	}
}

// TestRowExamples parses every example of every row as the only annotation
// (plus the context it declares) and checks the verdict on its field path.
func TestRowExamples(t *testing.T) {
	t.Parallel()
	for _, tbl := range Tables() {
		for _, r := range tbl.Rows {
			key := fullKey(tbl, r)
			for _, v := range r.Examples.Good {
				t.Run(fmt.Sprintf("%s=%q accepted", key, v), func(t *testing.T) {
					t.Parallel()
					anns := maps.Clone(r.Examples.With)
					if anns == nil {
						anns = map[string]string{}
					}
					anns[key] = v
					p, s := Parse(anns, Options{})
					assert.Empty(t, s.Errors)
					assert.True(t, p.Has(key))
				})
			}
			for _, b := range r.Examples.Bad {
				t.Run(fmt.Sprintf("%s=%q refused", key, b.Value), func(t *testing.T) {
					t.Parallel()
					anns := maps.Clone(r.Examples.With)
					if anns == nil {
						anns = map[string]string{}
					}
					anns[key] = b.Value
					_, s := Parse(anns, Options{})
					msgs := errorsOn(s, key)
					require.NotEmpty(t, msgs, "expected an error on metadata.annotations[%s], got %v", key, s.Errors)
					assert.Contains(t, fmt.Sprint(msgs), b.Message)
				})
			}
		}
	}
}

func TestNoKeyIsBothImplementedAndNotImplemented(t *testing.T) {
	t.Parallel()
	for _, tbl := range Tables() {
		seen := map[string]bool{}
		for _, r := range tbl.Rows {
			seen[r.Key] = true
			assert.False(t, isSnippet(r.Key), "%s: a row may not be a snippet key", r.Key)
		}
		for _, k := range tbl.NotImplemented {
			assert.False(t, seen[k.Key], "%s is both implemented and not", k.Key)
			assert.False(t, isSnippet(k.Key), "%s is a snippet key", k.Key)
			seen[k.Key] = true
		}
		for _, k := range tbl.Snippets {
			_, after, _ := cutPrefixed(tbl, k)
			assert.True(t, isSnippet(after), "%s must be recognised as a snippet", k)
		}
	}
}

func cutPrefixed(tbl *Table, k string) (string, string, bool) {
	if tbl.Dialect == DialectIngressNginx {
		return "", k, true
	}
	for i := 0; i < len(k); i++ {
		if k[i] == '/' {
			return k[:i], k[i+1:], true
		}
	}
	return "", k, false
}

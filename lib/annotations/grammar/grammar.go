// Package grammar owns the value syntaxes portcullis accepts in annotations,
// ConfigMap keys and Policy fields: each Grammar parses a string into a typed
// value (or a message saying what was found and what is allowed) and formats
// the typed value back, so tables of keys can be declared as data.
package grammar

import (
	"fmt"
	"strings"

	"github.com/seed-d040b84d/portcullis/lib/findings"
)

// Context is what a grammar may need to know beyond the value itself.
type Context struct {
	// AllowLegacyTLS admits TLSv1 and TLSv1.1 in protocol lists (ConfigMap
	// allow-legacy-tls: "true").
	AllowLegacyTLS bool
}

// Grammar is one value syntax. Parse never trims; Format is Parse's inverse:
// Parse(Format(v)) returns v for every v that Parse returned.
type Grammar[T any] struct {
	// Name is how the docs describe the syntax, e.g. "integer 1–10".
	Name   string
	Parse  func(s string, c Context) (T, error)
	Format func(v T) string
}

// Named returns g with another documentation name.
func (g Grammar[T]) Named(name string) Grammar[T] {
	g.Name = name
	return g
}

// Field binds a grammar to the place its value goes in a result of type D, so
// a table row can be plain data while the result stays typed.
type Field[D any] interface {
	// GrammarName is the grammar's documentation name.
	GrammarName() string
	// Apply parses raw and, when it is accepted, stores the value in dst.
	Apply(dst *D, raw string, c Context) error
	// RoundTrip parses raw and, when accepted, formats the value and parses
	// that again; tests use it to prove Format is Parse's inverse.
	RoundTrip(raw string, c Context) (RoundTrip, error)
}

// RoundTrip is the outcome of Field.RoundTrip for an accepted value.
type RoundTrip struct {
	Value     any    // what raw parsed to
	Formatted string // Format(Value)
	Again     any    // what Formatted parsed to
	AgainErr  error  // set when Formatted did not parse
}

// Bind makes a Field that stores the parsed value with set.
func Bind[D, T any](g Grammar[T], set func(dst *D, v T)) Field[D] {
	return binding[D, T]{g: g, set: set}
}

type binding[D, T any] struct {
	g   Grammar[T]
	set func(*D, T)
}

func (b binding[D, T]) GrammarName() string { return b.g.Name }

func (b binding[D, T]) Apply(dst *D, raw string, c Context) error {
	v, err := Parse(b.g, raw, c)
	if err != nil {
		return err
	}
	b.set(dst, v)
	return nil
}

func (b binding[D, T]) RoundTrip(raw string, c Context) (RoundTrip, error) {
	v, err := Parse(b.g, raw, c)
	if err != nil {
		return RoundTrip{}, err
	}
	rt := RoundTrip{Value: v, Formatted: b.g.Format(v)}
	again, err := b.g.Parse(rt.Formatted, c)
	rt.Again, rt.AgainErr = again, err
	return rt, nil
}

// Parse runs g on s. When s is refused only because of surrounding white
// space, the message says so: values are never trimmed, but the user should
// learn which value was probably meant.
func Parse[T any](g Grammar[T], s string, c Context) (T, error) {
	v, err := g.Parse(s, c)
	if err == nil {
		return v, nil
	}
	if t := strings.TrimSpace(s); t != s && !strings.Contains(err.Error(), "did you mean") {
		if _, terr := g.Parse(t, c); terr == nil {
			return v, fmt.Errorf("%s; did you mean %q (without the surrounding white space)?", err.Error(), t)
		}
	}
	return v, err
}

// errorf builds a grammar error. Messages say what was found and what is
// allowed; they never end with a period so callers can append a suggestion.
func errorf(format string, args ...any) error {
	return fmt.Errorf(format, args...)
}

// Suggest returns "; did you mean "x"?" naming the allowed value s most likely
// meant: the same word in another case or without surrounding white space
// first, then the closest one within edit distance 2 (on a tie, one that s is
// a prefix of: "of" means "off"), else "".
func Suggest(s string, allowed []string) string {
	for _, a := range allowed {
		if a != s && (strings.EqualFold(a, s) || a == strings.TrimSpace(s)) {
			return fmt.Sprintf("; did you mean %q?", a)
		}
	}
	best, bestD := "", 3
	for _, a := range allowed {
		if a == s {
			return ""
		}
		d := findings.Distance(s, a)
		if d < bestD || d == bestD && strings.HasPrefix(a, s) && !strings.HasPrefix(best, s) {
			best, bestD = a, d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf("; did you mean %q?", best)
}

// notOneOf is the message for an enumerated value that is not allowed.
func notOneOf(s string, allowed []string) error {
	return errorf("got %q, allowed: %s%s", s, findings.QuoteList(allowed), Suggest(s, allowed))
}

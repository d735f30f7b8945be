package grammar

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/seed-d040b84d/portcullis/lib/findings"
)

// boolAliases are spellings other tools accept for a boolean; they are refused
// but the message names the canonical word.
var boolAliases = map[string]string{
	"on": "true", "yes": "true", "y": "true", "1": "true", "t": "true",
	"off": "false", "no": "false", "n": "false", "0": "false", "f": "false",
}

// Bool is exactly "true" or "false".
var Bool = Grammar[bool]{
	Name: "bool (true|false)",
	Parse: func(s string, _ Context) (bool, error) {
		switch s {
		case "true":
			return true, nil
		case "false":
			return false, nil
		}
		hint := Suggest(s, []string{"true", "false"})
		if alias, ok := boolAliases[strings.ToLower(s)]; ok && hint == "" {
			hint = fmt.Sprintf("; did you mean %q?", alias)
		}
		return false, errorf(`must be "true" or "false", got %q%s`, s, hint)
	},
	Format: strconv.FormatBool,
}

// TrueOnly is exactly "true": for keys whose reader ignores every other value
// (cert-manager's http01-edit-in-place), so anything else is a mistake.
var TrueOnly = Grammar[bool]{
	Name: `"true" (or absent)`,
	Parse: func(s string, _ Context) (bool, error) {
		if s == "true" {
			return true, nil
		}
		return false, errorf(`must be exactly "true" or be absent (any other value is ignored by its reader), got %q%s`,
			s, Suggest(s, []string{"true"}))
	},
	Format: func(bool) string { return "true" },
}

// onOffAliases map boolean spellings to nginx's on/off.
var onOffAliases = map[string]string{"true": "on", "false": "off", "yes": "on", "no": "off", "1": "on", "0": "off"}

// OnOff is nginx's "on" or "off", stored as a bool (on = true).
var OnOff = Grammar[bool]{
	Name: "on|off",
	Parse: func(s string, _ Context) (bool, error) {
		switch s {
		case "on":
			return true, nil
		case "off":
			return false, nil
		}
		hint := Suggest(s, []string{"on", "off"})
		if alias, ok := onOffAliases[strings.ToLower(s)]; ok && hint == "" {
			hint = fmt.Sprintf("; did you mean %q?", alias)
		}
		return false, errorf(`must be "on" or "off", got %q%s`, s, hint)
	},
	Format: func(v bool) string {
		if v {
			return "on"
		}
		return "off"
	},
}

// Enum is exactly one of values (case-sensitive).
func Enum(values ...string) Grammar[string] {
	values = slices.Clone(values)
	return Grammar[string]{
		Name: "one of " + strings.Join(values, "|"),
		Parse: func(s string, _ Context) (string, error) {
			if slices.Contains(values, s) {
				return s, nil
			}
			return "", notOneOf(s, values)
		},
		Format: func(v string) string { return v },
	}
}

// EnumUpper is one of values (upper-case words) in any ASCII case, stored upper
// case. refused maps words the other controller knows to the reason portcullis
// refuses them.
func EnumUpper(values []string, refused map[string]string) Grammar[string] {
	values = slices.Clone(values)
	return Grammar[string]{
		Name: strings.Join(values, "|") + " (any case)",
		Parse: func(s string, _ Context) (string, error) {
			up := strings.ToUpper(s)
			if isASCIIWord(s) {
				if slices.Contains(values, up) {
					return up, nil
				}
				if why, ok := refused[up]; ok {
					return "", errorf("%q is %s; allowed: %s", s, why, findings.QuoteList(values))
				}
			}
			return "", errorf("got %q, allowed: %s%s", s, findings.QuoteList(values), Suggest(up, values))
		},
		Format: func(v string) string { return v },
	}
}

// isASCIIWord reports whether s is non-empty and made of ASCII letters, digits
// and underscores, so case folding cannot map an exotic rune onto a keyword.
func isASCIIWord(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// IntRange is a decimal integer in [lo, hi]. hi == math.MaxInt32 documents as
// "integer ≥ lo".
func IntRange(lo, hi int) Grammar[int] {
	name := fmt.Sprintf("integer %d–%d", lo, hi)
	want := fmt.Sprintf("an integer from %d to %d", lo, hi)
	if hi == math.MaxInt32 {
		name = fmt.Sprintf("integer ≥ %d", lo)
		want = fmt.Sprintf("an integer ≥ %d", lo)
	}
	return Grammar[int]{
		Name: name,
		Parse: func(s string, _ Context) (int, error) {
			n, ok := parseDecimal(s, 10, lo < 0)
			if !ok || n < int64(lo) || n > int64(hi) {
				return 0, errorf("must be %s, got %q", want, s)
			}
			return int(n), nil
		},
		Format: strconv.Itoa,
	}
}

// IntMin is a decimal integer ≥ lo that fits in 32 bits.
func IntMin(lo int) Grammar[int] { return IntRange(lo, math.MaxInt32) }

// Int64Min is a decimal integer ≥ lo that fits in 63 bits.
func Int64Min(lo int64) Grammar[int64] {
	return Grammar[int64]{
		Name: fmt.Sprintf("integer ≥ %d", lo),
		Parse: func(s string, _ Context) (int64, error) {
			n, ok := parseDecimal(s, 18, lo < 0)
			if !ok || n < lo {
				return 0, errorf("must be an integer ≥ %d (at most 18 digits), got %q", lo, s)
			}
			return n, nil
		},
		Format: func(v int64) string { return strconv.FormatInt(v, 10) },
	}
}

// IntOneOf is one of the listed integers, written in decimal.
func IntOneOf(values ...int) Grammar[int] {
	words := make([]string, len(values))
	for i, v := range values {
		words[i] = strconv.Itoa(v)
	}
	return Grammar[int]{
		Name: "one of " + strings.Join(words, "|"),
		Parse: func(s string, _ Context) (int, error) {
			if i := slices.Index(words, s); i >= 0 {
				return values[i], nil
			}
			return 0, notOneOf(s, words)
		},
		Format: strconv.Itoa,
	}
}

// parseDecimal accepts 1..maxDigits decimal digits, after a '-' only when
// negative is true; no '+', spaces or underscores (strconv accepts some).
func parseDecimal(s string, maxDigits int, negative bool) (int64, bool) {
	digits := s
	if negative {
		digits = strings.TrimPrefix(s, "-")
	}
	if digits == "" || len(digits) > maxDigits {
		return 0, false
	}
	for i := 0; i < len(digits); i++ {
		if digits[i] < '0' || digits[i] > '9' {
			return 0, false
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil
}

package dataplane

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/seed-d040b84d/portcullis/lib/annotations/grammar"
	"github.com/seed-d040b84d/portcullis/lib/validate"
)

// The data plane re-checks every user-derived value it models, whatever lib
// said: the renderer refuses anything else, and one refused value must cost
// only its own host or path, never the whole configuration.

// SafeText reports whether s may be written as an nginx argument that nginx
// interpolates: printable ASCII, no "$" (a variable reference), no control
// characters. Quoting makes the rest inert.
func SafeText(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '$' {
			return false
		}
	}
	return true
}

// SafeRegex reports whether s may be written as a regular expression nginx
// compiles without interpolating (a map key): printable ASCII only.
func SafeRegex(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f {
			return false
		}
	}
	_, err := regexp.Compile(s)
	return err == nil
}

// SafePath reports whether p is a path lib accepts (and nginx reads
// literally): lib's one path grammar, checked again before rendering.
func SafePath(p string) bool { return grammar.ValidPath(p) }

// SafeRegexPath reports whether p is a regular-expression path in lib's
// bounded grammar and rewrite, when not "", a rewrite target referring only
// to captures p has (docs/reference.md#regex-paths).
func SafeRegexPath(p, rewrite string) bool {
	groups, err := grammar.RegexPath(p)
	if err != nil {
		return false
	}
	if rewrite == "" {
		return true
	}
	high, err := grammar.RewriteCaptures(rewrite)
	return err == nil && high <= groups
}

// SafeHost reports whether h is an RFC 1123 host, with at most one leading "*.".
func SafeHost(h string) bool {
	_, ok := validate.ValidHost(h)
	return ok && SafeText(h) && !strings.ContainsAny(h, "\"'\\ ")
}

// checkWords checks a list of protocol names or a cipher string.
func checkWords(what string, words ...string) error {
	for _, w := range words {
		if !SafeText(w) || strings.ContainsAny(w, "\"'\\;{}#") {
			return fmt.Errorf("%s %q is not a plain word", what, w)
		}
	}
	return nil
}

// SafeHeaderName reports whether h is an HTTP header name of letters,
// digits and "-" (1–64 bytes, not starting with "-"): what an nginx variable
// name may be derived from.
func SafeHeaderName(h string) bool {
	return h != "" && len(h) <= 64 && h[0] != '-' && strings.Trim(h, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-") == ""
}

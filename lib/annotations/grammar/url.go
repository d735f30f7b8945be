package grammar

import (
	"net/url"
	"regexp"
	"strings"
)

// urlForbidden are printable characters refused in URLs on top of white space
// and control characters: they quote, terminate or template nginx arguments.
const urlForbidden = "\"'`;{}$\\<>^|"

// HTTPURL is an absolute http:// or https:// URL with a host, no user
// information, and only printable ASCII other than quotes ; { } $ \ < > ^ |.
var HTTPURL = Grammar[string]{
	Name: "absolute http(s) URL",
	Parse: func(s string, _ Context) (string, error) {
		for i := 0; i < len(s); i++ {
			if c := s[i]; c <= ' ' || c >= 0x7f || strings.IndexByte(urlForbidden, c) >= 0 {
				return "", errorf("character %q at offset %d of %q is not allowed in a URL (no white space, quotes, ; { } $ \\ < > ^ |; percent-encode it)", c, i, s)
			}
		}
		u, err := url.Parse(s)
		if err != nil {
			return "", errorf("must be an absolute http(s) URL, got %q: %v", s, err)
		}
		if !strings.HasPrefix(s, "http://") && !strings.HasPrefix(s, "https://") {
			return "", errorf(`must start with "https://" or "http://", got %q`, s)
		}
		if u.Host == "" || u.Hostname() == "" {
			return "", errorf("must name a host after %s://, got %q", u.Scheme, s)
		}
		if u.User != nil {
			return "", errorf("must not carry user information (user:password@), got %q", s)
		}
		return s, nil
	},
	Format: func(v string) string { return v },
}

// regexChar reports whether c may appear in a match-cn expression outside
// character classes and counts.
func regexChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		strings.IndexByte(" .,_*+?()|^$\\=-", c) >= 0
}

var countRE = regexp.MustCompile(`^\{[0-9]{1,4}(,[0-9]{0,4})?\}`)

// MatchCN is ingress-nginx's auth-tls-match-cn: "CN=" followed by a regular
// expression of the RE2/PCRE common subset built only from letters, digits,
// space and . , _ * + ? ( ) | ^ $ \ = -, character classes [...] of the same
// characters, and counts {n}, {n,} or {n,m}. It must compile with Go's regexp.
// Quotes, ";", other braces and newlines are refused: the expression is
// matched by nginx, and must never be able to end the string it is written in.
// The stored value is the expression without "CN=".
var MatchCN = Grammar[string]{
	Name: "CN= followed by a regular expression",
	Parse: func(s string, _ Context) (string, error) {
		expr, ok := strings.CutPrefix(s, "CN=")
		if !ok {
			return "", errorf(`must start with "CN=", got %q%s`, s, Suggest(firstN(s, 3), []string{"CN="}))
		}
		if expr == "" {
			return "", errorf(`needs a regular expression after "CN=", got %q`, s)
		}
		if err := scanMatchCN(expr); err != nil {
			return "", err
		}
		if _, err := regexp.Compile(expr); err != nil {
			return "", errorf("%q is not a valid regular expression: %v", expr, err)
		}
		return expr, nil
	},
	Format: func(v string) string { return "CN=" + v },
}

func firstN(s string, n int) string {
	if len(s) < n {
		return s
	}
	return s[:n]
}

// scanMatchCN enforces MatchCN's character rules, naming the first offender.
func scanMatchCN(expr string) error {
	inClass := false
	for i := 0; i < len(expr); i++ {
		c := expr[i]
		switch {
		case c == '\\':
			if i+1 >= len(expr) {
				return errorf("%q ends with a lone backslash", expr)
			}
			if n := expr[i+1]; !regexChar(n) && n != '[' && n != ']' {
				return errorf("%q escapes %q at offset %d, which is not allowed (escape only letters, digits and . , _ * + ? ( ) | ^ $ \\ = - [ ])", expr, n, i+1)
			}
			i++
		case inClass && c == ']':
			inClass = false
		case inClass && c == '[':
			return errorf("%q opens a character class inside another at offset %d", expr, i)
		case c == '[':
			inClass = true
		case c == '{' && !inClass:
			m := countRE.FindString(expr[i:])
			if m == "" {
				return errorf("%q has a brace at offset %d that is not a count like {2} or {1,3}; other braces are not allowed", expr, i)
			}
			i += len(m) - 1
		case regexChar(c):
		default:
			return errorf("character %q at offset %d of %q is not allowed in auth-tls-match-cn (allowed: letters, digits, space and . , _ * + ? ( ) | ^ $ \\ = -, classes [...] and counts {n,m})", c, i, expr)
		}
	}
	if inClass {
		return errorf("%q has a character class that is never closed", expr)
	}
	return nil
}

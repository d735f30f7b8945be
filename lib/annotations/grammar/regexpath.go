package grammar

import (
	"fmt"
	"regexp/syntax"
	"strconv"
)

// MaxRegexPath is the longest regular-expression path accepted.
const MaxRegexPath = 256

// RegexPath checks p against portcullis's bounded grammar of regular
// expression paths (use-regex, rewrite-target, nginx.org/path-regex;
// docs/reference.md#regex-paths) and returns the number of capturing groups.
// The grammar is the part of RE2 and PCRE that means the same in both, written
// so that nothing in it is read by nginx's configuration parser: nginx
// compiles the path with PCRE inside a quoted location argument, portcullis
// checks it with Go's regexp/syntax. Refused: backreferences, lookaround,
// atomic groups, possessive quantifiers, \Q…\E, named groups, inline flags
// other than (?i), escapes other than \d \w \s \D \W \S and escaped
// punctuation, braces other than {n}, {n,} and {n,m} counts, "$" other than
// a final anchor (in nginx "$x" reads a variable), white space, quotes, ";",
// "#", control and non-ASCII characters, and more than 256 characters.
func RegexPath(p string) (int, error) {
	if p == "" || p[0] != '/' {
		return 0, errorf("a regular expression path must start with '/', got %q", p)
	}
	if len(p) > MaxRegexPath {
		return 0, errorf("a regular expression path is at most %d characters, got %d", MaxRegexPath, len(p))
	}
	for i := 0; i < len(p); i++ {
		if err := regexPathAt(p, i); err != nil {
			return 0, fmt.Errorf("regular expression path %q: at offset %d: %w", p, i, err)
		}
	}
	re, err := syntax.Parse(p, syntax.Perl)
	if err != nil {
		return 0, fmt.Errorf("regular expression path %q does not compile: %w", p, err)
	}
	return re.MaxCap(), nil
}

// regexPathAt checks the byte at i and what it starts.
func regexPathAt(p string, i int) error {
	c := p[i]
	next := byte(0)
	if i+1 < len(p) {
		next = p[i+1]
	}
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return nil
	}
	switch c {
	case '/', '.', '_', '~', '%', '-', '^', '[', ']', ')', '|', ':', ',', '=', '!', '@', '&', '<', '>':
		return nil
	case '*', '+', '?':
		if next == '+' {
			return errorf("possessive quantifier %q is not supported", string(c)+"+")
		}
		return nil
	case '(':
		if next != '?' {
			return nil
		}
		if len(p) >= i+3 && p[i+2] == ':' || len(p) >= i+4 && p[i+2:i+4] == "i)" {
			return nil
		}
		return errorf("only (?: and (?i) may follow \"(\": lookaround, atomic and named groups and other flags are not supported")
	case '\\':
		switch {
		case next == 'd' || next == 'D' || next == 'w' || next == 'W' || next == 's' || next == 'S':
			return nil
		case next == '{' || next == '}':
			return errorf("escaped braces are not supported")
		case next > 0x20 && next < 0x7f && !isAlnum(next) && next != '"' && next != '\'' && next != ';' && next != '#' && next != '$' && next != '\\':
			return nil
		case next == '\\':
			return errorf("an escaped backslash is not supported")
		}
		return errorf("escape %q is not supported (only \\d \\w \\s \\D \\W \\S and escaped punctuation)", p[i:min(i+2, len(p))])
	case '{':
		n := countLen(p[i:])
		if n == 0 {
			return errorf("\"{\" only as a count {n}, {n,} or {n,m}")
		}
		if i+n < len(p) && p[i+n] == '+' {
			return errorf("possessive quantifier \"}+\" is not supported")
		}
		return nil
	case '}':
		for j := i - 1; j >= 0; j-- {
			if p[j] == '{' {
				if countLen(p[j:]) == i-j+1 {
					return nil
				}
				break
			}
		}
		return errorf("\"}\" only closes a count {n}, {n,} or {n,m}")
	case '$':
		if i == len(p)-1 {
			return nil
		}
		return errorf("\"$\" only as the final anchor (nginx reads \"$\" followed by a name as a variable)")
	}
	if c < 0x20 || c >= 0x7f {
		return errorf("control or non-ASCII character %q", c)
	}
	return errorf("character %q is not allowed in a regular expression path", c)
}

// countLen is the length of the count {n}, {n,} or {n,m} (n, m of at most
// three digits) at the start of s, 0 if none.
func countLen(s string) int {
	i := 1
	digits := func() int {
		j := i
		for i < len(s) && i-j < 3 && '0' <= s[i] && s[i] <= '9' {
			i++
		}
		return i - j
	}
	if digits() == 0 {
		return 0
	}
	if i < len(s) && s[i] == ',' {
		i++
		digits()
	}
	if i < len(s) && s[i] == '}' {
		return i + 1
	}
	return 0
}

func isAlnum(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

// ValidRegexPath reports whether p is in the regular-expression path grammar.
func ValidRegexPath(p string) bool {
	_, err := RegexPath(p)
	return err == nil
}

// RewriteTarget is a rewrite replacement: an absolute path of
// [A-Za-z0-9._~%/-] and the captures $1 to $9 of the path's regular
// expression (each "$" followed by one digit 1–9 and not by another letter
// or digit, so nginx reads a capture and never a variable), at most 256
// characters. Which captures exist is checked against each path.
var RewriteTarget = Grammar[string]{
	Name: "absolute path with captures $1–$9",
	Parse: func(s string, _ Context) (string, error) {
		if _, err := RewriteCaptures(s); err != nil {
			return "", err
		}
		return s, nil
	},
	Format: func(v string) string { return v },
}

// RewriteCaptures checks a rewrite target and returns the highest capture it
// refers to (0 for none).
func RewriteCaptures(s string) (int, error) {
	if s == "" || s[0] != '/' {
		return 0, errorf("a rewrite target must be an absolute path starting with '/', got %q", s)
	}
	if len(s) > MaxRegexPath {
		return 0, errorf("a rewrite target is at most %d characters, got %d", MaxRegexPath, len(s))
	}
	high := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case isAlnum(c), c == '.', c == '_', c == '~', c == '%', c == '/', c == '-':
		case c == '$':
			if i+1 >= len(s) || s[i+1] < '1' || s[i+1] > '9' || i+2 < len(s) && isAlnum(s[i+2]) {
				return 0, errorf("rewrite target %q: \"$\" at offset %d must be a capture $1 to $9 followed by a character other than a letter or digit", s, i)
			}
			n, _ := strconv.Atoi(s[i+1 : i+2])
			high = max(high, n)
			i++
		default:
			return 0, errorf("rewrite target %q: character %q at offset %d is not allowed (letters, digits, . _ ~ %% / - and captures $1 to $9)", s, c, i)
		}
	}
	return high, nil
}

// ValidRewriteTarget reports whether s is in the RewriteTarget grammar.
func ValidRewriteTarget(s string) bool {
	_, err := RewriteCaptures(s)
	return err == nil
}

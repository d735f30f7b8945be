package grammar

import (
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestRegexPathGrammar(t *testing.T) {
	t.Parallel()
	for p, groups := range map[string]int{
		"/api/(.*)":                 1,
		"/foo/bar/[A-Z0-9]{3}":      0,
		"/v(1|2)/(?:users|teams)$":  1,
		"/(?i)Case/(\\d+)/([a-z]+)": 2,
		"/a{1,}/b{2,10}\\.json$":    0,
		"/[[:alpha:]]+/\\w\\-x":     0,
		"/literal/path":             0,
	} {
		n, err := RegexPath(p)
		if assert.NoError(t, err, p) {
			assert.Equal(t, groups, n, p)
		}
	}
	for p, msg := range map[string]string{
		"":                             "must start with '/'",
		"api/(.*)":                     "must start with '/'",
		"/" + strings.Repeat("a", 256): "at most 256",
		"/(a)\\1":                      `escape "\\1"`,
		"/(?=a)":                       "only (?: and (?i)",
		"/(?!a)":                       "only (?: and (?i)",
		"/(?<=a)b":                     "only (?: and (?i)",
		"/(?<!a)b":                     "only (?: and (?i)",
		"/(?>a)":                       "only (?: and (?i)",
		"/(?P<n>a)":                    "only (?: and (?i)",
		"/(?s).":                       "only (?: and (?i)",
		"/a*+":                         "possessive",
		"/a++":                         "possessive",
		"/a?+":                         "possessive",
		"/a{2}+":                       "possessive",
		"/\\Qa\\E":                     `escape "\\Q"`,
		"/a b":                         `character ' '`,
		"/a\"b":                        `character '"'`,
		"/a'b":                         `character '\''`,
		"/a;b":                         `character ';'`,
		"/a{b":                         `"{" only as a count`,
		"/a}":                          `"}" only closes a count`,
		"/a{1,2}}":                     `"}" only closes a count`,
		"/a{1000}":                     `"{" only as a count`,
		"/a#b":                         `character '#'`,
		"/a\x00":                       "control",
		"/a\nb":                        "control",
		"/é":                           "non-ASCII",
		"/$host":                       `"$" only as the final anchor`,
		"/a$/b":                        `"$" only as the final anchor`,
		"/a\\$":                        `escape "\\$"`,
		"/a\\\\":                       "escaped backslash",
		"/a\\{2}":                      "escaped braces",
		"/a\\pL":                       `escape "\\p"`,
		"/a(":                          "does not compile",
		"/a)":                          "does not compile",
		"/a`b":                         "character '`'",
	} {
		_, err := RegexPath(p)
		if assert.Error(t, err, "%q", p) {
			assert.Contains(t, err.Error(), msg, "%q", p)
		}
	}
}

// counts are the only braces a regular-expression path may hold.
var counts = regexp.MustCompile(`\{[0-9]{1,3}(,[0-9]{0,3})?\}`)

// FuzzRegexPath: what the grammar accepts compiles in Go and
// holds none of what nginx's configuration parser or PCRE reads differently.
func FuzzRegexPath(f *testing.F) {
	for _, s := range []string{"/api/(.*)", "/a{1,3}", "/$", "/(?i)x", "/a\\.b", "/}{", "/(?=x)", "/$x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, p string) {
		if _, err := RegexPath(p); err != nil {
			return
		}
		_, err := regexp.Compile(p)
		assert.NoError(t, err)
		assert.LessOrEqual(t, len(p), MaxRegexPath)
		assert.NotContains(t, strings.TrimSuffix(p, "$"), "$")
		for _, bad := range []string{" ", "\"", "'", ";", "#", "\\1", "(?=", "(?!", "(?<", "(?>", "(?P", "*+", "++", "?+", "\\Q", "\\\\"} {
			assert.NotContains(t, p, bad)
		}
		assert.NotContains(t, counts.ReplaceAllString(p, ""), "{")
		assert.NotContains(t, counts.ReplaceAllString(p, ""), "}")
	})
}

func TestRewriteTargetGrammar(t *testing.T) {
	t.Parallel()
	for s, high := range map[string]int{"/": 0, "/$1": 1, "/v2/$2/$1": 2, "/$1.html": 1, "/a_b-c~d%20": 0, "/$9/": 9} {
		n, err := RewriteCaptures(s)
		if assert.NoError(t, err, s) {
			assert.Equal(t, high, n, s)
		}
	}
	for s, msg := range map[string]string{
		"":                             "absolute path",
		"$1":                           "absolute path",
		"/$":                           "must be a capture",
		"/$0":                          "must be a capture",
		"/$10":                         "must be a capture",
		"/$1a":                         "must be a capture",
		"/$host":                       "must be a capture",
		"/${1}":                        "must be a capture",
		"/a;b":                         "not allowed",
		"/a b":                         "not allowed",
		"/a?x=$1":                      "not allowed",
		"/a\"":                         "not allowed",
		"/a{":                          "not allowed",
		"/a\\$1":                       "not allowed",
		"/a\n":                         "not allowed",
		"/" + strings.Repeat("a", 256): "at most 256",
	} {
		_, err := RewriteCaptures(s)
		if assert.Error(t, err, "%q", s) {
			assert.Contains(t, err.Error(), msg, "%q", s)
		}
	}
}

package nginx

// Regular-expression locations and rewrites (docs/reference.md#regex-paths).

import (
	"cmp"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/seed-d040b84d/portcullis/controller/dataplane"
)

// caseless is the modifier of a case-insensitive regular-expression
// location (ingress-nginx's, nginx.org/path-regex: case_insensitive);
// caseful of a case-sensitive one (nginx.org/path-regex: case_sensitive).
const caseless, caseful = "~*", "~"

// regexServer reports whether all a server's locations are regular
// expressions: when one path of a host is by ingress-nginx's keys
// (use-regex, rewrite-target), all are, as in ingress-nginx.
// nginx.org/path-regex changes only its own paths.
func regexServer(locs []dataplane.Location) bool {
	return slices.ContainsFunc(locs, func(l dataplane.Location) bool { return l.Regex && !l.PathOnly })
}

// modifier is a regular-expression location's modifier.
func modifier(l dataplane.Location) string {
	if l.Regex && l.CaseSensitive {
		return caseful
	}
	return caseless
}

// isRegexMod reports whether mod is a regular-expression location's.
func isRegexMod(mod string) bool { return mod == caseless || mod == caseful }

// pattern is the regular expression a location matches. A path of a regex
// Ingress is anchored at the start (and the end when Exact); a literal path
// keeps its meaning: Exact is the whole path, Prefix whole segments.
//
// The end anchor is written `\z`: nginx's PCRE `$` also matches before a
// final newline (a request for "/api%0A" is "/api\n" decoded), where lib's
// RE2 `$` matches only at the end. A path's final "$" (the only "$" the
// regex grammar admits) is written `\z` too, so nginx matches exactly
// what lib judged (docs/reference.md#regex-paths).
func pattern(l dataplane.Location) string {
	if l.Regex {
		p, anchored := strings.CutSuffix(l.Path, "$")
		if anchored || l.Match == dataplane.MatchExact {
			return "^" + p + `\z`
		}
		return "^" + p
	}
	p := regexp.QuoteMeta(l.Path)
	switch {
	case l.Match == dataplane.MatchExact:
		return "^" + p + `\z`
	case l.Path == "/":
		return "^/"
	}
	return "^" + strings.TrimSuffix(p, "/") + `(/|\z)`
}

// expandRegex turns a server's locations into regular-expression locations
// (case-insensitive unless nginx.org/path-regex says case_sensitive). nginx takes the first that matches, so the
// longest path comes first (ties: by path, exact before prefix, literal
// before regular expression).
func expandRegex(locs []dataplane.Location) []rendered {
	locs = slices.Clone(locs)
	slices.SortStableFunc(locs, func(x, y dataplane.Location) int {
		return cmp.Or(cmp.Compare(len(y.Path), len(x.Path)), cmp.Compare(x.Path, y.Path),
			cmp.Compare(matchRank(x.Match), matchRank(y.Match)), cmpRegex(x.Regex, y.Regex))
	})
	var out []rendered
	seen := map[[2]string]bool{}
	for _, l := range locs {
		k := [2]string{modifier(l), pattern(l)}
		if !seen[k] {
			seen[k] = true
			out = append(out, rendered{k[0], k[1], l})
		}
	}
	return out
}

func matchRank(m dataplane.Match) int {
	if m == dataplane.MatchExact {
		return 0
	}
	return 1
}

func cmpRegex(x, y bool) int {
	switch {
	case x == y:
		return 0
	case !x:
		return -1
	}
	return 1
}

// checkPattern re-checks a regular-expression location before it is
// written: its path in the grammar it claims, and the pattern the one
// pattern builds from it.
func checkPattern(p string, l dataplane.Location) error {
	ok := l.Regex && dataplane.SafeRegexPath(l.Path, l.Rewrite) || !l.Regex && dataplane.SafePath(l.Path) && l.Rewrite == ""
	if !ok || p != pattern(l) {
		return fmt.Errorf("regular-expression path %q", l.Path)
	}
	return nil
}

// rewrite is the rewrite-target of a path: of a regex path, the matched
// path replaced, captures and all, before proxying ("(?i)" matches as a
// case-insensitive location does); of a literal path (NGINX Inc's
// rewrite-target, no captures), the whole path.
func rewrite(l dataplane.Location) []*Node {
	if l.Rewrite == "" {
		return nil
	}
	if !l.Regex {
		return []*Node{d("rewrite", lit("^"), text(l.Rewrite), lit("break"))}
	}
	flags := "(?i)"
	if l.CaseSensitive {
		flags = ""
	}
	return []*Node{d("rewrite", regex(flags+pattern(l)), capture(l.Rewrite), lit("break"))}
}

// literalAndRegex splits a server's locations into literal paths and
// regular expressions.
func literalAndRegex(locs []dataplane.Location) (lit, re []dataplane.Location) {
	for _, l := range locs {
		if l.Regex {
			re = append(re, l)
		} else {
			lit = append(lit, l)
		}
	}
	return lit, re
}

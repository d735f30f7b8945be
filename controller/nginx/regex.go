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

// caseless is the modifier of every regular-expression location:
// ingress-nginx's paths are case-insensitive.
const caseless = "~*"

// regexServer reports whether a server's locations are regular expressions:
// when one path of a host is (use-regex, rewrite-target), all are, as in
// ingress-nginx.
func regexServer(locs []dataplane.Location) bool {
	return slices.ContainsFunc(locs, func(l dataplane.Location) bool { return l.Regex })
}

// pattern is the regular expression a location matches. A path of a regex
// Ingress is anchored at the start (and the end when Exact); a literal path
// keeps its meaning: Exact is the whole path, Prefix whole segments.
func pattern(l dataplane.Location) string {
	if l.Regex {
		if l.Match == dataplane.MatchExact && !strings.HasSuffix(l.Path, "$") {
			return "^" + l.Path + "$"
		}
		return "^" + l.Path
	}
	p := regexp.QuoteMeta(l.Path)
	switch {
	case l.Match == dataplane.MatchExact:
		return "^" + p + "$"
	case l.Path == "/":
		return "^/"
	}
	return "^" + strings.TrimSuffix(p, "/") + "(/|$)"
}

// expandRegex turns a server's locations into case-insensitive
// regular-expression locations. nginx takes the first that matches, so the
// longest path comes first (ties: by path, exact before prefix, literal
// before regular expression).
func expandRegex(locs []dataplane.Location) []rendered {
	locs = slices.Clone(locs)
	slices.SortStableFunc(locs, func(x, y dataplane.Location) int {
		return cmp.Or(cmp.Compare(len(y.Path), len(x.Path)), cmp.Compare(x.Path, y.Path),
			cmp.Compare(matchRank(x.Match), matchRank(y.Match)), cmpRegex(x.Regex, y.Regex))
	})
	var out []rendered
	seen := map[string]bool{}
	for _, l := range locs {
		p := pattern(l)
		if !seen[p] {
			seen[p] = true
			out = append(out, rendered{caseless, p, l})
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

// rewrite is the rewrite-target of a regex path: the matched path replaced,
// captures and all, before proxying. "(?i)" matches as the location does.
func rewrite(l dataplane.Location) []*Node {
	if l.Rewrite == "" || !l.Regex {
		return nil
	}
	return []*Node{d("rewrite", regex("(?i)"+pattern(l)), capture(l.Rewrite), lit("break"))}
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

package dataplane

import (
	"github.com/seed-d040b84d/portcullis/lib/annotations/grammar"
	"github.com/seed-d040b84d/portcullis/lib/intent"
)

// safeIntentPath checks a path again before it becomes a location: a literal
// path in lib's path grammar, whose rewrite target (NGINX Inc's) has no
// captures, or a regular expression in the bounded grammar whose rewrite
// target, if any, refers only to captures it has
// (docs/reference.md#regex-paths). Anything else is left out: lib refused it.
func safeIntentPath(p intent.Path) bool {
	if !p.Regex {
		if !SafePath(p.Path) {
			return false
		}
		high, err := grammar.RewriteCaptures(p.RewriteTarget)
		return p.RewriteTarget == "" || err == nil && high == 0
	}
	return SafeRegexPath(p.Path, p.RewriteTarget)
}

func cmpBool(x, y bool) int {
	switch {
	case x == y:
		return 0
	case !x:
		return -1
	}
	return 1
}

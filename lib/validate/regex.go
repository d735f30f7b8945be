package validate

import (
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/seed-d040b84d/portcullis/lib/annotations"
	"github.com/seed-d040b84d/portcullis/lib/annotations/grammar"
	"github.com/seed-d040b84d/portcullis/lib/intent"
)

// PathMatch is how an Ingress's annotations make its paths match.
type PathMatch int

const (
	// PathsByType: literal paths matched by their pathType.
	PathsByType PathMatch = iota
	// PathsRegex: regular expressions (use-regex, rewrite-target,
	// nginx.org/path-regex case_sensitive or case_insensitive).
	PathsRegex
	// PathsExact: literal paths matched exactly (nginx.org/path-regex: exact).
	PathsExact
)

// pathMatch is how the Ingress's paths match.
func (b *builder) pathMatch() PathMatch {
	switch {
	case b.regex():
		return PathsRegex
	case b.ann.Org.PathRegex == "exact":
		return PathsExact
	}
	return PathsByType
}

// regex reports whether the Ingress's paths are regular expressions:
// use-regex, or a rewrite-target, which implies it as in ingress-nginx, or
// nginx.org/path-regex case_sensitive or case_insensitive
// (docs/reference.md#regex-paths).
func (b *builder) regex() bool {
	return b.ingressNginxRegex() || b.orgRegex()
}

// ingressNginxRegex reports whether ingress-nginx's keys make the paths
// regular expressions.
func (b *builder) ingressNginxRegex() bool {
	n := b.ann.Nginx
	return n.UseRegex != nil && *n.UseRegex || n.RewriteTarget != ""
}

// orgRegex reports whether nginx.org/path-regex makes the paths regular
// expressions (exact makes them exact paths).
func (b *builder) orgRegex() bool {
	r := b.ann.Org.PathRegex
	return r == "case_sensitive" || r == "case_insensitive"
}

// regexPath marks a path of a regex Ingress and gives it the rewrite target,
// refusing a target that refers to a capture the path does not have. pp is
// the path's field path, built only for a finding.
func (b *builder) regexPath(ip *intent.Path, pp func() *field.Path) {
	if b.ann.Org.PathRegex == "exact" {
		ip.PathType = "Exact"
	}
	if !b.regex() {
		return
	}
	ip.Regex = true
	if b.orgRegex() && !b.ingressNginxRegex() {
		ip.RegexPathOnly = true
		ip.RegexCaseSensitive = b.ann.Org.PathRegex == "case_sensitive"
	}
	t := b.ann.Nginx.RewriteTarget
	if t == "" {
		return
	}
	ip.RewriteTarget = t
	groups, err := grammar.RegexPath(ip.Path)
	if err != nil {
		return // Structure has refused the path
	}
	if high, err := grammar.RewriteCaptures(t); err == nil && high > groups {
		b.fs.Errorf(pp().Child("path"), ip.Path, "%s %q refers to capture $%d, but this path has %d capturing group(s)",
			b.nkey(annotations.KeyRewriteTarget), t, high, groups)
	}
}

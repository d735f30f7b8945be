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

// rewriteTarget is the Ingress's rewrite target and its key: ingress-nginx's,
// else NGINX Inc's (the two differing is refused by annotations.Parse).
func (b *builder) rewriteTarget() (string, string) {
	if t := b.ann.Nginx.RewriteTarget; t != "" {
		return t, b.nkey(annotations.KeyRewriteTarget)
	}
	return b.ann.Org.Redirects.RewriteTarget, annotations.KeyOrgRewriteTarget
}

// literalRewriteTarget refuses, once per Ingress, NGINX Inc's rewrite-target
// referring to captures when the Ingress's paths are literal: they have
// none.
func (b *builder) literalRewriteTarget() {
	t, key := b.rewriteTarget()
	if t == "" || b.regex() {
		return
	}
	if high, err := grammar.RewriteCaptures(t); err == nil && high > 0 {
		b.fs.Errorf(annPath(key), t, "refers to capture $%d, but this Ingress's paths are literal paths, which have none; set nginx.org/path-regex to case_sensitive or case_insensitive, or rewrite to one path", high)
	}
}

// regexPath marks a path of a regex Ingress and gives it the rewrite target,
// refusing a target that refers to a capture the path does not have. A
// literal path takes NGINX Inc's rewrite-target whole (literalRewriteTarget
// refuses one with captures). pp is the path's field path, built only for a
// finding.
func (b *builder) regexPath(ip *intent.Path, pp func() *field.Path) {
	if b.ann.Org.PathRegex == "exact" {
		ip.PathType = "Exact"
	}
	t, key := b.rewriteTarget()
	if !b.regex() {
		if high, err := grammar.RewriteCaptures(t); t != "" && err == nil && high == 0 {
			ip.RewriteTarget = t
		}
		return
	}
	ip.Regex = true
	if b.orgRegex() && !b.ingressNginxRegex() {
		ip.RegexPathOnly = true
		ip.RegexCaseSensitive = b.ann.Org.PathRegex == "case_sensitive"
	}
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
			key, t, high, groups)
	}
}

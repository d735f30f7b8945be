package validate

import (
	"fmt"
	"strings"

	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/seed-d040b84d/portcullis/lib/annotations/grammar"
	"github.com/seed-d040b84d/portcullis/lib/findings"
)

// isDNS1123Subdomain is validation.IsDNS1123Subdomain's rule without its
// regexp: at most 253 characters of dot-separated labels, each of lower-case
// letters, digits and '-', starting and ending with a letter or digit.
func isDNS1123Subdomain(s string) bool {
	if len(s) == 0 || len(s) > validation.DNS1123SubdomainMaxLength {
		return false
	}
	start := 0
	for i := 0; i <= len(s); i++ {
		if i < len(s) && s[i] != '.' {
			c := s[i]
			if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-') {
				return false
			}
			continue
		}
		if i == start || s[start] == '-' || s[i-1] == '-' {
			return false // an empty label, or one starting or ending with '-'
		}
		start = i + 1
	}
	return true
}

// ValidHost reports whether h is an RFC 1123 host name with at most one leading
// "*." label, and returns a message when it is not.
func ValidHost(h string) (string, bool) {
	name := strings.TrimPrefix(h, "*.")
	if name == "" {
		return "a host name must not be empty", false
	}
	if !isDNS1123Subdomain(name) {
		return fmt.Sprintf("got %q: a host must be a lower-case RFC 1123 name (letters, digits, '-' and '.'), optionally starting with '*.'", h), false
	}
	return "", true
}

// Structure checks the parts of an Ingress that reach nginx verbatim (hosts and
// paths) and that TLS hosts are served by a rule
// (docs/reference.md#ingress-structure). A rule with a host and no paths
// serves it (a mergeable master's rule is one); a TLS host no rule names is an
// error, for a master too. Field paths are built only for findings: this runs
// on every admission. paths says how the Ingress's annotations make its
// paths match (docs/reference.md#regex-paths).
func Structure(ing *networkingv1.Ingress, paths PathMatch) findings.Set {
	regex := paths == PathsRegex
	var fs findings.Set
	rulePath := func(i int) *field.Path { return field.NewPath("spec", "rules").Index(i) }
	pathPath := func(i, j int) *field.Path { return rulePath(i).Child("http", "paths").Index(j) }
	for i, r := range ing.Spec.Rules {
		if r.Host != "" {
			if msg, ok := ValidHost(r.Host); !ok {
				fs.Error(rulePath(i).Child("host"), r.Host, msg)
			}
		}
		if r.HTTP == nil {
			continue
		}
		for j, p := range r.HTTP.Paths {
			switch {
			case regex:
				if _, err := grammar.RegexPath(p.Path); err != nil {
					fs.Error(pathPath(i, j).Child("path"), p.Path, err.Error())
				}
			case !grammar.ValidPath(p.Path):
				fs.Error(pathPath(i, j).Child("path"), p.Path, fmt.Sprintf(
					"got %q: a path must start with '/' and contain only letters, digits and . _ ~ %% / - (regular expressions need use-regex: \"true\")", p.Path))
			}
			if paths == PathsByType && p.PathType != nil && *p.PathType == networkingv1.PathTypeImplementationSpecific {
				fs.Warn(pathPath(i, j).Child("pathType"), "ImplementationSpecific is served as Prefix")
			}
			if p.Backend.Resource != nil {
				fs.Error(pathPath(i, j).Child("backend", "resource"), p.Backend.Resource.Name,
					"resource backends are not supported; use a Service backend")
			}
		}
	}
	for i, t := range ing.Spec.TLS {
		tp := func() *field.Path { return field.NewPath("spec", "tls").Index(i) }
		if len(t.Hosts) == 0 {
			fs.Warn(tp().Child("hosts"), "this TLS entry lists no hosts, so it applies to none; list the hosts it covers")
		}
		for j, h := range t.Hosts {
			if msg, ok := ValidHost(h); !ok {
				fs.Error(tp().Child("hosts").Index(j), h, msg)
				continue
			}
			if !hasRule(ing, h) {
				fs.Error(tp().Child("hosts").Index(j), h, fmt.Sprintf("host %q has no rule in this Ingress: add a rule with host %q, or remove it from spec.tls", h, h))
			}
		}
	}
	return fs
}

// hasRule reports whether a rule of the Ingress names host (a linear scan: an
// Ingress has a handful of rules, and a map would cost more).
func hasRule(ing *networkingv1.Ingress, host string) bool {
	for _, r := range ing.Spec.Rules {
		if r.Host == host {
			return true
		}
	}
	return false
}

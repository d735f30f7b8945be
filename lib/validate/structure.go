package validate

import (
	"fmt"
	"regexp"
	"strings"

	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/seed-d040b84d/portcullis/lib/findings"
)

// pathPattern is the strict path grammar: ingress-nginx's strict rule plus ~ and %.
// No regular expressions reach nginx.
var pathPattern = regexp.MustCompile(`^/[A-Za-z0-9._~%/-]*$`)

// ValidHost reports whether h is an RFC 1123 host name with at most one leading
// "*." label, and returns a message when it is not.
func ValidHost(h string) (string, bool) {
	name := strings.TrimPrefix(h, "*.")
	if name == "" {
		return "a host name must not be empty", false
	}
	if errs := validation.IsDNS1123Subdomain(name); len(errs) > 0 {
		return fmt.Sprintf("got %q: a host must be a lower-case RFC 1123 name (letters, digits, '-' and '.'), optionally starting with '*.'", h), false
	}
	return "", true
}

// Structure checks the parts of an Ingress that reach nginx verbatim (hosts and
// paths) and that TLS hosts are served by a rule (FEATURES.md §3).
func Structure(ing *networkingv1.Ingress, mergeableMaster bool) findings.Set {
	var fs findings.Set
	spec := field.NewPath("spec")
	ruleHosts := map[string]bool{}
	for i, r := range ing.Spec.Rules {
		rp := spec.Child("rules").Index(i)
		if r.Host != "" {
			if msg, ok := ValidHost(r.Host); !ok {
				fs.Error(rp.Child("host"), r.Host, msg)
			}
		}
		ruleHosts[r.Host] = true
		if r.HTTP == nil {
			continue
		}
		for j, p := range r.HTTP.Paths {
			pp := rp.Child("http", "paths").Index(j)
			if !pathPattern.MatchString(p.Path) {
				fs.Error(pp.Child("path"), p.Path, fmt.Sprintf(
					"got %q: a path must start with '/' and contain only letters, digits and . _ ~ %% / - (regular expressions are not supported)", p.Path))
			}
			if p.PathType != nil && *p.PathType == networkingv1.PathTypeImplementationSpecific {
				fs.Warn(pp.Child("pathType"), "ImplementationSpecific is served as Prefix")
			}
			if p.Backend.Resource != nil {
				fs.Error(pp.Child("backend", "resource"), p.Backend.Resource.Name,
					"resource backends are not supported; use a Service backend")
			}
		}
	}
	for i, t := range ing.Spec.TLS {
		tp := spec.Child("tls").Index(i)
		if len(t.Hosts) == 0 {
			fs.Warn(tp.Child("hosts"), "this TLS entry lists no hosts, so it applies to none; list the hosts it covers")
		}
		for j, h := range t.Hosts {
			hp := tp.Child("hosts").Index(j)
			if msg, ok := ValidHost(h); !ok {
				fs.Error(hp, h, msg)
				continue
			}
			if !ruleHosts[h] && !mergeableMaster {
				fs.Error(hp, h, fmt.Sprintf("host %q has no rule in this Ingress: add a rule with host %q, or remove it from spec.tls", h, h))
			}
		}
	}
	return fs
}

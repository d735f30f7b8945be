// Package nginxpolicy judges NGINX Inc Policy resources (k8s.nginx.org/v1): it
// refuses the policy types portcullis does not support (a cors Policy is
// ignored with a warning), checks every field of
// ingressMTLS, egressMTLS, accessControl and basicAuth, and turns a valid Policy into typed settings
// with NGINX's defaults applied, which the intent builder consumes.
package nginxpolicy

import (
	"fmt"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation/field"

	v1 "github.com/seed-d040b84d/portcullis/lib/apis/k8snginx/v1"
	"github.com/seed-d040b84d/portcullis/lib/findings"
)

// Options are the controller-wide settings that change what a Policy may say.
type Options struct {
	// AllowLegacyTLS admits TLSv1 and TLSv1.1 in egressMTLS.protocols
	// (the ConfigMap's allow-legacy-tls).
	AllowLegacyTLS bool
}

// Normalized is a valid Policy as portcullis applies it: exactly one of
// IngressMTLS, EgressMTLS, AccessControl and BasicAuth is set, with every default
// filled in, or none of them for a type portcullis ignores (Ignored).
type Normalized struct {
	// Type is v1.TypeIngressMTLS, v1.TypeEgressMTLS, v1.TypeAccessControl,
	// v1.TypeBasicAuth, or an ignored type (v1.TypeCORS).
	Type string
	// IngressClassName is spec.ingressClassName, unchanged.
	IngressClassName string

	IngressMTLS   *IngressMTLS
	EgressMTLS    *EgressMTLS
	AccessControl *AccessControl
	BasicAuth     *BasicAuth
}

// supportedTypes are the policy types portcullis implements.
var supportedTypes = []string{v1.TypeIngressMTLS, v1.TypeEgressMTLS, v1.TypeAccessControl, v1.TypeBasicAuth}

// Supported reports whether portcullis implements the policy type.
func Supported(policyType string) bool { return slices.Contains(supportedTypes, policyType) }

// ignoredTypes are the policy types portcullis does not implement whose
// absence only restricts clients: without a cors Policy's Access-Control-*
// headers browsers refuse cross-origin reads, so ignoring it opens nothing
// (docs/migrate-from-nginx-inc.md#annotations). They are admitted with a
// warning; every other unimplemented type is refused.
var ignoredTypes = []string{v1.TypeCORS}

// Ignored reports whether portcullis admits the policy type with a warning
// and applies nothing of it.
func Ignored(policyType string) bool { return slices.Contains(ignoredTypes, policyType) }

// MsgIgnoredCORS is the warning on a cors Policy.
const MsgIgnoredCORS = "policy type cors is not implemented by portcullis; ignored: responses carry no Access-Control-* headers, so browsers refuse cross-origin reads of the host (stricter, never more open)"

// Validate reports every problem with p. It is Normalize without the result.
func Validate(p *v1.Policy, opts Options) findings.Set {
	_, f := Normalize(p, opts)
	return f
}

// Normalize checks p and, when it has no errors, returns its settings with
// defaults applied. With errors the result is nil: an invalid Policy must not
// be half-applied. Warnings do not withhold the result.
func Normalize(p *v1.Policy, opts Options) (*Normalized, findings.Set) {
	var f findings.Set
	spec := field.NewPath("spec")
	if p == nil {
		f.Required(spec, "no Policy given")
		return nil, f
	}

	n := &Normalized{IngressClassName: p.Spec.IngressClassName}
	checkTypes(&p.Spec, spec, &f)
	if m := p.Spec.IngressMTLS; m != nil {
		n.Type = v1.TypeIngressMTLS
		n.IngressMTLS = normalizeIngressMTLS(m, spec.Child(v1.TypeIngressMTLS), &f)
	}
	if m := p.Spec.EgressMTLS; m != nil {
		n.Type = v1.TypeEgressMTLS
		n.EgressMTLS = normalizeEgressMTLS(m, spec.Child(v1.TypeEgressMTLS), opts, &f)
	}
	if m := p.Spec.AccessControl; m != nil {
		n.Type = v1.TypeAccessControl
		n.AccessControl = normalizeAccessControl(m, spec.Child(v1.TypeAccessControl), &f)
	}
	if m := p.Spec.BasicAuth; m != nil {
		n.Type = v1.TypeBasicAuth
		n.BasicAuth = normalizeBasicAuth(m, spec.Child(v1.TypeBasicAuth), &f)
	}
	if p.Spec.CORS != nil {
		n.Type = v1.TypeCORS
	}
	if !f.Allowed() {
		return nil, f
	}
	return n, f
}

// checkTypes enforces "exactly one policy type, and a supported one".
func checkTypes(s *v1.PolicySpec, spec *field.Path, f *findings.Set) {
	set := s.SetTypes()
	switch {
	case len(set) == 0:
		f.Required(spec, fmt.Sprintf("no policy type is set; set exactly one of %s", strings.Join(supportedTypes, " or ")))
	case len(set) > 1:
		f.Errorf(spec, set, "got %d policy types (%s); a Policy sets exactly one, and portcullis supports %s",
			len(set), strings.Join(set, ", "), strings.Join(supportedTypes, ", "))
	}
	for _, t := range set {
		if Ignored(t) {
			f.Warn(spec.Child(t), MsgIgnoredCORS)
			continue
		}
		if !Supported(t) {
			f.Forbidden(spec.Child(t), fmt.Sprintf("policy type %s is not supported by portcullis; only %s are",
				t, strings.Join(supportedTypes, ", ")))
		}
	}
}

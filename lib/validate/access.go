package validate

import (
	"slices"

	"github.com/seed-d040b84d/portcullis/lib/annotations"
	"github.com/seed-d040b84d/portcullis/lib/intent"
	"github.com/seed-d040b84d/portcullis/lib/nginxpolicy"
)

// accessPolicy is an accessControl Policy an Ingress references, resolved.
type accessPolicy struct {
	ref  intent.ObjectRef
	spec *nginxpolicy.AccessControl
}

// access decides which client addresses may use the Ingress's paths
// (docs/security.md, "Access control"): the source-range annotations, or an
// accessControl Policy, else the ConfigMap's defaults. The allowlist and the
// denylist each replace the ConfigMap's; a Policy replaces both. Nothing of
// it is ever ignored: where it cannot be enforced the Ingress is refused.
func (b *builder) access() {
	n := b.ann.Nginx
	allowKey, whiteKey := b.nkey(annotations.KeyAllowlistSourceRange), b.nkey(annotations.KeyWhitelistSourceRange)
	allow := n.AllowlistSourceRange
	if n.WhitelistSourceRange != nil {
		if allow != nil && !slices.Equal(allow, n.WhitelistSourceRange) {
			b.fs.Errorf(annPath(whiteKey), b.ing.Annotations[whiteKey],
				"%s is set to another list; %s is its older name: keep one of them", allowKey, whiteKey)
			b.failPaths(&intent.FailClosed{Reason: "two different source-range allowlists", Status: 503})
			return
		}
		allow = n.WhitelistSourceRange
	}
	deny := n.DenylistSourceRange
	annotated := allow != nil || deny != nil
	for _, short := range []string{annotations.KeyAllowlistSourceRange, annotations.KeyWhitelistSourceRange, annotations.KeyDenylistSourceRange} {
		if key := b.nkey(short); b.ann.Has(key) && b.parsedNothing(short) {
			// Present but refused (the findings say why): the paths it
			// meant to protect are not served open meanwhile.
			b.failPaths(&intent.FailClosed{Reason: key + " is invalid", Status: 503})
			return
		}
	}
	if b.refusedAccessKeys(annotated) {
		return
	}
	rule := &intent.Access{Source: "annotation"}
	if p := b.accessPolicy; p != nil {
		if annotated {
			b.fs.Errorf(annPath(annotations.KeyOrgPolicies), p.ref.String(),
				"policy %s (accessControl) and the source-range annotations both decide which clients may connect; keep one of them", p.ref)
			b.failPaths(&intent.FailClosed{Reason: "two access-control rules", Status: 503})
			return
		}
		rule = &intent.Access{Allow: p.spec.Allow, Deny: p.spec.Deny, Source: "policy:" + p.ref.String()}
	} else {
		cfg := b.v.opts.Config
		if allow == nil {
			allow = cfg.AllowlistSourceRange
		}
		if deny == nil {
			deny = cfg.DenylistSourceRange
		}
		if !annotated {
			rule.Source = "configmap"
		}
		rule.Allow, rule.Deny = allow, deny
	}
	if len(rule.Allow) == 0 && len(rule.Deny) == 0 {
		return
	}
	for _, name := range b.order {
		h := b.hosts[name].host
		for i := range h.Paths {
			a := *rule
			h.Paths[i].Access = &a
		}
	}
}

// refusedAccessKeys refuses access control where it cannot be enforced: on
// a passthrough Ingress (TLS and HTTP never reach nginx) and, for an
// accessControl Policy, on a mergeable master (it has no paths; set the
// Policy on the minions).
func (b *builder) refusedAccessKeys(annotated bool) bool {
	// Source-range annotations on a master are refused as path-level keys
	// (mergeable); a Policy is refused here.
	if p := b.accessPolicy; p != nil && b.in.Mergeable == "master" {
		b.fs.Errorf(annPath(annotations.KeyOrgPolicies), p.ref.String(),
			"policy %s (accessControl) on a mergeable master would reach no path: reference it from the minions", p.ref)
		return true
	}
	if pt := b.ann.Nginx.SSLPassthrough; pt == nil || !*pt || (!annotated && b.accessPolicy == nil) {
		return false
	}
	for _, key := range b.sourceRangeKeys() {
		b.fs.Errorf(annPath(key), b.ing.Annotations[key], "cannot be enforced under ssl-passthrough: the connection goes to the backend without nginx seeing it; restrict clients in front of portcullis or at the backend")
	}
	if p := b.accessPolicy; p != nil {
		b.fs.Errorf(annPath(annotations.KeyOrgPolicies), p.ref.String(), "policy %s (accessControl) cannot be enforced under ssl-passthrough", p.ref)
	}
	b.failAll(&intent.FailClosed{Reason: "access control cannot be enforced under ssl-passthrough"})
	return true
}

// sourceRangeKeys are the source-range annotations the Ingress has, full keys.
func (b *builder) sourceRangeKeys() []string {
	var out []string
	for _, short := range []string{annotations.KeyAllowlistSourceRange, annotations.KeyWhitelistSourceRange, annotations.KeyDenylistSourceRange} {
		if key := b.nkey(short); b.ann.Has(key) {
			out = append(out, key)
		}
	}
	return out
}

// parsedNothing reports whether the source-range annotation short gave no
// value (it did not parse).
func (b *builder) parsedNothing(short string) bool {
	n := b.ann.Nginx
	switch short {
	case annotations.KeyAllowlistSourceRange:
		return n.AllowlistSourceRange == nil
	case annotations.KeyWhitelistSourceRange:
		return n.WhitelistSourceRange == nil
	}
	return n.DenylistSourceRange == nil
}

// failPaths fails every path of the Ingress closed.
func (b *builder) failPaths(fc *intent.FailClosed) {
	for _, name := range b.order {
		h := b.hosts[name].host
		for i := range h.Paths {
			if h.Paths[i].FailClosed == nil {
				h.Paths[i].FailClosed = fc
			}
		}
	}
}

package validate

import (
	"fmt"
	"sort"
	"strings"

	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/seed-d040b84d/portcullis/lib/annotations"
	"github.com/seed-d040b84d/portcullis/lib/world"
)

// hostSettings are the host-scoped settings two Ingresses sharing a host must
// agree on: only one of them can decide the server nginx builds.
type hostSettings struct {
	passthrough bool
	secret      string // TLS secret name, "" when the host has no secretName
	tlsIndex    int
	clientAuth  string // "" when unset
	ciphers     string // "" when unset
}

// summarize reads the host-scoped settings of an Ingress without looking up
// any other object, so comparing against every other Ingress stays cheap.
func summarize(ing *networkingv1.Ingress, ann annotations.Parsed, r world.Resolver) map[string]hostSettings {
	n, o := ann.Nginx, ann.Org
	base := hostSettings{passthrough: n.SSLPassthrough != nil && *n.SSLPassthrough, tlsIndex: -1}
	switch {
	case n.AuthTLSSecret != nil:
		base.clientAuth = fmt.Sprintf("auth-tls-secret %s (verify %s)", qualify(n.AuthTLSSecret.Namespace, n.AuthTLSSecret.Name, ing.Namespace), orDefault(n.AuthTLSVerifyClient, defaultVerifyClient))
	case len(o.Policies) > 0:
		// ingressMTLS policies, compared by reference (egressMTLS is per path).
		var refs []string
		for _, p := range o.Policies {
			ref := qualify(p.Namespace, p.Name, ing.Namespace)
			if pol, ok := r.Policy(orDefault(p.Namespace, ing.Namespace), p.Name); ok && pol.Spec.IngressMTLS != nil {
				refs = append(refs, "ingressMTLS policy "+ref)
			}
		}
		base.clientAuth = strings.Join(refs, ", ")
	}
	base.ciphers = n.SSLCiphers
	if base.ciphers == "" {
		base.ciphers = o.SSLCiphers
	}
	out := map[string]hostSettings{}
	for _, r := range ing.Spec.Rules {
		if r.Host != "" {
			out[r.Host] = base
		}
	}
	for i, t := range ing.Spec.TLS {
		for _, h := range t.Hosts {
			if s, ok := out[h]; ok && s.tlsIndex < 0 {
				s.secret, s.tlsIndex = t.SecretName, i
				out[h] = s
			}
		}
	}
	return out
}

func qualify(ns, name, def string) string {
	if ns == "" {
		ns = def
	}
	return ns + "/" + name
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// older reports whether a was created before b (creationTimestamp, then
// namespace/name); an Ingress not yet created is the newest.
func older(a, b *networkingv1.Ingress) bool {
	at, bt := a.CreationTimestamp, b.CreationTimestamp
	switch {
	case at.IsZero() != bt.IsZero():
		return bt.IsZero()
	case !at.Equal(&bt):
		return at.Before(&bt)
	}
	return a.Namespace+"/"+a.Name < b.Namespace+"/"+b.Name
}

// conflicts refuses host-scoped settings that an older Ingress of ours sets
// differently for the same host (docs/reference.md#host-scoped-settings). Each
// setting belongs to the oldest Ingress that sets it for the host, so this one
// is compared with that owner only: agreeing with the owner is fine even when
// an Ingress in between (itself refused) disagrees.
func (b *builder) conflicts() {
	if b.in.Mergeable != "" {
		return // masters and minions share hosts by design
	}
	var others, newer []summarized
	seen := map[string]bool{}
	for _, host := range b.order {
		for _, other := range world.IngressesWithHost(b.r, host) {
			id := other.Namespace + "/" + other.Name
			if seen[id] || (other.Namespace == b.ing.Namespace && other.Name == b.ing.Name) {
				continue
			}
			seen[id] = true
			if _, ours, _ := IngressClassOf(other, b.r, b.v.opts.Class); !ours {
				continue
			}
			ann, _ := annotations.Parse(other.Annotations, annotations.Options{Prefix: b.v.opts.AnnotationsPrefix, AllowLegacyTLS: true})
			if ann.Org.MergeableIngressType != "" {
				continue
			}
			s := summarized{ing: other, ann: ann, hosts: summarize(other, ann, b.r)}
			if older(other, b.ing) {
				others = append(others, s)
			} else {
				newer = append(newer, s)
			}
		}
	}
	if len(others)+len(newer) == 0 {
		return
	}
	mine := summarize(b.ing, b.ann, b.r)
	for _, list := range [][]summarized{others, newer} {
		sort.Slice(list, func(i, j int) bool { return older(list[i].ing, list[j].ing) })
	}
	ignored := map[int]bool{}
	for _, name := range b.order {
		if m, ok := mine[name]; ok {
			b.compareHost(name, m, owners(name, others))
			b.ignoredHostKeys(name, settingsOwner(name, m, others, newer), ignored)
		}
	}
}

// comparedHostKeys are the host-scoped keys not left to the host's oldest
// Ingress alone: compareHost refuses a difference in the first five, and
// use-regex on any Ingress of a host makes the whole host's paths regular
// expressions. Every other host-scoped key is in hostLevels.
var comparedHostKeys = map[string]bool{
	annotations.KeySSLPassthrough: true, annotations.KeyAuthTLSSecret: true,
	annotations.KeyAuthTLSVerifyClient: true, annotations.KeySSLCiphers: true,
	annotations.KeyOrgSSLCiphers: true, annotations.KeyUseRegex: true,
}

// summarized is another Ingress's host settings.
type summarized struct {
	ing   *networkingv1.Ingress
	ann   annotations.Parsed
	hosts map[string]hostSettings
}

// hostOwners are the Ingresses that decide each setting of one host: the
// oldest that has the host, and the oldest that sets a secret and ciphers.
type hostOwners struct {
	first, secret, ciphers *summarized
}

// owners finds a host's owners among others, oldest first.
func owners(host string, others []summarized) hostOwners {
	var o hostOwners
	for i := range others {
		t, ok := others[i].hosts[host]
		if !ok {
			continue
		}
		if o.first == nil {
			o.first = &others[i]
		}
		if o.secret == nil && t.secret != "" {
			o.secret = &others[i]
		}
		if o.ciphers == nil && t.ciphers != "" {
			o.ciphers = &others[i]
		}
	}
	return o
}

func who(o *summarized) string {
	return fmt.Sprintf("Ingress %s/%s, which is older and keeps it", o.ing.Namespace, o.ing.Name)
}

func (b *builder) compareHost(host string, mine hostSettings, o hostOwners) {
	if o.first == nil {
		return
	}
	rule := field.NewPath("spec", "rules").Index(b.hosts[host].rule).Child("host")
	if theirs := o.first.hosts[host]; mine.passthrough != theirs.passthrough {
		b.fs.Errorf(rule, host, "host %q is served with ssl-passthrough=%t by %s; a host is either passed through or terminated, in every Ingress", host, theirs.passthrough, who(o.first))
		return
	}
	if o.secret != nil {
		if theirs := o.secret.hosts[host]; mine.secret != "" && mine.secret != theirs.secret {
			b.fs.Errorf(field.NewPath("spec", "tls").Index(mine.tlsIndex).Child("secretName"), mine.secret,
				"host %q already has certificate secret %q from %s; use the same secret or another host", host, theirs.secret, who(o.secret))
		}
	}
	if theirs := o.first.hosts[host]; mine.clientAuth != "" && mine.clientAuth != theirs.clientAuth {
		was := theirs.clientAuth
		if was == "" {
			was = "no client authentication"
		}
		b.fs.Errorf(rule, host, "host %q has %s from %s, but this Ingress asks for %s; client authentication is per host, so set it on that Ingress",
			host, was, who(o.first), mine.clientAuth)
	}
	if o.ciphers != nil {
		if theirs := o.ciphers.hosts[host]; mine.ciphers != "" && mine.ciphers != theirs.ciphers {
			b.fs.Errorf(rule, host, "host %q has ciphers %q from %s; this Ingress asks for %q", host, theirs.ciphers, who(o.ciphers), mine.ciphers)
		}
	}
}

package validate

import (
	"fmt"

	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/seed-d040b84d/portcullis/lib/annotations"
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
func summarize(ing *networkingv1.Ingress, ann annotations.Parsed) map[string]hostSettings {
	n, o := ann.Nginx, ann.Org
	base := hostSettings{passthrough: n.SSLPassthrough != nil && *n.SSLPassthrough, tlsIndex: -1}
	switch {
	case n.AuthTLSSecret != nil:
		base.clientAuth = fmt.Sprintf("auth-tls-secret %s (verify %s)", qualify(n.AuthTLSSecret.Namespace, n.AuthTLSSecret.Name, ing.Namespace), orDefault(n.AuthTLSVerifyClient, defaultVerifyClient))
	case len(o.Policies) > 0:
		base.clientAuth = "" // policies are compared by reference below
		for _, p := range o.Policies {
			base.clientAuth += "policy " + qualify(p.Namespace, p.Name, ing.Namespace) + " "
		}
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
// differently for the same host (FEATURES.md §3a): the older one keeps them.
func (b *builder) conflicts() {
	if b.in.Mergeable != "" {
		return // masters and minions share hosts by design
	}
	mine := summarize(b.ing, b.ann)
	if len(mine) == 0 {
		return
	}
	for _, other := range b.r.Ingresses() {
		if other.Namespace == b.ing.Namespace && other.Name == b.ing.Name {
			continue
		}
		if !older(other, b.ing) {
			continue
		}
		if _, ours, _ := IngressClassOf(other, b.r, b.v.opts.Class); !ours {
			continue
		}
		ann, _ := annotations.Parse(other.Annotations, annotations.Options{Prefix: b.v.opts.AnnotationsPrefix, AllowLegacyTLS: true})
		if ann.Org.MergeableIngressType != "" {
			continue
		}
		theirs := summarize(other, ann)
		for _, name := range b.order {
			t, shared := theirs[name]
			if !shared {
				continue
			}
			b.compareHost(name, mine[name], t, other)
		}
	}
}

func (b *builder) compareHost(host string, mine, theirs hostSettings, other *networkingv1.Ingress) {
	who := fmt.Sprintf("Ingress %s/%s, which is older and keeps it", other.Namespace, other.Name)
	rule := field.NewPath("spec", "rules").Index(b.hosts[host].rule).Child("host")
	if mine.passthrough != theirs.passthrough {
		b.fs.Errorf(rule, host, "host %q is served with ssl-passthrough=%t by %s; a host is either passed through or terminated, in every Ingress", host, theirs.passthrough, who)
		return
	}
	if mine.secret != "" && theirs.secret != "" && mine.secret != theirs.secret {
		b.fs.Errorf(field.NewPath("spec", "tls").Index(mine.tlsIndex).Child("secretName"), mine.secret,
			"host %q already has certificate secret %q from %s; use the same secret or another host", host, theirs.secret, who)
	}
	if mine.clientAuth != "" && mine.clientAuth != theirs.clientAuth {
		was := theirs.clientAuth
		if was == "" {
			was = "no client authentication"
		}
		b.fs.Errorf(rule, host, "host %q has %s from %s, but this Ingress asks for %s; client authentication is per host, so set it on that Ingress",
			host, was, who, mine.clientAuth)
	}
	if mine.ciphers != "" && theirs.ciphers != "" && mine.ciphers != theirs.ciphers {
		b.fs.Errorf(rule, host, "host %q has ciphers %q from %s; this Ingress asks for %q", host, theirs.ciphers, who, mine.ciphers)
	}
}

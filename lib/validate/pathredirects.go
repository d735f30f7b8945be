package validate

import (
	"fmt"
	"slices"
	"strings"

	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/seed-d040b84d/portcullis/lib/annotations"
	"github.com/seed-d040b84d/portcullis/lib/annotations/grammar"
	"github.com/seed-d040b84d/portcullis/lib/certs"
	"github.com/seed-d040b84d/portcullis/lib/config"
	"github.com/seed-d040b84d/portcullis/lib/intent"
	"github.com/seed-d040b84d/portcullis/lib/world"
)

// pathRedirects applies the fixed redirects, the upstream Host,
// X-Forwarded-Prefix, nginx.org/rewrites and the app-root of either dialect
// to the Ingress's hosts and paths (docs/annotations.md).
func (b *builder) pathRedirects() {
	n, o := b.ann.Nginx.Redirects, b.ann.Org.Redirects
	url, code := n.EffectiveRedirect()
	fw := intent.Forwarding{Host: n.UpstreamHost, Prefix: n.ForwardedPrefix,
		RelativeRedirects: n.RelativeRedirects != nil && *n.RelativeRedirects,
		PortInRedirects:   n.PortInRedirects != nil && *n.PortInRedirects}
	rewrites := map[string]string{}
	for _, r := range o.Rewrites {
		rewrites[r.Service] = r.Path
	}
	used := map[string]bool{}
	appRoot := n.AppRoot
	if appRoot == "" {
		appRoot = o.AppRoot
	}
	appRootKey := b.nkey(annotations.KeyAppRoot)
	if n.AppRoot == "" {
		appRootKey = annotations.KeyOrgAppRoot
	}
	for _, name := range b.order {
		h := b.hosts[name].host
		if appRoot != "" && name != "" {
			h.AppRoot = appRoot
			if slices.ContainsFunc(h.Paths, func(p intent.Path) bool {
				return p.Path == "/" && p.PathType == string(networkingv1.PathTypeExact) && !p.Regex
			}) {
				b.fs.Warnf(annPath(appRootKey), "has no effect on %q: its Exact path \"/\" is served", name)
			}
		}
		for i := range h.Paths {
			p := &h.Paths[i]
			if url != "" {
				p.Redirect = &intent.PathRedirect{URL: url, Code: code}
			}
			f := fw
			if rw, ok := rewrites[p.Backend.Service]; ok {
				used[p.Backend.Service] = true
				f.PathRewrite = rw
				b.checkRewriteCaptures(p)
			}
			if f != (intent.Forwarding{}) {
				p.Forwarding = &f
			}
		}
	}
	if appRoot != "" && b.hosts[""] != nil {
		b.fs.Warn(annPath(appRootKey), "has no effect on the rules without a host (the default server's)")
	}
	for _, r := range o.Rewrites {
		if !used[r.Service] {
			b.fs.Errorf(annPath(annotations.KeyOrgRewrites), r.Service,
				"names service %q, which no path of this Ingress uses (a rewrite applies only to this Ingress's own backends)", r.Service)
		}
	}
}

// checkRewriteCaptures refuses an nginx.org/rewrites on a regular-expression
// path with nine capturing groups: the rest of the path is passed on as one
// more capture, and nginx reads only $1 to $9.
func (b *builder) checkRewriteCaptures(p *intent.Path) {
	if !p.Regex {
		return
	}
	if groups, err := grammar.RegexPath(p.Path); err == nil && groups >= 9 {
		b.fs.Errorf(annPath(annotations.KeyOrgRewrites), p.Backend.Service,
			"cannot rewrite regular-expression path %q: it has %d capturing groups and a rewrite needs one more (nginx reads $1 to $9)", p.Path, groups)
	}
}

// wwwRedirects gives each host asking for from-to-www-redirect its other
// name, unless that name is another's: a name another namespace owns is
// refused (the tenancy rule, docs/security.md), a name another Ingress
// serves is left to it, as ingress-nginx does.
func (b *builder) wwwRedirects() {
	r := b.ann.Nginx.Redirects.FromToWWW
	if r == nil || !*r {
		return
	}
	key := b.nkey(annotations.KeyFromToWWWRedirect)
	for _, name := range b.order {
		h := b.hosts[name].host
		switch {
		case name == "" || strings.HasPrefix(name, "*."):
			b.fs.Warnf(annPath(key), "has no effect on rules with a wildcard host or without a host")
			continue
		case h.Termination == intent.Passthrough:
			b.fs.Warnf(annPath(key), "has no effect on %q: its TLS passes through to the backend", name)
			continue
		}
		other := wwwOther(name)
		if _, err := grammar.DNSName.Parse(other, grammar.Context{}); err != nil {
			b.fs.Errorf(annPath(key), "true", "cannot redirect from %q to %q: %v", other, name, err)
			continue
		}
		if !b.v.opts.Config.AllowCrossNamespaceHosts {
			if owner, tie, _ := b.hostOwner(other); owner != nil {
				o := owner.ing
				older := "is older"
				if tie {
					older = "was created in the same second, so neither namespace gets it"
				}
				b.fs.Errorf(annPath(key), "true",
					"would serve %q, which belongs to namespace %q (Ingress %s/%s names %q and %s); remove the annotation, or namespace %q lists %q in its annotation %s",
					other, o.Namespace, o.Namespace, o.Name, owner.host, older, o.Namespace, b.ing.Namespace, config.ShareHostsWithAnnotation)
				continue
			}
		}
		if b.hosts[other] != nil {
			b.fs.Warnf(annPath(key), "does not redirect %q to %q: this Ingress serves %q itself", other, name, other)
			continue
		}
		if by := b.servedBy(other); by != "" {
			b.fs.Warnf(annPath(key), "does not redirect %q to %q: Ingress %s serves %q", other, name, by, other)
			continue
		}
		h.WWWRedirect = other
		b.wwwCertificate(key, name, other, h.TLS)
	}
}

// wwwCertificate warns when the certificate host is served with does not
// name other, the name its www. redirect answers too: HTTPS clients of
// other would get a certificate error before they see the redirect.
func (b *builder) wwwCertificate(key, host, other string, t *intent.HostTLS) {
	if t == nil || t.Secret == nil {
		return
	}
	switch t.Certificate {
	case intent.CertSecret:
		sec, ok := b.r.Secret(t.Secret.Namespace, t.Secret.Name)
		if !ok {
			return
		}
		cert, _ := b.v.certs.TLS(sec, field.NewPath("data"), certs.TLSOptions{Now: b.now, AllowMisordered: b.v.opts.AllowMisorderedChains})
		if cert == nil || certs.CoversHost(cert.Leaf, other) {
			return
		}
		b.fs.Warnf(annPath(key), "the certificate of %q (secret %s) does not name %q: HTTPS clients of %q get a certificate error before the redirect; add %q to the certificate",
			host, t.Secret.Name, other, other, other)
	case intent.CertPending:
		for _, e := range b.ing.Spec.TLS {
			if e.SecretName == t.Secret.Name && (slices.Contains(e.Hosts, other) || slices.Contains(e.Hosts, "*."+world.HostParent(other))) {
				return
			}
		}
		b.fs.Warnf(annPath(key), "the certificate cert-manager issues into secret %s will not name %q: HTTPS clients of %q get a certificate error before the redirect; add %q to the hosts of that spec.tls entry",
			t.Secret.Name, other, other, other)
	}
}

// wwwOther is host with "www." removed, or added.
func wwwOther(host string) string {
	if rest, ok := strings.CutPrefix(host, "www."); ok {
		return rest
	}
	return "www." + host
}

// servedBy names an Ingress of ours other than this one with a rule for
// host, "" when none has.
func (b *builder) servedBy(host string) string {
	if ings := b.sorted(b.others(world.IngressesWithHost(b.r, host), false)); len(ings) > 0 {
		return fmt.Sprintf("%s/%s", ings[0].Namespace, ings[0].Name)
	}
	return ""
}

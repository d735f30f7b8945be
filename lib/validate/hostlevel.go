package validate

import (
	"fmt"
	"strconv"

	"github.com/seed-d040b84d/portcullis/lib/annotations"
	"github.com/seed-d040b84d/portcullis/lib/config"
)

// hostLevel is one host-level setting the data plane takes from the oldest
// Ingress naming the host (docs/reference.md#host-scoped-settings): the keys
// that set it, in either dialect, and its value as the annotations read
// ("" when unset), so that the same setting written in the other dialect's
// key compares equal.
type hostLevel struct {
	keys  []hostKey
	value func(annotations.Parsed) string
	// dflt is the value when no key sets it (the ConfigMap's, or the
	// annotation's default); nil: "".
	dflt func(config.Config) string
}

// effective is the setting's value on an Ingress: its own, else the default.
func (l hostLevel) effective(p annotations.Parsed, c config.Config) string {
	if v := l.value(p); v != "" || l.dflt == nil {
		return v
	}
	return l.dflt(c)
}

func constant(v string) func(config.Config) string { return func(config.Config) string { return v } }

// hostKey is a key in its table's convention (annotations.Row.Key).
type hostKey struct {
	dialect annotations.Dialect
	key     string
}

func nginxKey(k string) hostKey { return hostKey{annotations.DialectIngressNginx, k} }
func orgKey(k string) hostKey   { return hostKey{annotations.DialectNginxOrg, k} }

func boolValue(v *bool) string {
	if v == nil {
		return ""
	}
	return strconv.FormatBool(*v)
}

func intValue[T int | int64](v *T) string {
	if v == nil {
		return ""
	}
	return fmt.Sprint(*v)
}

// either is a's value when set, else b's: one setting in two dialects
// (annotations.Parse refuses the two disagreeing on one Ingress).
func either(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// hostLevels are the host-level settings other than those compareHost
// refuses a difference in (comparedHostKeys).
var hostLevels = []hostLevel{
	{keys: []hostKey{nginxKey(annotations.KeySSLRedirect), orgKey(annotations.KeyOrgSSLRedirect), orgKey(annotations.KeyLegacySSLRedirect)},
		value: func(p annotations.Parsed) string {
			org, _ := p.Org.EffectiveSSLRedirect()
			return either(boolValue(p.Nginx.SSLRedirect), boolValue(org))
		},
		dflt: func(c config.Config) string { return strconv.FormatBool(c.SSLRedirect) }},
	{keys: []hostKey{nginxKey(annotations.KeyForceSSLRedirect), orgKey(annotations.KeyOrgRedirectToHTTPS)},
		value: func(p annotations.Parsed) string {
			return either(boolValue(p.Nginx.ForceSSLRedirect), boolValue(p.Org.RedirectToHTTPS))
		},
		dflt: func(c config.Config) string { return strconv.FormatBool(c.ForceSSLRedirect) }},
	{keys: []hostKey{nginxKey(annotations.KeySSLPreferServerCiphers), orgKey(annotations.KeyOrgSSLPreferServerCiphers)},
		value: func(p annotations.Parsed) string {
			return either(boolValue(p.Nginx.SSLPreferServerCiphers), boolValue(p.Org.SSLPreferServerCiphers))
		},
		dflt: func(c config.Config) string { return strconv.FormatBool(c.SSLPreferServerCiphers) }},
	{keys: []hostKey{nginxKey(annotations.KeyAppRoot), orgKey(annotations.KeyOrgAppRoot)},
		value: func(p annotations.Parsed) string { return either(p.Nginx.Redirects.AppRoot, p.Org.Redirects.AppRoot) }},
	{keys: []hostKey{nginxKey(annotations.KeyFromToWWWRedirect)},
		value: func(p annotations.Parsed) string { return boolValue(p.Nginx.Redirects.FromToWWW) }, dflt: constant("false")},
	{keys: []hostKey{orgKey(annotations.KeyOrgHSTS)}, value: func(p annotations.Parsed) string { return boolValue(p.Org.HSTS) },
		dflt: func(c config.Config) string { return strconv.FormatBool(c.HSTS) }},
	{keys: []hostKey{orgKey(annotations.KeyOrgHSTSMaxAge)}, value: func(p annotations.Parsed) string { return intValue(p.Org.HSTSMaxAge) },
		dflt: func(c config.Config) string { return strconv.FormatInt(c.HSTSMaxAge, 10) }},
	{keys: []hostKey{orgKey(annotations.KeyOrgHSTSIncludeSubdomains)},
		value: func(p annotations.Parsed) string { return boolValue(p.Org.HSTSIncludeSubdomains) },
		dflt:  func(c config.Config) string { return strconv.FormatBool(c.HSTSIncludeSubdomains) }},
	{keys: []hostKey{orgKey(annotations.KeyOrgHSTSBehindProxy)}, value: func(p annotations.Parsed) string { return boolValue(p.Org.HSTSBehindProxy) },
		dflt: constant("false")},
	{keys: []hostKey{orgKey(annotations.KeyOrgServerTokens)}, value: func(p annotations.Parsed) string { return boolValue(p.Org.Headers.ServerTokens) },
		dflt: constant("false")},
	{keys: []hostKey{nginxKey(annotations.KeyAuthTLSVerifyDepth)}, value: func(p annotations.Parsed) string { return intValue(p.Nginx.AuthTLSVerifyDepth) },
		dflt: constant(strconv.Itoa(annotations.DefaultAuthTLSVerifyDepth))},
	{keys: []hostKey{nginxKey(annotations.KeyAuthTLSErrorPage)}, value: func(p annotations.Parsed) string { return p.Nginx.AuthTLSErrorPage }},
	{keys: []hostKey{nginxKey(annotations.KeyAuthTLSPassCertificateToUpstream)},
		value: func(p annotations.Parsed) string { return boolValue(p.Nginx.AuthTLSPassCertificateToUpstream) },
		dflt:  constant("false")},
	{keys: []hostKey{nginxKey(annotations.KeyAuthTLSMatchCN)}, value: func(p annotations.Parsed) string { return p.Nginx.AuthTLSMatchCN }},
}

// settingsOwner is the Ingress whose host-level settings the data plane
// serves for host, among the Ingresses naming it: the older ones (oldest
// first), this one (mine) and the newer ones (oldest first). It is the
// oldest with TLS for the host (or passed through), else the oldest; nil
// when it is this one. (The data plane also passes over an Ingress it
// refuses, which lib cannot see from here.)
func settingsOwner(host string, mine hostSettings, older, newer []summarized) *summarized {
	withTLS := func(s hostSettings) bool { return s.tlsIndex >= 0 || s.passthrough }
	for i := range older {
		if s, ok := older[i].hosts[host]; ok && withTLS(s) {
			return &older[i]
		}
	}
	if withTLS(mine) {
		return nil
	}
	for i := range newer {
		if s, ok := newer[i].hosts[host]; ok && withTLS(s) {
			return &newer[i]
		}
	}
	for i := range older {
		if _, ok := older[i].hosts[host]; ok {
			return &older[i]
		}
	}
	return nil
}

// ignoredHostKeys warns about each host-level setting this Ingress sets to
// another value than the Ingress that decides the host's settings in the
// data plane (settingsOwner, docs/reference.md#host-scoped-settings): it has
// no effect there. Each setting once, at the first host it has no effect
// on, on the first of its keys this Ingress carries.
func (b *builder) ignoredHostKeys(host string, owner *summarized, warned map[int]bool) {
	if owner == nil {
		return
	}
	for i, s := range hostLevels {
		if warned[i] {
			continue
		}
		key := ""
		for _, k := range s.keys {
			if full := b.ann.Key(k.dialect, k.key); b.ann.Has(full) {
				key = full
				break
			}
		}
		if key == "" {
			continue
		}
		cfg := b.v.opts.Config
		mine, theirs := s.effective(b.ann, cfg), s.effective(owner.ann, cfg)
		if mine == theirs {
			continue
		}
		warned[i] = true
		was := fmt.Sprintf("sets it to %q", theirs)
		switch {
		case owner.ing.Namespace != b.ing.Namespace:
			// Another namespace's settings are its own to read.
			was = "sets it otherwise"
		case s.value(owner.ann) == "":
			was = "does not set it"
			if theirs != "" {
				was = fmt.Sprintf("leaves the default, %q", theirs)
			}
		}
		b.fs.Warnf(annPath(key), "has no effect on host %q: the host's settings come from Ingress %s/%s (of the Ingresses naming it, the oldest with TLS, else the oldest), which %s; set it there",
			host, owner.ing.Namespace, owner.ing.Name, was)
	}
}

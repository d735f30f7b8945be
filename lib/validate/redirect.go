package validate

import (
	"github.com/seed-d040b84d/portcullis/lib/intent"
)

// redirectsAndHSTS decides each host's HTTP→HTTPS redirect and HSTS header from
// the annotations of either dialect and the ConfigMap (FEATURES.md §3a, §4, §6).
func (b *builder) redirectsAndHSTS() {
	cfg := b.v.opts.Config
	n, o := b.ann.Nginx, b.ann.Org
	toHTTPS := cfg.SSLRedirect
	if n.SSLRedirect != nil {
		toHTTPS = *n.SSLRedirect
	} else if v, _ := o.EffectiveSSLRedirect(); v != nil {
		toHTTPS = *v
	}
	force := cfg.ForceSSLRedirect
	if n.ForceSSLRedirect != nil {
		force = *n.ForceSSLRedirect
	} else if o.RedirectToHTTPS != nil {
		force = *o.RedirectToHTTPS
	}
	for _, name := range b.order {
		h := b.hosts[name].host
		if h.Termination == intent.Passthrough {
			continue
		}
		h.Redirect = intent.Redirect{
			ToHTTPS: force || (toHTTPS && h.TLS != nil),
			Force:   force,
			Code:    cfg.HTTPRedirectCode,
		}
		if h.Redirect.ToHTTPS {
			h.Redirect.Exempt = cfg.NoTLSRedirectLocations
		}
		h.HSTS = b.hsts(h)
	}
}

// hsts is sent only on hosts that terminate TLS with their own certificate
// (never with the default one), by the ConfigMap unless nginx.org/hsts decides.
func (b *builder) hsts(h *intent.Host) *intent.HSTS {
	if h.TLS == nil || h.TLS.Certificate != intent.CertSecret {
		return nil
	}
	cfg, o := b.v.opts.Config, b.ann.Org
	on := cfg.HSTS
	if o.HSTS != nil {
		on = *o.HSTS
	}
	if !on {
		return nil
	}
	out := &intent.HSTS{MaxAge: cfg.HSTSMaxAge, IncludeSubdomains: cfg.HSTSIncludeSubdomains, Preload: cfg.HSTSPreload}
	if o.HSTSMaxAge != nil {
		out.MaxAge = *o.HSTSMaxAge
	}
	if o.HSTSIncludeSubdomains != nil {
		out.IncludeSubdomains = *o.HSTSIncludeSubdomains
	}
	if o.HSTSBehindProxy != nil {
		out.BehindProxy = *o.HSTSBehindProxy
	}
	return out
}

package validate

import (
	"github.com/seed-d040b84d/portcullis/lib/intent"
)

// redirectsAndHSTS decides each host's HTTP→HTTPS redirect and HSTS header from
// the annotations of either dialect and the ConfigMap:
// docs/annotations.md#ingress-nginx-nginxingresskubernetesio,
// docs/annotations.md#nginx-inc-nginxorg,
// docs/annotations.md#global-configmap---configmap-default-portcullis-systemportcullis.
func (b *builder) redirectsAndHSTS() {
	cfg := b.v.opts.Config
	n, o := b.ann.Nginx, b.ann.Org
	orgRedirect, _ := o.EffectiveSSLRedirect()
	toHTTPS := eitherDialect(cfg.SSLRedirect, n.SSLRedirect, orgRedirect)
	force := eitherDialect(cfg.ForceSSLRedirect, n.ForceSSLRedirect, o.RedirectToHTTPS)
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

// eitherDialect is a redirect setting from either dialect's annotation, else
// the ConfigMap's. When both dialects set it and disagree (an error the
// findings name) the safer reading wins: redirect.
func eitherDialect(def bool, nginx, org *bool) bool {
	switch {
	case nginx != nil && org != nil:
		return *nginx || *org
	case nginx != nil:
		return *nginx
	case org != nil:
		return *org
	}
	return def
}

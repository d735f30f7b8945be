package validate

import (
	"slices"
	"strings"

	"github.com/seed-d040b84d/portcullis/lib/annotations"
	"github.com/seed-d040b84d/portcullis/lib/annotations/grammar"
	"github.com/seed-d040b84d/portcullis/lib/intent"
)

// headers applies the response header keys of either dialect to the
// Ingress's paths and server-tokens to its hosts (docs/annotations.md):
// CORS, added, hidden and passed headers, and proxy_redirect. When both
// dialects set proxy_redirect and disagree, annotations.Parse has refused
// the Ingress already.
func (b *builder) headers() {
	if st := b.ann.Org.Headers.ServerTokens; st != nil && *st && b.in.Mergeable != "minion" {
		for _, name := range b.order {
			b.hosts[name].host.ServerTokens = true
		}
	}
	h := intent.Headers{CORS: b.cors(), Redirect: b.proxyRedirect()}
	org := b.orgHeaders()
	h.Hide, h.Pass = org.Hide, org.Pass
	h.Request = b.requestHeaders(org.Set)
	for _, a := range org.Add {
		if h.CORS != nil && isCORSHeader(a.Name) {
			// Two answers to one origin: a constant one would widen or
			// contradict the listed origins' (docs/reference.md#cors).
			b.fs.Errorf(annPath(annotations.KeyOrgAddHeader), a.Name, "adds %s, which %s: \"true\" writes on this Ingress; set CORS with one of them",
				a.Name, b.nkey(annotations.KeyEnableCORS))
			continue
		}
		h.Add = append(h.Add, intent.Header{Name: a.Name, Value: a.Value, Always: a.Always})
	}
	if b.ann.Has(annotations.KeyOrgAddHeaderInherit) && b.in.Mergeable != "minion" {
		b.fs.Warnf(annPath(annotations.KeyOrgAddHeaderInherit), "has an effect only on a mergeable minion (nginx.org/mergeable-ingress-type: minion); the host's HSTS header is always kept")
	}
	if h.CORS == nil && h.Redirect == nil && h.Add == nil && h.Hide == nil && h.Pass == nil && h.Request == nil {
		return
	}
	grpc := b.onEachPath(func(p *intent.Path) {
		hh := h
		p.Headers = &hh
	})
	if grpc && h.Redirect != nil {
		for _, key := range []string{b.nkey(annotations.KeyProxyRedirectFrom), annotations.KeyOrgProxyRedirectFrom} {
			if b.ann.Has(key) {
				b.fs.Warn(annPath(key), "has no effect on this Ingress's gRPC backends (gRPC has no redirects to rewrite)")
			}
		}
	}
}

// requestHeaders are the headers nginx.org/proxy-set-headers sends to the
// backends. A bare name (the client's own header) changes nothing and is
// warned about; a header the Ingress's authentication service answers with
// is that service's to set.
func (b *builder) requestHeaders(set []grammar.RequestHeader) []intent.Header {
	var out []intent.Header
	for _, s := range set {
		switch {
		case s.Value == "":
			b.fs.Warnf(annPath(annotations.KeyOrgProxySetHeaders), "%s without a value is the client's own %s header, which nginx passes to the backend anyway: no effect", s.Name, s.Name)
		case slices.ContainsFunc(b.ann.Nginx.AuthResponseHeaders, func(a string) bool { return strings.EqualFold(a, s.Name) }):
			b.fs.Errorf(annPath(annotations.KeyOrgProxySetHeaders), s.Name, "header %q is copied from the authentication service's answer (%s); set another header", s.Name, b.nkey(annotations.KeyAuthResponseHeaders))
		default:
			out = append(out, intent.Header{Name: s.Name, Value: s.Value})
		}
	}
	return out
}

// cors is ingress-nginx's CORS with its defaults; nil unless enable-cors is
// true. Keys set without it are reported: they would do nothing.
func (b *builder) cors() *intent.CORS {
	c := b.ann.Nginx.CORS
	if len(c.Origins) == 0 && b.ann.Has(b.nkey(annotations.KeyCORSAllowOrigin)) {
		return nil // refused: never widened to "*"
	}
	if c.Enable == nil || !*c.Enable {
		for _, k := range []string{annotations.KeyCORSAllowOrigin, annotations.KeyCORSAllowMethods, annotations.KeyCORSAllowHeaders,
			annotations.KeyCORSExposeHeaders, annotations.KeyCORSAllowCredentials, annotations.KeyCORSMaxAge} {
			if b.ann.Has(b.nkey(k)) {
				b.fs.Warnf(annPath(b.nkey(k)), "has no effect without %s: \"true\"", b.nkey(annotations.KeyEnableCORS))
			}
		}
		return nil
	}
	out := &intent.CORS{
		Methods: orDefaultList(c.Methods, annotations.DefaultCORSMethods),
		Headers: orDefaultList(c.Headers, annotations.DefaultCORSHeaders),
		Expose:  slices.Clone(c.Expose),
		MaxAge:  annotations.DefaultCORSMaxAge,
	}
	if c.MaxAge != nil {
		out.MaxAge = *c.MaxAge
	}
	credentials := c.Credentials == nil || *c.Credentials
	if len(c.Origins) == 0 || c.Origins[0] == "*" {
		out.AnyOrigin = true
		if c.Credentials != nil && *c.Credentials {
			b.fs.Warnf(annPath(b.nkey(annotations.KeyCORSAllowCredentials)),
				"is not sent with %s: \"*\": browsers refuse credentials with \"*\", and portcullis never reflects an arbitrary origin; list the origins that may send credentials",
				b.nkey(annotations.KeyCORSAllowOrigin))
		}
		return out
	}
	out.Origins, out.Credentials = slices.Clone(c.Origins), credentials
	return out
}

// isCORSHeader is whether name is one of the Access-Control-* response
// headers.
func isCORSHeader(name string) bool {
	return len(name) >= len("access-control-") && strings.EqualFold(name[:len("access-control-")], "access-control-")
}

func orDefaultList(v, def []string) []string {
	if len(v) == 0 {
		return slices.Clone(def)
	}
	return slices.Clone(v)
}

// proxyRedirect is proxy-redirect-from and -to of either dialect; a URL or
// path "from" needs a "to", and "to" needs such a "from".
func (b *builder) proxyRedirect() *intent.ProxyRedirect {
	n, o := b.ann.Nginx.ProxyRedirect, b.ann.Org.ProxyRedirect
	fromKey, toKey, r := b.nkey(annotations.KeyProxyRedirectFrom), b.nkey(annotations.KeyProxyRedirectTo), n
	if r.From == "" && r.To == "" {
		fromKey, toKey, r = annotations.KeyOrgProxyRedirectFrom, annotations.KeyOrgProxyRedirectTo, o
	}
	switch {
	case r.From == "" && r.To == "":
		return nil
	case r.From == "":
		if b.ann.Has(fromKey) {
			return nil // refused already
		}
		b.fs.Errorf(annPath(toKey), r.To, "needs %s (the prefix it replaces)", fromKey)
		return nil
	case r.From == "off" || r.From == "default":
		if r.To != "" {
			b.fs.Errorf(annPath(toKey), r.To, "has no effect with %s: %q; remove it, or set %s to the prefix it replaces", fromKey, r.From, fromKey)
			return nil
		}
	case r.To == "":
		if b.ann.Has(toKey) {
			return nil // refused already
		}
		b.fs.Errorf(annPath(fromKey), r.From, "needs %s (what %q is replaced with)", toKey, r.From)
		return nil
	}
	return &intent.ProxyRedirect{From: r.From, To: r.To}
}

// orgHeaders are NGINX Inc's added, hidden and passed headers, a mergeable
// minion's merged with its master's (annotations.InheritedByMinions):
// the minion's own list replaces the master's, and add-header-inherit
// says how added headers combine.
func (b *builder) orgHeaders() annotations.OrgHeaders {
	own := b.ann.Org.Headers
	master := b.masterAnnotations()
	if master.ing == nil {
		return own
	}
	m := master.ann.Org.Headers
	if own.Hide == nil {
		own.Hide = m.Hide
	}
	if own.Pass == nil {
		own.Pass = m.Pass
	}
	switch {
	case own.Set != nil:
	case master.ing.Namespace == b.ing.Namespace:
		own.Set = m.Set
	case m.Set != nil:
		// Request headers reach this namespace's backends: another
		// namespace's master does not choose them.
		b.fs.Warnf(annPath(annotations.KeyOrgMergeableIngressType), "the request headers of master %s/%s (%s) are not sent to this minion's backends: a minion inherits them only from a master of its own namespace",
			master.ing.Namespace, master.ing.Name, annotations.KeyOrgProxySetHeaders)
	}
	switch own.AddInherit {
	case "off":
	case "merge":
		merged := slices.Clone(own.Add)
		for _, h := range m.Add {
			if !slices.ContainsFunc(own.Add, func(x grammar.Header) bool { return strings.EqualFold(x.Name, h.Name) }) {
				merged = append(merged, h)
			}
		}
		own.Add = merged
	default:
		if own.Add == nil {
			own.Add = m.Add
		}
	}
	return own
}

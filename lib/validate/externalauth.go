package validate

import (
	"strings"

	"github.com/seed-d040b84d/portcullis/lib/annotations"
	"github.com/seed-d040b84d/portcullis/lib/annotations/grammar"
	"github.com/seed-d040b84d/portcullis/lib/intent"
)

// externalAuth applies ingress-nginx's external authentication (auth-url)
// to the Ingress's paths (docs/security.md, "Access control"). A key that
// cannot take effect is an error and the paths fail closed: never served
// without the authentication they asked for.
func (b *builder) externalAuth() {
	n := b.ann.Nginx
	urlKey := b.nkey(annotations.KeyAuthURL)
	if n.AuthURL == "" {
		if b.ann.Has(urlKey) {
			b.failPaths(&intent.FailClosed{Reason: urlKey + " is invalid", Status: 503})
			return
		}
		for _, short := range []string{annotations.KeyAuthMethod, annotations.KeyAuthSignin, annotations.KeyAuthResponseHeaders} {
			if key := b.nkey(short); b.ann.Has(key) {
				b.fs.Errorf(annPath(key), b.ing.Annotations[key], "has no effect without %s; set it, or remove this key", urlKey)
			}
		}
		return
	}
	for _, short := range []string{annotations.KeyAuthMethod, annotations.KeyAuthSignin, annotations.KeyAuthResponseHeaders} {
		if key := b.nkey(short); b.ann.Has(key) && b.ing.Annotations[key] != "" && !b.parsedExternal(short) {
			b.failPaths(&intent.FailClosed{Reason: key + " is invalid", Status: 503})
			return
		}
	}
	if pt := b.ann.Nginx.SSLPassthrough; pt != nil && *pt {
		b.fs.Errorf(annPath(urlKey), n.AuthURL, "cannot be enforced under ssl-passthrough: the connection goes to the backend without nginx seeing it")
		b.failAll(&intent.FailClosed{Reason: "external authentication cannot be enforced under ssl-passthrough"})
		return
	}
	for _, h := range n.AuthResponseHeaders {
		if why := grammar.ReservedRequestHeader(h); why != "" {
			key := b.nkey(annotations.KeyAuthResponseHeaders)
			b.fs.Errorf(annPath(key), h, "header %q may not be sent to the backend from the authentication service's answer: %s; copy it into another header", h, why)
			b.failPaths(&intent.FailClosed{Reason: key + " names a reserved header", Status: 503})
			return
		}
	}
	if strings.HasPrefix(n.AuthURL, "https://") {
		b.fs.Warn(annPath(urlKey), "the authentication service's certificate is not verified (as in ingress-nginx); prefer a service inside the cluster over http://, or a network you trust")
	}
	ext := intent.ExternalAuth{URL: n.AuthURL, Method: orDefault(n.AuthMethod, "GET"), SignIn: n.AuthSignin, ResponseHeaders: n.AuthResponseHeaders}
	for _, name := range b.order {
		h := b.hosts[name].host
		for i := range h.Paths {
			e := ext
			h.Paths[i].ExternalAuth = &e
		}
	}
}

// parsedExternal reports whether the external-authentication key short
// gave a value.
func (b *builder) parsedExternal(short string) bool {
	n := b.ann.Nginx
	switch short {
	case annotations.KeyAuthMethod:
		return n.AuthMethod != ""
	case annotations.KeyAuthSignin:
		return n.AuthSignin != ""
	}
	return n.AuthResponseHeaders != nil
}

package validate

import (
	"strings"

	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/seed-d040b84d/portcullis/lib/annotations"
	"github.com/seed-d040b84d/portcullis/lib/htpasswd"
	"github.com/seed-d040b84d/portcullis/lib/intent"
	"github.com/seed-d040b84d/portcullis/lib/nginxpolicy"
)

// basicPolicy is a basicAuth Policy an Ingress references, resolved.
type basicPolicy struct {
	ref  intent.ObjectRef
	spec *nginxpolicy.BasicAuth
}

// basicSource is one way an Ingress asks for basic authentication.
type basicSource struct {
	auth  intent.BasicAuth
	field *field.Path // where its findings go
	about string      // how messages name it
}

// basicAuth applies HTTP basic authentication to the Ingress's paths
// (docs/security.md, "Access control"): ingress-nginx's auth-type: basic
// with auth-secret, NGINX Inc's nginx.org/basic-auth-secret, or a basicAuth
// Policy; one of them. The users are checked now (plaintext and DES crypt
// refused) and again by the controller. A setting that cannot take effect
// is an error, never ignored: the paths would be served to every client.
func (b *builder) basicAuth() {
	srcs := b.basicSources()
	if len(srcs) == 0 {
		return
	}
	if len(srcs) > 1 {
		names := make([]string, len(srcs))
		for i, s := range srcs {
			names[i] = s.about
		}
		b.fs.Errorf(srcs[1].field, names[1], "basic authentication is set twice (%s); keep one", strings.Join(names, " and "))
		b.failPaths(&intent.FailClosed{Reason: "basic authentication set twice", Status: 503})
		return
	}
	src := srcs[0]
	if b.in.Mergeable == "master" {
		// The annotations are refused as path-level keys (mergeable).
		if b.basicPolicy != nil {
			b.fs.Errorf(src.field, src.about, "%s on a mergeable master would reach no path: set it on the minions", src.about)
		}
		return
	}
	if pt := b.ann.Nginx.SSLPassthrough; pt != nil && *pt {
		b.fs.Errorf(src.field, src.about, "%s cannot be enforced under ssl-passthrough: the connection goes to the backend without nginx seeing it", src.about)
		b.failAll(&intent.FailClosed{Reason: "basic authentication cannot be enforced under ssl-passthrough"})
		return
	}
	ref := src.auth.Secret
	sec, ok := b.r.Secret(ref.Namespace, ref.Name)
	if !ok {
		b.fs.Warnf(src.field, "%s: secret %s not found; the paths answer 503 until it exists", src.about, ref)
		b.failPaths(&intent.FailClosed{Reason: "basic authentication secret " + ref.String() + " not found", Status: 503})
		return
	}
	if _, fs := htpasswd.FromSecret(sec, src.auth.Format, src.auth.Key, field.NewPath("data")); !fs.Allowed() || len(fs.Warnings) > 0 {
		b.mergeAbout(fs, src.field, src.about+": secret "+ref.String())
		if !fs.Allowed() {
			b.failPaths(&intent.FailClosed{Reason: "basic authentication secret " + ref.String() + " is invalid", Status: 503})
			return
		}
	}
	for _, name := range b.order {
		h := b.hosts[name].host
		for i := range h.Paths {
			a := src.auth
			h.Paths[i].BasicAuth = &a
		}
	}
}

// basicSources are the ways the Ingress asks for basic authentication, and
// errors for the keys that cannot take effect alone.
func (b *builder) basicSources() []basicSource {
	n, o := b.ann.Nginx, b.ann.Org
	var out []basicSource
	typeKey, secretKey := b.nkey(annotations.KeyAuthType), b.nkey(annotations.KeyAuthSecret)
	switch {
	case n.AuthType == "basic" && n.AuthSecret == nil:
		b.fs.Required(annPath(secretKey), "auth-type: basic needs the Secret with its users")
		b.failPaths(&intent.FailClosed{Reason: "basic authentication without users", Status: 503})
	case n.AuthType == "basic":
		if ref, ok := b.ref(n.AuthSecret, secretKey); ok {
			a := intent.BasicAuth{Secret: ref, Format: htpasswd.FormatFile, Key: "auth", Realm: orDefault(n.AuthRealm, nginxpolicy.DefaultRealm), Source: "annotation"}
			if n.AuthSecretType == "auth-map" {
				a.Format, a.Key = htpasswd.FormatMap, ""
			}
			out = append(out, basicSource{auth: a, field: annPath(secretKey), about: secretKey})
		} else {
			b.failPaths(&intent.FailClosed{Reason: secretKey + " is refused", Status: 503})
		}
	default:
		for _, short := range []string{annotations.KeyAuthSecret, annotations.KeyAuthSecretType, annotations.KeyAuthRealm} {
			if key := b.nkey(short); b.ann.Has(key) && !b.ann.Has(typeKey) {
				b.fs.Errorf(annPath(key), b.ing.Annotations[key], "has no effect without %s: \"basic\"; set it, or remove this key", typeKey)
			}
		}
		if b.ann.Has(typeKey) && n.AuthType == "" {
			// auth-type is present but refused (digest, a typo): the paths
			// it meant to protect are not served open meanwhile.
			b.failPaths(&intent.FailClosed{Reason: typeKey + " is invalid", Status: 503})
		}
	}
	switch {
	case o.BasicAuthSecret != "":
		ref := intent.ObjectRef{Namespace: b.ing.Namespace, Name: o.BasicAuthSecret}
		out = append(out, basicSource{
			auth:  intent.BasicAuth{Secret: ref, Format: htpasswd.FormatFile, Key: "htpasswd", Realm: orDefault(o.BasicAuthRealm, nginxpolicy.DefaultRealm), Source: "nginx.org annotation"},
			field: annPath(annotations.KeyOrgBasicAuthSecret), about: annotations.KeyOrgBasicAuthSecret,
		})
	case b.ann.Has(annotations.KeyOrgBasicAuthSecret):
		b.failPaths(&intent.FailClosed{Reason: annotations.KeyOrgBasicAuthSecret + " is invalid", Status: 503})
	case b.ann.Has(annotations.KeyOrgBasicAuthRealm):
		b.fs.Errorf(annPath(annotations.KeyOrgBasicAuthRealm), o.BasicAuthRealm, "has no effect without %s", annotations.KeyOrgBasicAuthSecret)
	}
	if p := b.basicPolicy; p != nil {
		ref := intent.ObjectRef{Namespace: p.ref.Namespace, Name: p.spec.Secret}
		out = append(out, basicSource{
			auth:  intent.BasicAuth{Secret: ref, Format: htpasswd.FormatFile, Key: "htpasswd", Realm: p.spec.Realm, Source: "policy:" + p.ref.String()},
			field: annPath(annotations.KeyOrgPolicies), about: "policy " + p.ref.String() + " (basicAuth)",
		})
	}
	return out
}

// satisfy applies satisfy: any to the paths that have both client address
// rules and authentication (basic or external): either admits a request.
func (b *builder) satisfy() {
	n := b.ann.Nginx
	if n.Satisfy == "" {
		return
	}
	both := false
	for _, name := range b.order {
		h := b.hosts[name].host
		for i := range h.Paths {
			p := &h.Paths[i]
			if p.Access != nil && (p.BasicAuth != nil || p.ExternalAuth != nil) {
				both = true
				p.SatisfyAny = n.Satisfy == "any"
			}
		}
	}
	if !both {
		b.fs.Warn(annPath(b.nkey(annotations.KeySatisfy)), "has no effect: no path has both client address rules and authentication")
	}
}

package validate

import (
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/seed-d040b84d/portcullis/lib/annotations"
	"github.com/seed-d040b84d/portcullis/lib/intent"
)

// MsgIgnoredUnderPassthrough is the warning for HTTP-level settings on a
// passthrough Ingress: the controller never sees its HTTP.
const MsgIgnoredUnderPassthrough = "ignored under passthrough: TLS is not terminated here, so HTTP-level settings cannot apply"

// passthrough applies ssl-passthrough (docs/migrate-from-ingress-nginx.md#passthrough):
// TLS goes untouched, by SNI, to the single backend of each host.
func (b *builder) passthrough() {
	n := b.ann.Nginx
	if n.SSLPassthrough == nil || !*n.SSLPassthrough {
		return
	}
	key := b.nkey(annotations.KeySSLPassthrough)
	if !b.v.opts.EnableSSLPassthrough {
		b.fs.Errorf(annPath(key), "true", "the controller runs without --enable-ssl-passthrough, so this Ingress cannot be served: enable it on the controller or remove the annotation")
		// Its backends expect the client's TLS: never hand them something else.
		b.failAll(&intent.FailClosed{Reason: "ssl-passthrough is not enabled on the controller"})
		return
	}
	for k := range b.ann.Present {
		if k != key && !isCertManagerKey(k) && !b.isAccessKey(k) {
			b.fs.Warn(annPath(k), MsgIgnoredUnderPassthrough)
		}
	}
	if len(b.ing.Spec.TLS) > 0 {
		b.fs.Warn(field.NewPath("spec", "tls"), "ignored under passthrough: the backend presents its own certificate")
	}
	rules := field.NewPath("spec", "rules")
	for i, r := range b.ing.Spec.Rules {
		paths := rules.Index(i).Child("http", "paths")
		if r.Host == "" {
			b.fs.Required(rules.Index(i).Child("host"), "a passthrough rule needs a host: connections are routed by SNI")
			continue
		}
		if r.HTTP == nil || len(r.HTTP.Paths) != 1 || r.HTTP.Paths[0].Path != "/" {
			n := 0
			if r.HTTP != nil {
				n = len(r.HTTP.Paths)
			}
			b.fs.Errorf(paths, n, "a passthrough host must have exactly one path, \"/\": paths mean nothing to a TLS connection routed by SNI")
			failHost(b.hosts[r.Host].host, &intent.FailClosed{Reason: "a passthrough host needs exactly one path, \"/\""})
			continue
		}
		hs := b.hosts[r.Host]
		be := hs.host.Paths[0].Backend
		hs.host.Termination = intent.Passthrough
		hs.host.PassthroughBackend = &be
		hs.host.TLS, hs.host.ClientAuth, hs.host.Paths = nil, nil, nil
	}
}

func isCertManagerKey(k string) bool {
	for _, t := range annotations.Tables() {
		if t.Dialect != annotations.DialectCertManager {
			continue
		}
		for _, r := range t.Rows {
			if r.Key == k {
				return true
			}
		}
	}
	return false
}

// isAccessKey reports whether k is an access-control annotation, which
// access() and basicAuth() refuse under passthrough rather than ignore.
func (b *builder) isAccessKey(k string) bool {
	if k == annotations.KeyOrgBasicAuthSecret || k == annotations.KeyOrgBasicAuthRealm {
		return true
	}
	for _, short := range []string{annotations.KeyAllowlistSourceRange, annotations.KeyWhitelistSourceRange, annotations.KeyDenylistSourceRange,
		annotations.KeyAuthType, annotations.KeyAuthSecret, annotations.KeyAuthSecretType, annotations.KeyAuthRealm, annotations.KeySatisfy,
		annotations.KeyAuthURL, annotations.KeyAuthMethod, annotations.KeyAuthSignin, annotations.KeyAuthResponseHeaders} {
		if k == b.nkey(short) {
			return true
		}
	}
	return false
}

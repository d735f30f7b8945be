package validate

import (
	"github.com/seed-d040b84d/portcullis/lib/annotations"
	"github.com/seed-d040b84d/portcullis/lib/intent"
)

// Client-auth defaults (ingress-nginx's and NGINX Inc's), the verification
// as users write it.
const (
	defaultVerifyClient = "on"
	defaultVerifyDepth  = 1
)

// clientAuth applies ingress-nginx's auth-tls-* annotations to every host of
// the Ingress (docs/annotations.md#ingress-nginx-nginxingresskubernetesio).
func (b *builder) clientAuth() {
	n := b.ann.Nginx
	key := b.nkey(annotations.KeyAuthTLSSecret)
	if n.AuthTLSSecret == nil {
		if b.ann.Has(key) {
			// Present but refused (the findings say why): the hosts asked for
			// client authentication, so they are never served without it.
			b.failAll(&intent.FailClosed{Reason: key + " is invalid"})
		}
		return
	}
	if missing := b.hostsWithoutTLS(); len(missing) > 0 {
		b.fs.Errorf(annPath(key), n.AuthTLSSecret.String(),
			"client certificate authentication needs TLS, but host %s has no spec.tls entry: add one", quoteHosts(missing))
		b.failWithoutTLS(&intent.FailClosed{Reason: "client authentication needs TLS, which the host does not have", Status: 500})
	}
	ca, ok := b.ref(n.AuthTLSSecret, key)
	if !ok {
		b.failAll(&intent.FailClosed{Reason: "CA secret " + ca.String() + " is in another namespace"})
		return
	}
	auth := &intent.ClientAuth{
		CA:              ca,
		Depth:           defaultVerifyDepth,
		ErrorPage:       n.AuthTLSErrorPage,
		PassCertificate: n.AuthTLSPassCertificateToUpstream != nil && *n.AuthTLSPassCertificateToUpstream,
		MatchCN:         n.AuthTLSMatchCN,
		Source:          "annotation",
	}
	// The grammar admits only the four words; any other would leave the
	// policy empty, which the data plane refuses.
	auth.Certificate, _ = intent.ClientCertificateFor(orDefault(n.AuthTLSVerifyClient, defaultVerifyClient))
	if n.AuthTLSVerifyDepth != nil {
		auth.Depth = *n.AuthTLSVerifyDepth
	}
	b.setClientAuth(auth, b.checkCA(ca, key, "client certificates"))
}

// setClientAuth gives every TLS host the client auth, failed closed when its
// CA cannot be honoured.
func (b *builder) setClientAuth(auth *intent.ClientAuth, failed *intent.FailClosed) {
	for _, name := range b.order {
		hs := b.hosts[name]
		if hs.tlsIndex < 0 {
			continue
		}
		a := *auth
		hs.host.ClientAuth = &a
		if failed != nil {
			failHost(hs.host, failed)
		}
	}
}

// checkCA looks up and checks a CA secret named by the annotation key. A
// missing secret is a warning and makes the caller fail closed; an invalid one
// is an error.
func (b *builder) checkCA(ref intent.ObjectRef, key, what string) *intent.FailClosed {
	sec, ok := b.r.Secret(ref.Namespace, ref.Name)
	if !ok {
		b.fs.Warnf(annPath(key), "secret %s not found; %s cannot be verified, so the controller refuses these hosts' TLS handshakes until it exists", ref, what)
		return &intent.FailClosed{Reason: "CA secret " + ref.String() + " not found"}
	}
	_, fs := b.v.certs.CA(sec, annPath(key), b.now)
	b.fs.Merge(fs)
	if !fs.Allowed() {
		return &intent.FailClosed{Reason: "CA secret " + ref.String() + " is invalid"}
	}
	return nil
}

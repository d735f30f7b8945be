package validate

import (
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/seed-d040b84d/portcullis/lib/certs"
	"github.com/seed-d040b84d/portcullis/lib/intent"
)

// Messages shared with tests and docs.
const (
	MsgSecretNotFound = "secret not found; the default certificate is served until it exists"
	MsgNoSecretName   = "has no secretName, so cert-manager skips it and the default certificate is served; add a secretName for cert-manager to issue into"
)

// tls checks every TLS entry's certificate secret once and gives each covered
// host its HostTLS (docs/reference.md#tls-secrets,
// docs/migrate-from-ingress-nginx.md#default-certificate).
func (b *builder) tls() {
	if b.in.Mergeable == "minion" {
		return // NGINX Inc ignores a minion's spec.tls (refused in mergeable); the master's applies
	}
	spec := field.NewPath("spec", "tls")
	certManager := b.ann.CertManagerTriggers()
	sources := make([]intent.CertificateSource, len(b.ing.Spec.TLS))
	issuer := b.issuerName()
	firstUse := map[string]int{}
	for i, t := range b.ing.Spec.TLS {
		tp := spec.Index(i)
		if j, dup := firstUse[t.SecretName]; dup && certManager && t.SecretName != "" {
			b.fs.Errorf(tp.Child("secretName"), t.SecretName,
				"spec.tls[%d] already names secret %q; cert-manager refuses an Ingress whose TLS entries share a secret and issues no certificate for it: list these hosts in spec.tls[%d], or use another secret name",
				j, t.SecretName, j)
		} else if !dup {
			firstUse[t.SecretName] = i
		}
		switch {
		case t.SecretName == "":
			sources[i] = intent.CertDefault
			if certManager {
				b.fs.Warn(tp, MsgNoSecretName)
			}
		default:
			sources[i] = b.checkTLSSecret(i, tp, certManager)
		}
	}
	for _, name := range b.order {
		hs := b.hosts[name]
		if hs.tlsIndex < 0 {
			continue
		}
		t := b.ing.Spec.TLS[hs.tlsIndex]
		ht := &intent.HostTLS{
			Certificate:         sources[hs.tlsIndex],
			Protocols:           b.v.opts.Config.SSLProtocols,
			Ciphers:             b.ciphers(),
			PreferServerCiphers: b.preferServerCiphers(),
		}
		if t.SecretName != "" {
			ht.Secret = &intent.ObjectRef{Namespace: b.ing.Namespace, Name: t.SecretName}
		}
		if ht.Certificate == intent.CertPending {
			ht.Issuer = issuer
		}
		hs.host.Termination = intent.TerminateTLS
		hs.host.TLS = ht
	}
}

// checkTLSSecret looks up and checks the certificate secret of TLS entry i.
func (b *builder) checkTLSSecret(i int, tp *field.Path, certManager bool) intent.CertificateSource {
	t := b.ing.Spec.TLS[i]
	sec, ok := b.r.Secret(b.ing.Namespace, t.SecretName)
	if !ok {
		if certManager {
			return intent.CertPending
		}
		b.fs.Warn(tp.Child("secretName"), MsgSecretNotFound)
		return intent.CertDefault
	}
	hostsPath := tp.Child("hosts")
	_, fs := b.v.certs.TLS(sec, tp.Child("secretName"), certs.TLSOptions{
		Hosts:           t.Hosts,
		HostPath:        func(j int) *field.Path { return hostsPath.Index(j) },
		Now:             b.now,
		AllowMisordered: b.v.opts.AllowMisorderedChains,
	})
	b.fs.Merge(fs)
	if !fs.Allowed() {
		return intent.CertDefault
	}
	return intent.CertSecret
}

// issuerName is "Kind/name" of the cert-manager issuer the annotations select.
func (b *builder) issuerName() string {
	c := b.ann.CertManager
	switch {
	case c.ClusterIssuer != "":
		return "ClusterIssuer/" + c.ClusterIssuer
	case c.Issuer != "" && c.IssuerKind != "":
		return c.IssuerKind + "/" + c.Issuer
	case c.Issuer != "":
		return "Issuer/" + c.Issuer
	case c.TLSACME != nil && *c.TLSACME:
		return "tls-acme"
	}
	return ""
}

// ciphers is the host cipher list: either dialect's annotation, else the ConfigMap.
func (b *builder) ciphers() string {
	if c := b.ann.Nginx.SSLCiphers; c != "" {
		return c
	}
	if c := b.ann.Org.SSLCiphers; c != "" {
		return c
	}
	return b.v.opts.Config.SSLCiphers
}

func (b *builder) preferServerCiphers() bool {
	if p := b.ann.Nginx.SSLPreferServerCiphers; p != nil {
		return *p
	}
	if p := b.ann.Org.SSLPreferServerCiphers; p != nil {
		return *p
	}
	return b.v.opts.Config.SSLPreferServerCiphers
}

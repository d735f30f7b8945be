package certs

import (
	"bytes"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"slices"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/seed-d040b84d/portcullis/lib/findings"
)

// ExpiryWarningWindow is how close to its NotAfter a leaf draws a warning.
const ExpiryWarningWindow = 14 * 24 * time.Hour

// maxSANsNamed caps the SANs listed in an uncovered-host message.
const maxSANsNamed = 10

// secretTypeIsTLS warns when a secret holding tls.crt and tls.key is not typed
// kubernetes.io/tls. An Opaque secret that also holds ca.crt is a CA bundle
// with the client certificate presented to a backend, which ingress-nginx's
// proxy-ssl-secret documents and `kubectl create secret generic` makes: it is
// accepted silently (docs/migrate-from-ingress-nginx.md#annotations-tls-and-mtls).
func secretTypeIsTLS(st *tlsState, r *report) bool {
	if st.secret == nil {
		return true // secretHasCertAndKey says what is wrong
	}
	t := secretType(st.secret)
	if t == corev1.SecretTypeOpaque && len(st.secret.Data[CACertKey]) > 0 &&
		len(st.secret.Data[corev1.TLSCertKey]) > 0 && len(st.secret.Data[corev1.TLSPrivateKeyKey]) > 0 {
		return true
	}
	if t != corev1.SecretTypeTLS {
		r.warnf("secret type is %q, expected %q; portcullis reads tls.crt and tls.key from it anyway", t, corev1.SecretTypeTLS)
	}
	return true
}

// secretHasCertAndKey requires non-empty tls.crt and tls.key.
func secretHasCertAndKey(st *tlsState, r *report) bool {
	if st.secret == nil {
		r.errorf("no secret to read tls.crt and tls.key from")
		return false
	}
	var missing []string
	for _, k := range []string{corev1.TLSCertKey, corev1.TLSPrivateKeyKey} {
		if len(st.secret.Data[k]) == 0 {
			missing = append(missing, k)
		}
	}
	switch len(missing) {
	case 0:
		return true
	case 1:
		r.errorf("secret has no %s (or it is empty); a TLS secret needs tls.crt (the certificate chain) and tls.key (its private key)", missing[0])
	default:
		r.errorf("secret has no tls.crt and no tls.key (or they are empty); a TLS secret needs tls.crt (the certificate chain) and tls.key (its private key)")
	}
	return false
}

// certificatesParse requires tls.crt to be CERTIFICATE blocks that parse, and nothing else.
func certificatesParse(st *tlsState, r *report) bool {
	certs, ok := parseCertBlocks(st.secret.Data[corev1.TLSCertKey], corev1.TLSCertKey, r)
	st.certs = certs
	return ok
}

// parseCertBlocks parses every CERTIFICATE block of a PEM file named name. It
// reports non-PEM data and other block types as errors and returns false when
// a certificate does not parse or there is none.
func parseCertBlocks(data []byte, name string, r *report) ([]*x509.Certificate, bool) {
	scan := scanPEM(data)
	for _, p := range scan.problems {
		r.errorf("%s holds %s; only PEM CERTIFICATE blocks are allowed", name, p)
	}
	var certs []*x509.Certificate
	ok := true
	for i, b := range scan.blocks {
		if b.Type != "CERTIFICATE" {
			hint := ""
			if strings.HasSuffix(b.Type, "PRIVATE KEY") {
				hint = " (a private key does not belong here: whoever can read the certificate could read it)"
			}
			r.errorf("%s: PEM block %d is %s, not CERTIFICATE; only certificates are allowed%s", name, i+1, label(b.Type), hint)
			continue
		}
		c, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			r.errorf("%s: certificate %d does not parse: %v", name, len(certs)+1, err)
			ok = false
			continue
		}
		certs = append(certs, c)
	}
	if ok && len(certs) == 0 && len(scan.problems) == 0 {
		r.errorf("%s holds no PEM CERTIFICATE block", name)
	}
	return certs, ok && len(certs) > 0
}

// keyParses requires tls.key to be exactly one unencrypted PKCS#1, PKCS#8 or SEC1 key.
func keyParses(st *tlsState, r *report) bool {
	scan := scanPEM(st.secret.Data[corev1.TLSPrivateKeyKey])
	bad := len(scan.problems) > 0
	for _, p := range scan.problems {
		r.errorf("tls.key holds %s; only one PEM private key block is allowed", p)
	}
	var keys []int
	for i, b := range scan.blocks {
		switch {
		case b.Type == "EC PARAMETERS": // what `openssl ecparam -genkey` writes first; harmless
		case strings.HasSuffix(b.Type, "PRIVATE KEY"):
			keys = append(keys, i)
		default:
			r.errorf("tls.key: PEM block %d is %s, not a private key; tls.key holds the private key only", i+1, label(b.Type))
			bad = true
		}
	}
	switch len(keys) {
	case 0:
		if !bad {
			r.errorf("tls.key holds no PEM private key block; allowed: %s", allowedKeyLabels)
		}
		return false
	case 1:
	default:
		r.errorf("tls.key holds %d private keys; it must hold exactly one", len(keys))
		return false
	}
	b := scan.blocks[keys[0]]
	key, msg := parseKeyBlock(b)
	if msg != "" {
		r.errorf("tls.key: %s", msg)
		return false
	}
	st.key = key
	st.keyBlock = &pem.Block{Type: b.Type, Bytes: b.Bytes}
	return true // with bad set, the error is recorded; the key is still worth checking
}

// keyMatchesLeaf requires the key to belong to a certificate, and says so when it is not the first.
func keyMatchesLeaf(st *tlsState, r *report) bool {
	st.order, st.others = normalize(st.certs, st.key.Public())
	if st.order == nil {
		if len(st.certs) == 1 {
			r.errorf("tls.key does not match the certificate in tls.crt (%s); the key and certificate must be a pair", subject(st.certs[0]))
		} else {
			r.errorf("tls.key matches none of the %d certificates in tls.crt (the first is %s); the key must belong to the leaf certificate", len(st.certs), subject(st.certs[0]))
		}
		return false
	}
	if leaf := st.order[0]; leaf != 0 {
		r.orderf("certificate chain is not in leaf→intermediate→root order: the key belongs to %s; put it first", nth(leaf, st.certs[leaf]))
	}
	return true
}

// chainIsOrdered requires each certificate after the leaf to be the issuer of the one before it.
func chainIsOrdered(st *tlsState, r *report) bool {
	order, certs := st.order, st.certs
	if order[0] == 0 {
		sorted := slices.Sorted(slices.Values(order))
		for k := 1; k < len(order); k++ {
			if order[k] != sorted[k] {
				r.orderf("certificate chain is not in leaf→intermediate→root order: %s is the issuer of %s and must come right after it; reorder them as %s",
					nth(order[k], certs[order[k]]), nth(order[k-1], certs[order[k-1]]), positions(order))
				break
			}
		}
	}
	last := order[len(order)-1]
	for _, j := range st.others {
		if dup := slices.IndexFunc(certs[:j], func(c *x509.Certificate) bool { return bytes.Equal(c.Raw, certs[j].Raw) }); dup >= 0 {
			r.orderf("%s is a duplicate of certificate %d; remove it", nth(j, certs[j]), dup+1)
			continue
		}
		r.errorf("%s is not part of the leaf's chain: it did not issue any of its certificates (the chain ends at %s, issued by %s); remove it or replace it with the right intermediate",
			nth(j, certs[j]), nth(last, certs[last]), issuer(certs[last]))
	}
	return true
}

// keyIsStrong requires RSA ≥ 2048 bits or ECDSA P-256/P-384/P-521, and warns on Ed25519.
func keyIsStrong(st *tlsState, r *report) bool {
	warning, failure := keyStrength(st.key.Public())
	if failure != "" {
		r.errorf("%s", failure)
	}
	if warning != "" {
		r.warnf("%s", warning)
	}
	return true
}

// signaturesAreStrong denies SHA-1 and MD5 signatures on every certificate but a self-signed root.
func signaturesAreStrong(st *tlsState, r *report) bool {
	leaf := st.order[0]
	for i, c := range st.certs {
		if !weakSignature(c.SignatureAlgorithm) || (i != leaf && isSelfSigned(c)) {
			continue
		}
		r.errorf("%s is signed with %s; SHA-1 and MD5 signatures are refused by browsers and allowed only on a self-signed root: have it reissued with SHA-256 or better",
			nth(i, c), c.SignatureAlgorithm)
	}
	return true
}

// leafIsCurrent warns when the leaf is expired, not yet valid, or expires within ExpiryWarningWindow.
func leafIsCurrent(p *tlsParsed, in *callInput, out *findings.Set) {
	leaf, now := p.leaf, in.opts.Now
	switch {
	case now.After(leaf.NotAfter):
		out.Warnf(in.fld, "the certificate (%s) expired on %s, %s ago; clients refuse it: renew it",
			subject(leaf), stamp(leaf.NotAfter), span(now.Sub(leaf.NotAfter)))
	case now.Before(leaf.NotBefore):
		out.Warnf(in.fld, "the certificate (%s) is not valid before %s, %s from now; clients refuse it until then",
			subject(leaf), stamp(leaf.NotBefore), span(leaf.NotBefore.Sub(now)))
	case leaf.NotAfter.Sub(now) < ExpiryWarningWindow:
		out.Warnf(in.fld, "the certificate (%s) expires on %s, in %s (less than 14 days); renew it",
			subject(leaf), stamp(leaf.NotAfter), span(leaf.NotAfter.Sub(now)))
	}
}

// hostsAreCovered requires every host to be covered by the leaf's DNS SANs (never its CN).
func hostsAreCovered(p *tlsParsed, in *callInput, out *findings.Set) {
	for i, h := range in.opts.Hosts {
		if h == "" || CoversHost(p.leaf, h) {
			continue
		}
		path := in.opts.hostPath(i, in.fld)
		if len(p.leaf.DNSNames) == 0 {
			out.Errorf(path, h, "host %q is not covered: the certificate has no DNS SANs; the CN is not used (%s)", h, subject(p.leaf))
			continue
		}
		out.Errorf(path, h, "host %q is not covered by the certificate's DNS SANs (%s)%s",
			h, sanList(p.leaf.DNSNames), wildcardHint(p.leaf.DNSNames))
	}
}

// sanList names the SANs for a message, at most maxSANsNamed of them.
func sanList(sans []string) string {
	shown := sans[:min(len(sans), maxSANsNamed)]
	quoted := make([]string, len(shown))
	for i, s := range shown {
		quoted[i] = printable(s)
	}
	list := strings.Join(quoted, ", ")
	if n := len(sans) - len(shown); n > 0 {
		list += fmt.Sprintf(" and %d more", n)
	}
	return list
}

// wildcardHint reminds how far a wildcard SAN reaches, when there is one.
func wildcardHint(sans []string) string {
	for _, s := range sans {
		if strings.HasPrefix(s, "*.") {
			return "; a `*` SAN covers exactly one left-most label"
		}
	}
	return ""
}

// secretType is s's type, "" counting as Opaque (the API server's default).
func secretType(s *corev1.Secret) corev1.SecretType {
	if s.Type == "" {
		return corev1.SecretTypeOpaque
	}
	return s.Type
}

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// span renders a duration for people: in days (rounded) when it is two days or more.
func span(d time.Duration) string {
	if d >= 48*time.Hour {
		return fmt.Sprintf("%d days", int(d.Round(24*time.Hour)/(24*time.Hour)))
	}
	return d.Round(time.Minute).String()
}

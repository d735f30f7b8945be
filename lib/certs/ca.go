package certs

import (
	"bytes"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/seed-d040b84d/portcullis/lib/findings"
)

// Keys of a CA secret.
const (
	CACertKey = "ca.crt"
	CACRLKey  = "ca.crl"
	CAKeyKey  = "ca.key"
)

// SecretTypeNginxCA is NGINX Inc's type for CA secrets.
const SecretTypeNginxCA corev1.SecretType = "nginx.org/ca"

// caSecretTypes are the types a CA secret may have.
var caSecretTypes = []string{string(SecretTypeNginxCA), string(corev1.SecretTypeOpaque), string(corev1.SecretTypeTLS)}

// CABundle is a checked CA secret: the certificates to trust for client (or
// backend) verification and the CRLs to apply. Shared by the Cache's callers:
// treat it as read-only.
type CABundle struct {
	// Certs are ca.crt's certificates, in order, all CAs.
	Certs []*x509.Certificate
	// PEM is Certs re-encoded in PEM: what the controller writes for nginx.
	PEM []byte
	// CRLs are ca.crl's revocation lists, each signed by a CA of Certs.
	CRLs []*x509.RevocationList
	// CRLPEM is CRLs re-encoded in PEM, nil without ca.crl.
	CRLPEM []byte
	// HasKey says the secret also holds ca.key (never read, never kept).
	HasKey bool
	// Fingerprint is the hex SHA-256 of PEM then CRLPEM: a change of either is
	// a change of the bundle (a CRL-only update must reload nginx).
	Fingerprint string
}

// CheckCASecret parses and checks a CA secret (ca.crt, optional ca.crl) that
// the field fld references, with every finding on fld. now judges the CRLs'
// NextUpdate (zero means time.Now()). The CABundle is nil when the findings
// hold an error: a client CA the controller cannot honour fails closed.
func CheckCASecret(s *corev1.Secret, fld *field.Path, now time.Time) (*CABundle, findings.Set) {
	return parseCA(s).finish(s, fld, now)
}

// caParsed is everything about a CA secret that depends on its data only.
type caParsed struct {
	bundle *CABundle // nil when the data is unusable
	found  report
}

// caState is what the CA checks read and fill in as the chain runs.
type caState struct {
	secret *corev1.Secret
	certs  []*x509.Certificate
	crls   []*x509.RevocationList
}

// caCheck is one check of a CA secret's data; it returns false when the checks
// after it have nothing left to work on.
type caCheck func(st *caState, r *report) bool

// caChain is a list of CA checks run in order until one returns false.
type caChain []caCheck

func (c caChain) run(st *caState, r *report) bool {
	for _, check := range c {
		if !check(st, r) {
			return false
		}
	}
	return true
}

// caChecks are the checks of a CA secret's data, in the order of
// docs/reference.md#ca-secrets.
var caChecks = caChain{
	caSecretTypeIsAccepted,
	caKeyIsAbsent,
	caCertIsPresent,
	caCertsParse,
	caCertsAreCAs,
	caCRLParses,
	caCRLIsSignedByBundle,
}

func parseCA(s *corev1.Secret) *caParsed {
	p := &caParsed{}
	st := &caState{secret: s}
	if caChecks.run(st, &p.found) && !p.found.failed() {
		p.bundle = newCABundle(st)
	}
	return p
}

// finish attaches the cached findings to fld and runs the per-call checks.
func (p *caParsed) finish(s *corev1.Secret, fld *field.Path, now time.Time) (*CABundle, findings.Set) {
	if now.IsZero() {
		now = time.Now()
	}
	var out findings.Set
	p.found.attach(&out, fld, secretName(s), false)
	if p.bundle != nil {
		crlsAreCurrent(p.bundle, fld, now, &out)
	}
	return p.bundle, out
}

// caSecretTypeIsAccepted requires type nginx.org/ca, Opaque or kubernetes.io/tls.
func caSecretTypeIsAccepted(st *caState, r *report) bool {
	if st.secret == nil {
		return true // caCertIsPresent says what is wrong
	}
	switch t := secretType(st.secret); t {
	case SecretTypeNginxCA, corev1.SecretTypeOpaque, corev1.SecretTypeTLS:
	default:
		r.errorf("secret type %q cannot hold a CA bundle; allowed: %s (kubernetes.io/tls with a ca.crt key)", t, findings.QuoteList(caSecretTypes))
	}
	return true
}

// caKeyIsAbsent warns about a CA private key stored next to the bundle.
func caKeyIsAbsent(st *caState, r *report) bool {
	if st.secret != nil {
		if _, ok := st.secret.Data[CAKeyKey]; ok {
			r.warnf("secret holds ca.key: the controller never needs a CA private key, and whoever can read this secret can mint client certificates; keep the key elsewhere")
		}
	}
	return true
}

// caCertIsPresent requires a non-empty ca.crt.
func caCertIsPresent(st *caState, r *report) bool {
	if st.secret == nil {
		r.errorf("no secret to read ca.crt from")
		return false
	}
	if len(bytes.TrimSpace(st.secret.Data[CACertKey])) == 0 {
		r.errorf("ca.crt is required; without it client verification would be off")
		return false
	}
	return true
}

// caCertsParse requires ca.crt to be CERTIFICATE blocks that parse, and nothing else.
func caCertsParse(st *caState, r *report) bool {
	certs, ok := parseCertBlocks(st.secret.Data[CACertKey], CACertKey, r)
	st.certs = certs
	return ok
}

// caCertsAreCAs requires every certificate of ca.crt to be a CA certificate.
func caCertsAreCAs(st *caState, r *report) bool {
	for i, c := range st.certs {
		if !c.IsCA {
			r.errorf("ca.crt: %s is not a CA certificate (no basicConstraints CA:TRUE); only CA certificates may be trusted to verify clients or backends",
				nth(i, c))
		}
	}
	return true
}

// caCRLParses requires ca.crl, when present, to be X509 CRL blocks that parse.
func caCRLParses(st *caState, r *report) bool {
	data, ok := st.secret.Data[CACRLKey]
	if !ok {
		return true
	}
	if len(bytes.TrimSpace(data)) == 0 {
		r.errorf("ca.crl is empty; put a PEM X509 CRL in it or remove the key")
		return false
	}
	scan := scanPEM(data)
	for _, p := range scan.problems {
		r.errorf("ca.crl holds %s; only PEM X509 CRL blocks are allowed", p)
	}
	for i, b := range scan.blocks {
		if b.Type != "X509 CRL" {
			r.errorf("ca.crl: PEM block %d is %s, not X509 CRL", i+1, label(b.Type))
			continue
		}
		crl, err := x509.ParseRevocationList(b.Bytes)
		if err != nil {
			r.errorf("ca.crl: CRL %d does not parse: %v", len(st.crls)+1, err)
			continue
		}
		st.crls = append(st.crls, crl)
	}
	if len(st.crls) == 0 && len(scan.problems) == 0 && len(scan.blocks) == 0 {
		r.errorf("ca.crl holds no PEM X509 CRL block")
	}
	return true
}

// caCRLIsSignedByBundle requires each CRL to be signed by a CA of ca.crt.
func caCRLIsSignedByBundle(st *caState, r *report) bool {
	for i, crl := range st.crls {
		if crlSigner(crl, st.certs) == nil {
			r.errorf("ca.crl: CRL %d (issuer %s) is not signed by any CA in ca.crt; nginx would refuse every client certificate",
				i+1, printable(crl.Issuer.String()))
		}
	}
	return true
}

// crlSigner is the certificate of certs that signed crl, or nil.
func crlSigner(crl *x509.RevocationList, certs []*x509.Certificate) *x509.Certificate {
	for _, c := range certs {
		if bytes.Equal(crl.RawIssuer, c.RawSubject) && crl.CheckSignatureFrom(c) == nil {
			return c
		}
	}
	return nil
}

// crlsAreCurrent warns about a CRL past its NextUpdate.
func crlsAreCurrent(b *CABundle, fld *field.Path, now time.Time, out *findings.Set) {
	for i, crl := range b.CRLs {
		if !crl.NextUpdate.IsZero() && now.After(crl.NextUpdate) {
			out.Warnf(fld, "ca.crl: CRL %d (issuer %s) is past its NextUpdate (%s, %s ago); nginx refuses every client certificate with an expired CRL (\"CRL has expired\"): publish a fresh one",
				i+1, printable(crl.Issuer.String()), stamp(crl.NextUpdate), span(now.Sub(crl.NextUpdate)))
		}
	}
}

func newCABundle(st *caState) *CABundle {
	b := &CABundle{Certs: st.certs, CRLs: st.crls}
	for _, c := range st.certs {
		b.PEM = append(b.PEM, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})...)
	}
	for _, crl := range st.crls {
		b.CRLPEM = append(b.CRLPEM, pem.EncodeToMemory(&pem.Block{Type: "X509 CRL", Bytes: crl.Raw})...)
	}
	_, b.HasKey = st.secret.Data[CAKeyKey]
	h := sha256.New()
	h.Write(b.PEM)
	h.Write([]byte{0})
	h.Write(b.CRLPEM)
	b.Fingerprint = hex.EncodeToString(h.Sum(nil))
	return b
}

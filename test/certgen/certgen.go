// Package certgen generates X.509 fixtures for tests with crypto/x509: CAs,
// intermediates, server leaves, client certificates and CRLs, each described by
// functional options so a test reads as the certificate it needs.
package certgen

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"sync"
	"time"
)

// Cert is a generated certificate with its private key.
type Cert struct {
	Cert   *x509.Certificate
	Key    crypto.Signer
	Issuer *Cert // nil for a self-signed certificate
}

// Option changes the template (or key choice) of a certificate being generated.
type Option func(*spec)

type spec struct {
	tmpl    x509.Certificate
	keyKind string // "ecdsa-p256" (default), "ecdsa-p384", "rsa", "ed25519"
	rsaBits int
	sigAlg  x509.SignatureAlgorithm
	key     crypto.Signer // reused instead of a new one when set
}

// CommonName sets the subject CN.
func CommonName(cn string) Option { return func(s *spec) { s.tmpl.Subject.CommonName = cn } }

// DNSNames sets the DNS subject alternative names.
func DNSNames(names ...string) Option { return func(s *spec) { s.tmpl.DNSNames = names } }

// Validity sets NotBefore and NotAfter.
func Validity(notBefore, notAfter time.Time) Option {
	return func(s *spec) { s.tmpl.NotBefore, s.tmpl.NotAfter = notBefore, notAfter }
}

// RSA uses an RSA key of the given size.
func RSA(bits int) Option { return func(s *spec) { s.keyKind, s.rsaBits = "rsa", bits } }

// ECDSAP384 uses an ECDSA P-384 key.
func ECDSAP384() Option { return func(s *spec) { s.keyKind = "ecdsa-p384" } }

// WithKey signs the certificate for an existing key (a renewal that keeps
// the key) instead of generating one.
func WithKey(key crypto.Signer) Option { return func(s *spec) { s.key = key } }

// Ed25519 uses an Ed25519 key.
func Ed25519() Option { return func(s *spec) { s.keyKind = "ed25519" } }

// SignatureAlgorithm forces the algorithm the issuer signs this certificate with.
func SignatureAlgorithm(alg x509.SignatureAlgorithm) Option {
	return func(s *spec) { s.sigAlg = alg }
}

// ClientAuth marks the certificate for TLS client authentication only.
func ClientAuth() Option {
	return func(s *spec) { s.tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth} }
}

var (
	serialMu sync.Mutex
	serial   = big.NewInt(time.Now().UnixNano())
)

// nextSerial returns a fresh serial number; safe for parallel tests.
func nextSerial() *big.Int {
	serialMu.Lock()
	defer serialMu.Unlock()
	serial = new(big.Int).Add(serial, big.NewInt(1))
	return new(big.Int).Set(serial)
}

func newSpec(opts []Option) *spec {
	now := time.Now()
	s := &spec{
		keyKind: "ecdsa-p256",
		tmpl: x509.Certificate{
			NotBefore: now.Add(-time.Hour),
			NotAfter:  now.Add(90 * 24 * time.Hour),
		},
	}
	for _, o := range opts {
		o(s)
	}
	s.tmpl.SerialNumber = nextSerial()
	return s
}

func (s *spec) newKey() (crypto.Signer, error) {
	if s.key != nil {
		return s.key, nil
	}
	switch s.keyKind {
	case "rsa":
		return rsa.GenerateKey(rand.Reader, s.rsaBits)
	case "ecdsa-p384":
		return ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	case "ed25519":
		_, k, err := ed25519.GenerateKey(rand.Reader)
		return k, err
	default:
		return ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	}
}

func sign(s *spec, issuer *Cert) (*Cert, error) {
	key, err := s.newKey()
	if err != nil {
		return nil, fmt.Errorf("generate key: %w", err)
	}
	parent, parentKey := &s.tmpl, key
	if issuer != nil {
		parent, parentKey = issuer.Cert, issuer.Key
	}
	s.tmpl.SignatureAlgorithm = s.sigAlg
	der, err := x509.CreateCertificate(rand.Reader, &s.tmpl, parent, key.Public(), parentKey)
	if err != nil {
		return nil, fmt.Errorf("create certificate %q: %w", s.tmpl.Subject.CommonName, err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	return &Cert{Cert: c, Key: key, Issuer: issuer}, nil
}

// NewCA returns a self-signed root CA.
func NewCA(opts ...Option) (*Cert, error) {
	s := newSpec(append([]Option{CommonName("portcullis test root CA")}, opts...))
	s.tmpl.IsCA = true
	s.tmpl.BasicConstraintsValid = true
	s.tmpl.KeyUsage = x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature
	return sign(s, nil)
}

// NewIntermediate returns a CA certificate signed by parent.
func (parent *Cert) NewIntermediate(opts ...Option) (*Cert, error) {
	s := newSpec(append([]Option{CommonName("portcullis test intermediate CA")}, opts...))
	s.tmpl.IsCA = true
	s.tmpl.BasicConstraintsValid = true
	s.tmpl.KeyUsage = x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature
	return sign(s, parent)
}

// NewLeaf returns an end-entity certificate signed by parent, for server
// authentication unless ClientAuth is given.
func (parent *Cert) NewLeaf(opts ...Option) (*Cert, error) {
	s := newSpec(append([]Option{CommonName("leaf")}, opts...))
	s.tmpl.KeyUsage = x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment
	if len(s.tmpl.ExtKeyUsage) == 0 {
		s.tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
	}
	return sign(s, parent)
}

// CertPEM is the PEM encoding of this certificate alone.
func (c *Cert) CertPEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Cert.Raw})
}

// ChainPEM is this certificate followed by its issuers, leaf first, excluding
// the self-signed root (what a server presents).
func (c *Cert) ChainPEM() []byte {
	var b bytes.Buffer
	for cur := c; cur != nil; cur = cur.Issuer {
		if cur.Issuer == nil && cur != c {
			break // the root is not sent
		}
		b.Write(cur.CertPEM())
	}
	return b.Bytes()
}

// KeyPEM is the private key in PKCS#8 PEM.
func (c *Cert) KeyPEM() []byte {
	der, err := x509.MarshalPKCS8PrivateKey(c.Key)
	if err != nil {
		panic(fmt.Sprintf("certgen: marshal key: %v", err)) // generated keys always marshal
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
}

// Pool is a CertPool holding this certificate.
func (c *Cert) Pool() *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(c.Cert)
	return p
}

// CRL returns a PEM CRL signed by c revoking the given certificates.
func (c *Cert) CRL(nextUpdate time.Time, revoked ...*Cert) ([]byte, error) {
	tmpl := &x509.RevocationList{
		Number:     nextSerial(),
		ThisUpdate: time.Now().Add(-time.Hour),
		NextUpdate: nextUpdate,
	}
	for _, r := range revoked {
		tmpl.RevokedCertificateEntries = append(tmpl.RevokedCertificateEntries, x509.RevocationListEntry{
			SerialNumber: r.Cert.SerialNumber, RevocationTime: time.Now().Add(-time.Minute),
		})
	}
	der, err := x509.CreateRevocationList(rand.Reader, tmpl, c.Cert, c.Key)
	if err != nil {
		return nil, fmt.Errorf("create CRL: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "X509 CRL", Bytes: der}), nil
}

// Subject is a convenience for a pkix.Name with just a CN.
func Subject(cn string) pkix.Name { return pkix.Name{CommonName: cn} }

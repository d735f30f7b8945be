package dataplane

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/seed-d040b84d/portcullis/lib/certs"
)

// DefaultCertificateCN is the subject of the generated default certificate.
const DefaultCertificateCN = "portcullis default certificate"

// GenerateDefaultCertificate returns a fresh self-signed ECDSA P-256
// certificate, served when no --default-ssl-certificate is usable. It lives in
// memory only; the supervisor writes it inside its private directory.
func GenerateDefaultCertificate(now time.Time) (*certs.ServerCert, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("default certificate: %w", err)
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 120))
	if err != nil {
		return nil, fmt.Errorf("default certificate: %w", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: DefaultCertificateCN},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(365 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		DNSNames:              []string{"default.portcullis.invalid"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return nil, fmt.Errorf("default certificate: %w", err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("default certificate: %w", err)
	}
	return ServerCertFromPEM(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), now)
}

// ServerCertFromPEM checks a certificate chain and key the way a TLS secret is
// checked. The error never includes key material.
func ServerCertFromPEM(chain, key []byte, now time.Time) (*certs.ServerCert, error) {
	sec := &corev1.Secret{Type: corev1.SecretTypeTLS, Data: map[string][]byte{corev1.TLSCertKey: chain, corev1.TLSPrivateKeyKey: key}}
	sc, fs := certs.CheckTLSSecret(sec, field.NewPath("defaultCertificate"), certs.TLSOptions{Now: now})
	if sc == nil || !fs.Allowed() {
		return nil, fmt.Errorf("default certificate is not usable: %v", fs.Errors.ToAggregate())
	}
	return sc, nil
}

// DefaultCertificateFrom returns the --default-ssl-certificate secret's
// certificate when it exists and is usable, else fallback
// (docs/migrate-from-ingress-nginx.md#default-certificate).
func DefaultCertificateFrom(sec *corev1.Secret, cache *certs.Cache, now time.Time, fallback *certs.ServerCert) (*certs.ServerCert, error) {
	if sec == nil {
		return fallback, nil
	}
	if cache == nil {
		cache = &certs.Cache{}
	}
	sc, fs := cache.TLS(sec, field.NewPath("defaultCertificate"), certs.TLSOptions{Now: now})
	if sc == nil || !fs.Allowed() {
		return fallback, fmt.Errorf("default certificate secret %s/%s is not usable; serving the previous one", sec.Namespace, sec.Name)
	}
	return sc, nil
}

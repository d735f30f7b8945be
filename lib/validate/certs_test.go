package validate_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"flag"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed-d040b84d/portcullis/test/certgen"
	"github.com/seed-d040b84d/portcullis/test/goldencases"
)

// regenCerts rewrites testdata/certs/*.pem. The certificates are generated
// once and committed: regenerating changes nothing in the goldens (which name
// subjects, never serials or fingerprints), but it is a review-worthy change.
//
//	go test ./lib/validate -run TestCertFixtures -regen-certs
var regenCerts = flag.Bool("regen-certs", false, "regenerate testdata/certs/*.pem")

// goldenNow is the fixed clock of the goldens and benchmarks; every validity
// window in testdata/certs is chosen relative to it.
var goldenNow = goldencases.Now

func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// Validity windows relative to goldenNow.
var (
	validFrom, validTo = date(2026, 1, 1), date(2036, 1, 1) // most certificates
	valid              = certgen.Validity(validFrom, validTo)
	expired            = certgen.Validity(date(2025, 1, 1), date(2026, 1, 1))
	notYetValid        = certgen.Validity(date(2026, 7, 1), validTo)
	expiringSoon       = certgen.Validity(validFrom, date(2026, 6, 10)) // 9 days after goldenNow
)

// webHosts are the SANs of every server leaf: hosts under example.com.
var webHosts = certgen.DNSNames("example.com", "*.example.com")

// TestCertFixtures generates the certificates of testdata/certs afresh (into
// testdata/certs itself with -regen-certs) and checks that the committed
// files are what the generator makes, but for keys and serials: the same
// files, each with the same blocks, subjects, issuers, validity windows, SANs,
// usages and key types; and that every key belongs to its certificate and
// every chain and CRL is signed by the certificate after it or its CA.
func TestCertFixtures(t *testing.T) {
	committed := filepath.Join("testdata", "certs")
	dir := t.TempDir()
	if *regenCerts {
		dir = committed
	}
	generateCerts(t, dir)
	fresh := describeDir(t, dir)
	got := describeDir(t, committed)
	require.NotEmpty(t, fresh)
	assert.Equal(t, fresh, got, "testdata/certs differs from what TestCertFixtures generates; rerun it with -regen-certs")
	checkKeysAndSignatures(t, committed)
}

// generateCerts writes every certificate, key and CRL of the goldens to dir.
func generateCerts(t *testing.T, dir string) {
	t.Helper()
	require.NoError(t, os.MkdirAll(dir, 0o755))
	write := func(name string, data ...[]byte) {
		t.Helper()
		var all []byte
		for _, d := range data {
			all = append(all, d...)
		}
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), all, 0o644))
	}
	must := func(c *certgen.Cert, err error) *certgen.Cert {
		t.Helper()
		require.NoError(t, err)
		return c
	}

	// The server PKI: root → intermediate → leaves.
	root := must(certgen.NewCA(certgen.CommonName("portcullis golden root CA"), valid))
	inter := must(root.NewIntermediate(certgen.CommonName("portcullis golden intermediate CA"), valid))
	web := must(inter.NewLeaf(certgen.CommonName("web.example.com"), webHosts, valid))
	write("root.pem", root.CertPEM())
	write("root.key.pem", root.KeyPEM())
	write("intermediate.pem", inter.CertPEM())
	write("web.pem", web.CertPEM())
	write("web.key.pem", web.KeyPEM())
	write("web-chain.pem", web.CertPEM(), inter.CertPEM(), root.CertPEM())
	write("web-chain-intermediate-first.pem", inter.CertPEM(), web.CertPEM(), root.CertPEM())

	leaves := []struct {
		name string
		opts []certgen.Option
	}{
		{"expired", []certgen.Option{expired}},
		{"not-yet-valid", []certgen.Option{notYetValid}},
		{"expiring-soon", []certgen.Option{expiringSoon}},
		{"rsa1024", []certgen.Option{valid, certgen.RSA(1024)}},
		{"rsa2048", []certgen.Option{valid, certgen.RSA(2048)}},
		{"ed25519", []certgen.Option{valid, certgen.Ed25519()}},
	}
	for _, l := range leaves {
		opts := append([]certgen.Option{certgen.CommonName(l.name + ".example.com"), webHosts}, l.opts...)
		c := must(inter.NewLeaf(opts...))
		write(l.name+".pem", c.CertPEM(), inter.CertPEM())
		write(l.name+".key.pem", c.KeyPEM())
	}

	// Client authentication: a CA of its own, a client, and a CRL whose
	// NextUpdate is before goldenNow.
	clientCA := must(certgen.NewCA(certgen.CommonName("portcullis golden client CA"), valid))
	client := must(clientCA.NewLeaf(certgen.CommonName("client.example.com"), certgen.ClientAuth(), valid))
	write("client-ca.pem", clientCA.CertPEM())
	write("client-ca.key.pem", clientCA.KeyPEM())
	write("client.pem", client.CertPEM())
	write("client.key.pem", client.KeyPEM())
	write("client-ca-stale.crl.pem", crl(t, clientCA, date(2026, 2, 1), date(2026, 3, 1), client))
	write("client-ca-current.crl.pem", crl(t, clientCA, date(2026, 5, 1), date(2026, 12, 1), client))

	// Backend TLS: the CA that signs backends' certificates, and the client
	// certificate portcullis presents to them (egress mTLS).
	backendCA := must(certgen.NewCA(certgen.CommonName("portcullis golden backend CA"), valid))
	egress := must(clientCA.NewLeaf(certgen.CommonName("portcullis egress client"), certgen.ClientAuth(), valid))
	write("backend-ca.pem", backendCA.CertPEM())
	write("egress-client.pem", egress.CertPEM())
	write("egress-client.key.pem", egress.KeyPEM())
}

// crl is a PEM CRL of ca with fixed update times (certgen's uses the real clock).
func crl(t *testing.T, ca *certgen.Cert, this, next time.Time, revoked ...*certgen.Cert) []byte {
	t.Helper()
	tmpl := &x509.RevocationList{Number: big.NewInt(this.Unix()), ThisUpdate: this, NextUpdate: next}
	for _, r := range revoked {
		tmpl.RevokedCertificateEntries = append(tmpl.RevokedCertificateEntries,
			x509.RevocationListEntry{SerialNumber: r.Cert.SerialNumber, RevocationTime: this})
	}
	der, err := x509.CreateRevocationList(rand.Reader, tmpl, ca.Cert, ca.Key)
	require.NoError(t, err)
	return pem.EncodeToMemory(&pem.Block{Type: "X509 CRL", Bytes: der})
}

// describeDir describes each .pem file of dir by what the goldens rely on,
// leaving out keys' and serials' values.
func describeDir(t *testing.T, dir string) map[string][]string {
	t.Helper()
	names, err := filepath.Glob(filepath.Join(dir, "*.pem"))
	require.NoError(t, err)
	out := map[string][]string{}
	for _, name := range names {
		raw, err := os.ReadFile(name)
		require.NoError(t, err)
		var blocks []string
		for _, b := range pemBlocks(t, name, raw) {
			blocks = append(blocks, describeBlock(t, name, b))
		}
		out[filepath.Base(name)] = blocks
	}
	return out
}

func pemBlocks(t *testing.T, name string, raw []byte) []*pem.Block {
	t.Helper()
	var blocks []*pem.Block
	for {
		b, rest := pem.Decode(raw)
		if b == nil {
			require.Empty(t, strings.TrimSpace(string(rest)), "%s: trailing data after the PEM blocks", name)
			return blocks
		}
		blocks = append(blocks, b)
		raw = rest
	}
}

func describeBlock(t *testing.T, name string, b *pem.Block) string {
	t.Helper()
	switch b.Type {
	case "CERTIFICATE":
		c, err := x509.ParseCertificate(b.Bytes)
		require.NoError(t, err, name)
		return fmt.Sprintf("certificate subject=%q issuer=%q valid=%s..%s ca=%v dns=%v usages=%v key=%s",
			c.Subject, c.Issuer, c.NotBefore.UTC().Format(time.DateOnly), c.NotAfter.UTC().Format(time.DateOnly),
			c.IsCA, c.DNSNames, c.ExtKeyUsage, describeKey(c.PublicKey))
	case "PRIVATE KEY":
		k, err := x509.ParsePKCS8PrivateKey(b.Bytes)
		require.NoError(t, err, name)
		signer, ok := k.(crypto.Signer)
		require.True(t, ok, name)
		return "private key " + describeKey(signer.Public())
	case "X509 CRL":
		l, err := x509.ParseRevocationList(b.Bytes)
		require.NoError(t, err, name)
		return fmt.Sprintf("crl issuer=%q this=%s next=%s revoked=%d", l.Issuer,
			l.ThisUpdate.UTC().Format(time.DateOnly), l.NextUpdate.UTC().Format(time.DateOnly), len(l.RevokedCertificateEntries))
	}
	return "block " + b.Type
}

func describeKey(pub crypto.PublicKey) string {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		return fmt.Sprintf("RSA-%d", k.N.BitLen())
	case *ecdsa.PublicKey:
		return "ECDSA-" + k.Curve.Params().Name
	case ed25519.PublicKey:
		return "Ed25519"
	}
	return fmt.Sprintf("%T", pub)
}

// checkKeysAndSignatures: each name.key.pem holds the key of the first
// certificate of name.pem; in every file each certificate is signed by the
// next one, or by its issuer among the CA files; each CRL by its CA.
func checkKeysAndSignatures(t *testing.T, dir string) {
	t.Helper()
	certsOf := func(name string) []*x509.Certificate {
		raw, err := os.ReadFile(filepath.Join(dir, name))
		require.NoError(t, err)
		var out []*x509.Certificate
		for _, b := range pemBlocks(t, name, raw) {
			if b.Type == "CERTIFICATE" {
				c, err := x509.ParseCertificate(b.Bytes)
				require.NoError(t, err, name)
				out = append(out, c)
			}
		}
		return out
	}
	cas := map[string]*x509.Certificate{}
	for _, name := range []string{"root.pem", "intermediate.pem", "client-ca.pem", "backend-ca.pem"} {
		c := certsOf(name)[0]
		cas[string(c.RawSubject)] = c
	}
	names, err := filepath.Glob(filepath.Join(dir, "*.pem"))
	require.NoError(t, err)
	for _, path := range names {
		name := filepath.Base(path)
		switch {
		case strings.HasSuffix(name, ".key.pem"):
			certs := certsOf(strings.TrimSuffix(name, ".key.pem") + ".pem")
			require.NotEmpty(t, certs, name)
			raw, err := os.ReadFile(path)
			require.NoError(t, err)
			blocks := pemBlocks(t, name, raw)
			require.Len(t, blocks, 1, name)
			k, err := x509.ParsePKCS8PrivateKey(blocks[0].Bytes)
			require.NoError(t, err, name)
			pub := k.(crypto.Signer).Public().(interface{ Equal(crypto.PublicKey) bool })
			assert.True(t, pub.Equal(certs[0].PublicKey), "%s is the key of the first certificate of its .pem", name)
		case strings.HasSuffix(name, ".crl.pem"):
			raw, err := os.ReadFile(path)
			require.NoError(t, err)
			l, err := x509.ParseRevocationList(pemBlocks(t, name, raw)[0].Bytes)
			require.NoError(t, err, name)
			ca, ok := cas[string(l.RawIssuer)]
			require.True(t, ok, "%s: no CA file for issuer %s", name, l.Issuer)
			assert.NoError(t, l.CheckSignatureFrom(ca), name)
		default:
			certs := certsOf(name)
			for i, c := range certs {
				issuer := cas[string(c.RawIssuer)]
				if i+1 < len(certs) && string(certs[i+1].RawSubject) == string(c.RawIssuer) {
					issuer = certs[i+1]
				}
				require.NotNil(t, issuer, "%s: certificate %d: no issuer %s", name, i+1, c.Issuer)
				assert.NoError(t, c.CheckSignatureFrom(issuer), "%s: certificate %d is signed by %s", name, i+1, issuer.Subject)
			}
		}
	}
}

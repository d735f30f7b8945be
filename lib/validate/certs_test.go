package validate_test

import (
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"flag"
	"math/big"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seed-d040b84d/portcullis/test/certgen"
	"github.com/seed-d040b84d/portcullis/test/goldencases"
)

// regenCerts rewrites testdata/certs/*.pem. The certificates are generated
// once and committed: regenerating changes nothing in the goldens (which name
// subjects, never serials or fingerprints), but it is a review-worthy change.
//
//	go test ./lib/validate -run TestRegenCerts -regen-certs
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

func TestRegenCerts(t *testing.T) {
	if !*regenCerts {
		t.Skip("run with -regen-certs to rewrite testdata/certs")
	}
	dir := filepath.Join("testdata", "certs")
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

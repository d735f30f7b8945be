package certs_test

import (
	"crypto"
	"crypto/x509"
	"encoding/pem"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed-d040b84d/portcullis/lib/certs"
	"github.com/seed-d040b84d/portcullis/test/certgen"
)

func FuzzCheckTLSSecret(f *testing.F) {
	c := newChain(f)
	ed := newLeaf(f, c.inter, certgen.Ed25519())
	rsaLeaf := newLeaf(f, newCA(f, certgen.RSA(2048)), certgen.RSA(2048))
	key := c.leaf.KeyPEM()
	f.Add(c.leaf.ChainPEM(), key)
	f.Add(cat(c.leaf.ChainPEM(), c.root.CertPEM()), key)
	f.Add(cat(c.inter.CertPEM(), c.leaf.CertPEM()), key)
	f.Add(cat(c.root.CertPEM(), c.inter.CertPEM(), c.leaf.CertPEM()), sec1(f, c.leaf))
	f.Add(cat(c.leaf.ChainPEM(), c.inter.CertPEM()), key)
	f.Add(ed.ChainPEM(), ed.KeyPEM())
	f.Add(rsaLeaf.CertPEM(), pkcs1(f, rsaLeaf))
	f.Add(c.leaf.ChainPEM(), c.inter.KeyPEM())
	f.Add(cat(c.leaf.ChainPEM(), []byte("garbage")), cat([]byte("x\n"), key))
	f.Add([]byte("-----BEGIN CERTIFICATE-----\n"), []byte("-----BEGIN PRIVATE KEY-----\n-----END PRIVATE KEY-----\n"))
	f.Add([]byte{}, []byte{})

	f.Fuzz(func(t *testing.T, crt, keyPEM []byte) {
		s := tlsSecret(crt, keyPEM)
		opts := certs.TLSOptions{Hosts: []string{"a.example.com", "*.example.com", "B.EXAMPLE.COM."}, HostPath: hostPath, Now: now}
		cert, set := certs.CheckTLSSecret(s, secretField, opts)
		if len(keyPEM) >= 24 {
			for _, e := range set.Errors {
				assert.NotContains(t, e.Error(), string(keyPEM), "key bytes in a finding")
			}
		}
		if cert == nil {
			return
		}
		// Accepted: the chain is a fixed point of NormalizeChain, and the leaf is the key's.
		b, _ := pem.Decode(cert.KeyPEM())
		require.NotNil(t, b)
		parsed, err := parseAnyKey(b)
		require.NoError(t, err)
		pub := parsed.(crypto.Signer).Public()
		assert.True(t, pub.(interface{ Equal(crypto.PublicKey) bool }).Equal(cert.Leaf.PublicKey), "the leaf matches the key")
		chain, unrelated, err := certs.NormalizeChain(cert.Chain, pub)
		require.NoError(t, err)
		assert.Equal(t, cert.Chain, chain, "NormalizeChain is idempotent on the result")
		assert.Empty(t, unrelated)
		assert.Same(t, cert.Leaf, cert.Chain[0])

		again, set2 := certs.CheckTLSSecret(tlsSecret(cert.ChainPEM, cert.KeyPEM()), secretField, opts)
		require.NotNil(t, again, "the normalized output is accepted too: %v", set2.Errors)
		assert.Equal(t, cert.Fingerprint, again.Fingerprint)
		assert.False(t, again.Reordered)
	})
}

func parseAnyKey(b *pem.Block) (any, error) {
	switch b.Type {
	case "RSA PRIVATE KEY":
		return x509.ParsePKCS1PrivateKey(b.Bytes)
	case "EC PRIVATE KEY":
		return x509.ParseECPrivateKey(b.Bytes)
	default:
		return x509.ParsePKCS8PrivateKey(b.Bytes)
	}
}

func FuzzCheckCASecret(f *testing.F) {
	c := newChain(f)
	client := newLeaf(f, c.root, certgen.ClientAuth())
	crlPEM, err := certs.Generate(func() ([]byte, error) { return c.root.CRL(now.Add(time.Hour), client) })
	require.NoError(f, err)
	f.Add(c.root.CertPEM(), []byte(nil))
	f.Add(cat(c.root.CertPEM(), c.inter.CertPEM()), crlPEM)
	f.Add(cat(c.root.CertPEM(), client.CertPEM()), crlPEM)
	f.Add(c.inter.CertPEM(), crlPEM)
	f.Add(c.root.CertPEM(), []byte("garbage"))
	f.Add([]byte{}, []byte{})

	f.Fuzz(func(t *testing.T, caCrt, caCrl []byte) {
		s := caSecret(caCrt)
		if caCrl != nil {
			s.Data["ca.crl"] = caCrl
		}
		bundle, set := certs.CheckCASecret(s, caPath, now)
		if bundle == nil {
			assert.False(t, set.Allowed(), "no bundle means an error says why")
			return
		}
		assert.True(t, set.Allowed())
		require.NotEmpty(t, bundle.Certs)
		for _, cert := range bundle.Certs {
			assert.True(t, cert.IsCA)
		}
		for _, crl := range bundle.CRLs {
			signed := false
			for _, cert := range bundle.Certs {
				signed = signed || crl.CheckSignatureFrom(cert) == nil
			}
			assert.True(t, signed, "every CRL is signed by a CA of the bundle")
		}
		again, set := certs.CheckCASecret(caSecret(bundle.PEM, withData("ca.crl", bundle.CRLPEM)), caPath, now)
		if len(bundle.CRLPEM) == 0 {
			again, set = certs.CheckCASecret(caSecret(bundle.PEM), caPath, now)
		}
		require.NotNil(t, again, "the normalized output is accepted too: %v", set.Errors)
		assert.Equal(t, bundle.Fingerprint, again.Fingerprint)
	})
}

package certs_test

import (
	"crypto/x509"
	"encoding/pem"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"

	"github.com/seed-d040b84d/portcullis/lib/certs"
	"github.com/seed-d040b84d/portcullis/test/certgen"
)

const fld = "spec.tls[0].secretName"

func TestCheckTLSSecret(t *testing.T) {
	t.Parallel()
	type built struct {
		secret *corev1.Secret
		opts   certs.TLSOptions
		leaf   *certgen.Cert // the expected ServerCert.Leaf; nil when no ServerCert is expected
		chain  int           // expected len(ServerCert.Chain)
	}
	opts := func(hosts ...string) certs.TLSOptions {
		return certs.TLSOptions{Hosts: hosts, HostPath: hostPath, Now: now}
	}
	cases := []struct {
		name       string
		build      func(t *testing.T) built
		errs       []want
		warns      []want
		reordered  bool
		misordered bool // run again with AllowMisordered: the order errors become warnings
	}{
		{
			name: "leaf then intermediate",
			build: func(t *testing.T) built {
				c := newChain(t)
				return built{tlsSecret(c.leaf.ChainPEM(), c.leaf.KeyPEM()), opts("a.example.com"), c.leaf, 2}
			},
		},
		{
			name: "leaf, intermediate and root",
			build: func(t *testing.T) built {
				c := newChain(t)
				return built{tlsSecret(cat(c.leaf.ChainPEM(), c.root.CertPEM()), c.leaf.KeyPEM()), opts("a.example.com", "A.Example.COM."), c.leaf, 3}
			},
		},
		{
			name: "intermediate first",
			build: func(t *testing.T) built {
				c := newChain(t)
				return built{tlsSecret(cat(c.inter.CertPEM(), c.leaf.CertPEM()), c.leaf.KeyPEM()), opts("a.example.com"), c.leaf, 2}
			},
			errs:       []want{{fld, "certificate chain is not in leaf→intermediate→root order: the key belongs to certificate 2 (CN=leaf); put it first"}},
			reordered:  true,
			misordered: true,
		},
		{
			name: "root before intermediate",
			build: func(t *testing.T) built {
				c := newChain(t)
				return built{tlsSecret(cat(c.leaf.CertPEM(), c.root.CertPEM(), c.inter.CertPEM()), c.leaf.KeyPEM()), opts("a.example.com"), c.leaf, 3}
			},
			errs:       []want{{fld, "certificate 3 (CN=portcullis test intermediate CA) is the issuer of certificate 1 (CN=leaf) and must come right after it; reorder them as 1, 3, 2"}},
			reordered:  true,
			misordered: true,
		},
		{
			name: "duplicate intermediate",
			build: func(t *testing.T) built {
				c := newChain(t)
				return built{tlsSecret(cat(c.leaf.ChainPEM(), c.inter.CertPEM()), c.leaf.KeyPEM()), opts(), c.leaf, 2}
			},
			errs:       []want{{fld, "certificate 3 (CN=portcullis test intermediate CA) is a duplicate of certificate 2; remove it"}},
			reordered:  true,
			misordered: true,
		},
		{
			name: "unrelated certificate",
			build: func(t *testing.T) built {
				c := newChain(t)
				other := newIntermediate(t, newCA(t), certgen.CommonName("other CA"))
				return built{secret: tlsSecret(cat(c.leaf.CertPEM(), other.CertPEM()), c.leaf.KeyPEM()), opts: opts()}
			},
			errs: []want{{fld, "certificate 2 (CN=other CA) is not part of the leaf's chain: it did not issue any of its certificates (the chain ends at certificate 1 (CN=leaf), issued by CN=portcullis test intermediate CA)"}},
		},
		{
			name: "key of another certificate",
			build: func(t *testing.T) built {
				c, other := newChain(t), newChain(t)
				return built{secret: tlsSecret(c.leaf.ChainPEM(), other.leaf.KeyPEM()), opts: opts("a.example.com")}
			},
			errs: []want{{fld, "tls.key matches none of the 2 certificates in tls.crt (the first is CN=leaf)"}},
		},
		{
			name: "key does not match a lone certificate",
			build: func(t *testing.T) built {
				c, other := newChain(t), newChain(t)
				return built{secret: tlsSecret(c.leaf.CertPEM(), other.leaf.KeyPEM()), opts: opts()}
			},
			errs: []want{{fld, "tls.key does not match the certificate in tls.crt (CN=leaf)"}},
		},
		{
			name: "RSA 1024",
			build: func(t *testing.T) built {
				leaf := newLeaf(t, newCA(t, certgen.RSA(2048)), certgen.RSA(1024))
				return built{secret: tlsSecret(leaf.CertPEM(), leaf.KeyPEM()), opts: opts("a.example.com")}
			},
			errs: []want{{fld, "the RSA key has 1024 bits; at least 2048 are required"}},
		},
		{
			name: "RSA 2048 in PKCS#1",
			build: func(t *testing.T) built {
				leaf := newLeaf(t, newCA(t, certgen.RSA(2048)), certgen.RSA(2048))
				return built{tlsSecret(leaf.CertPEM(), pkcs1(t, leaf)), opts("a.example.com"), leaf, 1}
			},
		},
		{
			name: "ECDSA P-256 in SEC1",
			build: func(t *testing.T) built {
				c := newChain(t)
				return built{tlsSecret(c.leaf.ChainPEM(), sec1(t, c.leaf)), opts("a.example.com"), c.leaf, 2}
			},
		},
		{
			name: "ECDSA P-256 in SEC1 after EC PARAMETERS",
			build: func(t *testing.T) built {
				c := newChain(t)
				params := pem.EncodeToMemory(&pem.Block{Type: "EC PARAMETERS", Bytes: []byte{0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07}})
				return built{tlsSecret(c.leaf.ChainPEM(), cat(params, sec1(t, c.leaf))), opts("a.example.com"), c.leaf, 2}
			},
		},
		{
			name: "ECDSA P-384 in PKCS#8",
			build: func(t *testing.T) built {
				c := newChain(t, certgen.ECDSAP384())
				return built{tlsSecret(c.leaf.ChainPEM(), c.leaf.KeyPEM()), opts("a.example.com"), c.leaf, 2}
			},
		},
		{
			name: "Ed25519",
			build: func(t *testing.T) built {
				c := newChain(t, certgen.Ed25519())
				return built{tlsSecret(c.leaf.ChainPEM(), c.leaf.KeyPEM()), opts("a.example.com"), c.leaf, 2}
			},
			warns: []want{{fld, "the key is Ed25519: browsers do not accept Ed25519 certificates"}},
		},
		{
			name: "expired",
			build: func(t *testing.T) built {
				c := newChain(t, certgen.Validity(now.Add(-90*24*time.Hour), now.Add(-3*24*time.Hour)))
				return built{tlsSecret(c.leaf.ChainPEM(), c.leaf.KeyPEM()), opts("a.example.com"), c.leaf, 2}
			},
			warns: []want{{fld, "the certificate (CN=leaf) expired on " + now.Add(-3*24*time.Hour).Format(time.RFC3339) + ", 3 days ago"}},
		},
		{
			name: "not yet valid",
			build: func(t *testing.T) built {
				c := newChain(t, certgen.Validity(now.Add(2*time.Hour), now.Add(90*24*time.Hour)))
				return built{tlsSecret(c.leaf.ChainPEM(), c.leaf.KeyPEM()), opts("a.example.com"), c.leaf, 2}
			},
			warns: []want{{fld, "the certificate (CN=leaf) is not valid before " + now.Add(2*time.Hour).Format(time.RFC3339) + ", 2h0m0s from now"}},
		},
		{
			name: "expires in 10 days",
			build: func(t *testing.T) built {
				c := newChain(t, certgen.Validity(now.Add(-80*24*time.Hour), now.Add(10*24*time.Hour)))
				return built{tlsSecret(c.leaf.ChainPEM(), c.leaf.KeyPEM()), opts("a.example.com"), c.leaf, 2}
			},
			warns: []want{{fld, "expires on " + now.Add(10*24*time.Hour).Format(time.RFC3339) + ", in 10 days (less than 14 days); renew it"}},
		},
		{
			name: "host not covered",
			build: func(t *testing.T) built {
				c := newChain(t, certgen.DNSNames("a.example.com", "*.shop.example.com"))
				return built{tlsSecret(c.leaf.ChainPEM(), c.leaf.KeyPEM()), opts("a.example.com", "b.example.org", "x.shop.example.com", "x.y.shop.example.com"), c.leaf, 2}
			},
			errs: []want{
				{"spec.tls[0].hosts[1]", `host "b.example.org" is not covered by the certificate's DNS SANs (a.example.com, *.shop.example.com)`},
				{"spec.tls[0].hosts[3]", `host "x.y.shop.example.com" is not covered by the certificate's DNS SANs (a.example.com, *.shop.example.com); a ` + "`*`" + ` SAN covers exactly one left-most label`},
			},
		},
		{
			name: "host not covered and no HostPath",
			build: func(t *testing.T) built {
				c := newChain(t)
				return built{tlsSecret(c.leaf.ChainPEM(), c.leaf.KeyPEM()), certs.TLSOptions{Hosts: []string{"b.example.org"}, Now: now}, c.leaf, 2}
			},
			errs: []want{{fld, `host "b.example.org" is not covered`}},
		},
		{
			name: "no SANs, CN not used",
			build: func(t *testing.T) built {
				c := newChain(t, certgen.DNSNames(), certgen.CommonName("a.example.com"))
				return built{tlsSecret(c.leaf.ChainPEM(), c.leaf.KeyPEM()), opts("a.example.com"), c.leaf, 2}
			},
			errs: []want{{"spec.tls[0].hosts[0]", `host "a.example.com" is not covered: the certificate has no DNS SANs; the CN is not used (CN=a.example.com)`}},
		},
		{
			name: "SHA-1 leaf",
			build: func(t *testing.T) built {
				root := newCA(t, certgen.RSA(2048))
				leaf := newLeaf(t, root, certgen.SignatureAlgorithm(x509.SHA1WithRSA))
				return built{secret: tlsSecret(cat(leaf.CertPEM(), root.CertPEM()), leaf.KeyPEM()), opts: opts("a.example.com")}
			},
			errs: []want{{fld, "certificate 1 (CN=leaf) is signed with SHA1-RSA; SHA-1 and MD5 signatures are refused by browsers"}},
		},
		{
			name: "SHA-1 intermediate",
			build: func(t *testing.T) built {
				root := newCA(t, certgen.RSA(2048))
				inter := newIntermediate(t, root, certgen.SignatureAlgorithm(x509.SHA1WithRSA))
				leaf := newLeaf(t, inter)
				return built{secret: tlsSecret(leaf.ChainPEM(), leaf.KeyPEM()), opts: opts("a.example.com")}
			},
			errs: []want{{fld, "certificate 2 (CN=portcullis test intermediate CA) is signed with SHA1-RSA"}},
		},
		{
			name: "SHA-1 self-signed root is exempt",
			build: func(t *testing.T) built {
				root := newCA(t, certgen.RSA(2048), certgen.SignatureAlgorithm(x509.SHA1WithRSA))
				inter := newIntermediate(t, root)
				leaf := newLeaf(t, inter)
				return built{tlsSecret(cat(leaf.ChainPEM(), root.CertPEM()), leaf.KeyPEM()), opts("a.example.com"), leaf, 3}
			},
		},
		{
			name: "MD5 leaf",
			build: func(t *testing.T) built {
				root := newCA(t, certgen.RSA(2048))
				leaf := newLeaf(t, root)
				return built{secret: tlsSecret(cat(resignMD5(t, leaf.Cert, root.Key), root.CertPEM()), leaf.KeyPEM()), opts: opts("a.example.com")}
			},
			errs: []want{{fld, "certificate 1 (CN=leaf) is signed with MD5-RSA"}},
		},
		{
			name: "trailing garbage",
			build: func(t *testing.T) built {
				c := newChain(t)
				crt := cat(c.leaf.ChainPEM(), []byte("\n# made by hand\n"))
				return built{secret: tlsSecret(crt, c.leaf.KeyPEM()), opts: opts("a.example.com")}
			},
			errs: []want{{fld, "tls.crt holds 14 bytes of non-PEM data at byte "}},
		},
		{
			name: "leading text",
			build: func(t *testing.T) built {
				c := newChain(t)
				return built{secret: tlsSecret(cat([]byte("subject=CN=leaf\n"), c.leaf.ChainPEM()), c.leaf.KeyPEM()), opts: opts()}
			},
			errs: []want{{fld, "tls.crt holds 15 bytes of non-PEM data at byte 0; only PEM CERTIFICATE blocks are allowed"}},
		},
		{
			name: "private key block in tls.crt",
			build: func(t *testing.T) built {
				c := newChain(t)
				return built{secret: tlsSecret(cat(c.leaf.ChainPEM(), c.leaf.KeyPEM()), c.leaf.KeyPEM()), opts: opts()}
			},
			errs: []want{{fld, `tls.crt: PEM block 3 is "PRIVATE KEY", not CERTIFICATE; only certificates are allowed (a private key does not belong here`}},
		},
		{
			name: "certificate that does not parse",
			build: func(t *testing.T) built {
				c := newChain(t)
				bad := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: []byte("not DER")})
				return built{secret: tlsSecret(cat(c.leaf.CertPEM(), bad), c.leaf.KeyPEM()), opts: opts()}
			},
			errs: []want{{fld, "tls.crt: certificate 2 does not parse: x509: malformed certificate"}},
		},
		{
			name: "PEM block without END",
			build: func(t *testing.T) built {
				c := newChain(t)
				return built{secret: tlsSecret([]byte("-----BEGIN CERTIFICATE-----\nMIIB\n"), c.leaf.KeyPEM()), opts: opts()}
			},
			errs: []want{{fld, `tls.crt holds PEM block "CERTIFICATE" without its END line at byte 0`}},
		},
		{
			name: "no tls.key",
			build: func(t *testing.T) built {
				c := newChain(t)
				return built{secret: tlsSecret(c.leaf.ChainPEM(), nil, withoutData("tls.key")), opts: opts()}
			},
			errs: []want{{fld, "secret has no tls.key (or it is empty); a TLS secret needs tls.crt (the certificate chain) and tls.key (its private key)"}},
		},
		{
			name: "neither tls.crt nor tls.key",
			build: func(t *testing.T) built {
				return built{secret: secret(corev1.SecretTypeOpaque, map[string][]byte{"ca.crt": []byte("x")}), opts: opts()}
			},
			errs:  []want{{fld, "secret has no tls.crt and no tls.key"}},
			warns: []want{{fld, `secret type is "Opaque", expected "kubernetes.io/tls"`}},
		},
		{
			name: "Opaque secret",
			build: func(t *testing.T) built {
				c := newChain(t)
				return built{tlsSecret(c.leaf.ChainPEM(), c.leaf.KeyPEM(), withType(corev1.SecretTypeOpaque)), opts("a.example.com"), c.leaf, 2}
			},
			warns: []want{{fld, `secret type is "Opaque", expected "kubernetes.io/tls"; portcullis reads tls.crt and tls.key from it anyway`}},
		},
		{
			// kubectl create secret generic --from-file=ca.crt --from-file=tls.crt
			// --from-file=tls.key: ingress-nginx's proxy-ssl-secret.
			name: "Opaque secret with ca.crt, tls.crt and tls.key",
			build: func(t *testing.T) built {
				c := newChain(t)
				return built{tlsSecret(c.leaf.ChainPEM(), c.leaf.KeyPEM(), withType(corev1.SecretTypeOpaque), withData("ca.crt", c.root.CertPEM())), opts("a.example.com"), c.leaf, 2}
			},
		},
		{
			name: "PKCS#1 key labelled PKCS#8",
			build: func(t *testing.T) built {
				leaf := newLeaf(t, newCA(t), certgen.RSA(2048))
				return built{secret: tlsSecret(leaf.CertPEM(), relabel(t, pkcs1(t, leaf), "PRIVATE KEY")), opts: opts()}
			},
			errs: []want{{fld, `tls.key: the private key block is labelled "PRIVATE KEY" (PKCS#8) but holds a PKCS#1 key; label it "RSA PRIVATE KEY"`}},
		},
		{
			name: "encrypted key",
			build: func(t *testing.T) built {
				c := newChain(t)
				return built{secret: tlsSecret(c.leaf.ChainPEM(), relabel(t, c.leaf.KeyPEM(), "ENCRYPTED PRIVATE KEY")), opts: opts()}
			},
			errs: []want{{fld, "tls.key: the private key is encrypted; nginx cannot read it without a passphrase"}},
		},
		{
			name: "OpenSSH key",
			build: func(t *testing.T) built {
				c := newChain(t)
				return built{secret: tlsSecret(c.leaf.ChainPEM(), relabel(t, c.leaf.KeyPEM(), "OPENSSH PRIVATE KEY")), opts: opts()}
			},
			errs: []want{{fld, `tls.key: the private key block is labelled "OPENSSH PRIVATE KEY"; allowed: "RSA PRIVATE KEY" (PKCS#1), "PRIVATE KEY" (PKCS#8) or "EC PRIVATE KEY" (SEC1)`}},
		},
		{
			name: "key that does not parse",
			build: func(t *testing.T) built {
				c := newChain(t)
				return built{secret: tlsSecret(c.leaf.ChainPEM(), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: []byte("secret-bytes")})), opts: opts()}
			},
			errs: []want{{fld, `tls.key: the SEC1 private key ("EC PRIVATE KEY") does not parse`}},
		},
		{
			name: "certificate in tls.key",
			build: func(t *testing.T) built {
				c := newChain(t)
				return built{secret: tlsSecret(c.leaf.ChainPEM(), c.leaf.CertPEM()), opts: opts()}
			},
			errs: []want{{fld, `tls.key: PEM block 1 is "CERTIFICATE", not a private key; tls.key holds the private key only`}},
		},
		{
			name: "two keys",
			build: func(t *testing.T) built {
				c := newChain(t)
				return built{secret: tlsSecret(c.leaf.ChainPEM(), cat(c.leaf.KeyPEM(), c.inter.KeyPEM())), opts: opts()}
			},
			errs: []want{{fld, "tls.key holds 2 private keys; it must hold exactly one"}},
		},
		{
			name: "raw DER key",
			build: func(t *testing.T) built {
				c := newChain(t)
				b, _ := pem.Decode(c.leaf.KeyPEM())
				return built{secret: tlsSecret(c.leaf.ChainPEM(), b.Bytes), opts: opts()}
			},
			errs: []want{{fld, "tls.key holds "}},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := tc.build(t)
			cert, set := certs.CheckTLSSecret(b.secret, secretField, b.opts)
			assertFindings(t, set, tc.errs, tc.warns)
			for _, e := range set.Errors {
				if e.Field == fld && !strings.HasPrefix(e.Detail, "host ") {
					assert.Equal(t, "cert", e.BadValue, "the error's value is the secret's name")
				}
			}
			if b.leaf == nil {
				assert.Nil(t, cert)
				return
			}
			require.NotNil(t, cert)
			assert.Equal(t, b.leaf.Cert.Raw, cert.Leaf.Raw, "the leaf is the key's certificate")
			assert.Len(t, cert.Chain, b.chain)
			assert.Equal(t, tc.reordered, cert.Reordered)
			assert.Equal(t, b.leaf.Cert.DNSNames, cert.DNSNames)
			assert.Equal(t, b.leaf.Cert.NotAfter, cert.NotAfter)
			assert.Len(t, cert.Fingerprint, 64)
			assert.Equal(t, b.leaf.Cert.Raw, firstPEM(t, cert.ChainPEM), "ChainPEM is leaf first")
			if tc.misordered {
				b.opts.AllowMisordered = true
				_, set := certs.CheckTLSSecret(b.secret, secretField, b.opts)
				assertFindings(t, set, nil, append(tc.warns[:len(tc.warns):len(tc.warns)], tc.errs...))
			}
		})
	}
}

func firstPEM(t *testing.T, data []byte) []byte {
	t.Helper()
	b, _ := pem.Decode(data)
	require.NotNil(t, b)
	return b.Bytes
}

func TestCheckTLSSecretNil(t *testing.T) {
	t.Parallel()
	cert, set := certs.CheckTLSSecret(nil, secretField, certs.TLSOptions{Now: now})
	assert.Nil(t, cert)
	assertFindings(t, set, []want{{fld, "no secret to read tls.crt and tls.key from"}}, nil)
}

func TestCheckTLSSecretFindingOrder(t *testing.T) {
	t.Parallel()
	// An expired SHA-1 leaf not covering its host: the findings come out in the
	// order of docs/reference.md#tls-secrets (validity, hosts, then signature
	// algorithms).
	root := newCA(t, certgen.RSA(2048))
	leaf := newLeaf(t, root, certgen.SignatureAlgorithm(x509.SHA1WithRSA),
		certgen.Validity(now.Add(-48*time.Hour), now.Add(-time.Hour)))
	_, set := certs.CheckTLSSecret(tlsSecret(leaf.CertPEM(), leaf.KeyPEM(), withType(corev1.SecretTypeOpaque)), secretField,
		certs.TLSOptions{Hosts: []string{"b.example.com"}, HostPath: hostPath, Now: now})
	errs, warns := messages(set)
	require.Len(t, errs, 2)
	assert.Contains(t, errs[0].Message, "is not covered")
	assert.Contains(t, errs[1].Message, "SHA1-RSA")
	require.Len(t, warns, 2)
	assert.Contains(t, warns[0].Message, "secret type")
	assert.Contains(t, warns[1].Message, "expired")
}

func TestCheckTLSSecretDefaultsNowToTheCall(t *testing.T) {
	t.Parallel()
	c := newChain(t)
	cert, set := certs.CheckTLSSecret(tlsSecret(c.leaf.ChainPEM(), c.leaf.KeyPEM()), secretField, certs.TLSOptions{})
	require.NotNil(t, cert)
	assertFindings(t, set, nil, nil)
}

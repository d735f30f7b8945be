package certs_test

import (
	"encoding/pem"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/seed-d040b84d/portcullis/lib/certs"
	"github.com/seed-d040b84d/portcullis/test/certgen"
)

const caField = "metadata.annotations[nginx.ingress.kubernetes.io/auth-tls-secret]"

var caPath = field.NewPath("metadata", "annotations").Key("nginx.ingress.kubernetes.io/auth-tls-secret")

func crl(t *testing.T, issuer *certgen.Cert, nextUpdate time.Time, revoked ...*certgen.Cert) []byte {
	t.Helper()
	b, err := certs.Generate(func() ([]byte, error) { return issuer.CRL(nextUpdate, revoked...) })
	require.NoError(t, err)
	return b
}

func TestCheckCASecret(t *testing.T) {
	t.Parallel()
	type built struct {
		secret *corev1.Secret
		now    time.Time
		certs  int // expected len(CABundle.Certs); 0 when no bundle is expected
		crls   int
	}
	cases := []struct {
		name   string
		build  func(t *testing.T) built
		errs   []want
		warns  []want
		hasKey bool
	}{
		{
			name: "root",
			build: func(t *testing.T) built {
				return built{caSecret(newCA(t).CertPEM()), now, 1, 0}
			},
		},
		{
			name: "root and intermediate, Opaque",
			build: func(t *testing.T) built {
				c := newChain(t)
				return built{caSecret(cat(c.inter.CertPEM(), c.root.CertPEM()), withType(corev1.SecretTypeOpaque)), now, 2, 0}
			},
		},
		{
			name: "kubernetes.io/tls with ca.crt",
			build: func(t *testing.T) built {
				c := newChain(t)
				s := caSecret(c.root.CertPEM(), withType(corev1.SecretTypeTLS),
					withData("tls.crt", c.leaf.ChainPEM()), withData("tls.key", c.leaf.KeyPEM()))
				return built{s, now, 1, 0}
			},
		},
		{
			name: "no type counts as Opaque",
			build: func(t *testing.T) built {
				return built{caSecret(newCA(t).CertPEM(), withType("")), now, 1, 0}
			},
		},
		{
			name: "docker config secret",
			build: func(t *testing.T) built {
				return built{secret: caSecret(newCA(t).CertPEM(), withType(corev1.SecretTypeDockerConfigJson)), now: now}
			},
			errs: []want{{caField, `secret type "kubernetes.io/dockerconfigjson" cannot hold a CA bundle; allowed: "nginx.org/ca", "Opaque" or "kubernetes.io/tls"`}},
		},
		{
			name: "a leaf in ca.crt",
			build: func(t *testing.T) built {
				root := newCA(t)
				client := newLeaf(t, root, certgen.ClientAuth(), certgen.CommonName("client"))
				return built{secret: caSecret(cat(root.CertPEM(), client.CertPEM())), now: now}
			},
			errs: []want{{caField, "ca.crt: certificate 2 (CN=client) is not a CA certificate (no basicConstraints CA:TRUE)"}},
		},
		{
			name: "no ca.crt",
			build: func(t *testing.T) built {
				c := newChain(t)
				s := secret(corev1.SecretTypeTLS, map[string][]byte{"tls.crt": c.leaf.ChainPEM(), "tls.key": c.leaf.KeyPEM()})
				return built{secret: s, now: now}
			},
			errs: []want{{caField, "ca.crt is required; without it client verification would be off"}},
		},
		{
			name: "empty ca.crt",
			build: func(t *testing.T) built {
				return built{secret: caSecret([]byte("\n")), now: now}
			},
			errs: []want{{caField, "ca.crt is required"}},
		},
		{
			name: "garbage in ca.crt",
			build: func(t *testing.T) built {
				return built{secret: caSecret(cat(newCA(t).CertPEM(), []byte("oops"))), now: now}
			},
			errs: []want{{caField, "ca.crt holds 4 bytes of non-PEM data at byte "}},
		},
		{
			name: "ca.key alongside",
			build: func(t *testing.T) built {
				root := newCA(t)
				return built{caSecret(root.CertPEM(), withData("ca.key", root.KeyPEM())), now, 1, 0}
			},
			warns:  []want{{caField, "secret holds ca.key: the controller never needs a CA private key, and whoever can read this secret can mint client certificates"}},
			hasKey: true,
		},
		{
			name: "CRL",
			build: func(t *testing.T) built {
				root := newCA(t)
				client := newLeaf(t, root, certgen.ClientAuth())
				return built{caSecret(root.CertPEM(), withData("ca.crl", crl(t, root, now.Add(24*time.Hour), client))), now, 1, 1}
			},
		},
		{
			name: "CRLs of root and intermediate",
			build: func(t *testing.T) built {
				c := newChain(t)
				crls := cat(crl(t, c.root, now.Add(24*time.Hour)), crl(t, c.inter, now.Add(24*time.Hour)))
				return built{caSecret(cat(c.root.CertPEM(), c.inter.CertPEM()), withData("ca.crl", crls)), now, 2, 2}
			},
		},
		{
			name: "CRL signed by another CA",
			build: func(t *testing.T) built {
				other := newCA(t, certgen.CommonName("other CA"))
				return built{secret: caSecret(newCA(t).CertPEM(), withData("ca.crl", crl(t, other, now.Add(24*time.Hour)))), now: now}
			},
			errs: []want{{caField, "ca.crl: CRL 1 (issuer CN=other CA) is not signed by any CA in ca.crt"}},
		},
		{
			name: "CRL past NextUpdate",
			build: func(t *testing.T) built {
				root := newCA(t)
				return built{caSecret(root.CertPEM(), withData("ca.crl", crl(t, root, now.Add(time.Hour)))), now.Add(49 * time.Hour), 1, 1}
			},
			warns: []want{{caField, "ca.crl: CRL 1 (issuer CN=portcullis test root CA) is past its NextUpdate (" + now.Add(time.Hour).Format(time.RFC3339) + ", 2 days ago)"}},
		},
		{
			name: "garbage CRL",
			build: func(t *testing.T) built {
				return built{secret: caSecret(newCA(t).CertPEM(), withData("ca.crl", []byte("not a CRL"))), now: now}
			},
			errs: []want{{caField, "ca.crl holds 9 bytes of non-PEM data at byte 0; only PEM X509 CRL blocks are allowed"}},
		},
		{
			name: "CRL block that does not parse",
			build: func(t *testing.T) built {
				bad := pem.EncodeToMemory(&pem.Block{Type: "X509 CRL", Bytes: []byte{0x30, 0x03, 0x02, 0x01, 0x01}})
				return built{secret: caSecret(newCA(t).CertPEM(), withData("ca.crl", bad)), now: now}
			},
			errs: []want{{caField, "ca.crl: CRL 1 does not parse"}},
		},
		{
			name: "certificate in ca.crl",
			build: func(t *testing.T) built {
				root := newCA(t)
				return built{secret: caSecret(root.CertPEM(), withData("ca.crl", root.CertPEM())), now: now}
			},
			errs: []want{{caField, `ca.crl: PEM block 1 is "CERTIFICATE", not X509 CRL`}},
		},
		{
			name: "empty ca.crl",
			build: func(t *testing.T) built {
				return built{secret: caSecret(newCA(t).CertPEM(), withData("ca.crl", nil)), now: now}
			},
			errs: []want{{caField, "ca.crl is empty; put a PEM X509 CRL in it or remove the key"}},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := tc.build(t)
			bundle, set := certs.CheckCASecret(b.secret, caPath, b.now)
			assertFindings(t, set, tc.errs, tc.warns)
			if b.certs == 0 {
				assert.Nil(t, bundle, "no bundle with errors: client auth fails closed")
				return
			}
			require.NotNil(t, bundle)
			assert.Len(t, bundle.Certs, b.certs)
			assert.Len(t, bundle.CRLs, b.crls)
			assert.Equal(t, b.crls > 0, len(bundle.CRLPEM) > 0)
			assert.Equal(t, tc.hasKey, bundle.HasKey)
			assert.Len(t, bundle.Fingerprint, 64)
			for i, c := range bundle.Certs {
				assert.True(t, c.IsCA, "certificate %d", i+1)
			}
		})
	}
}

func TestCABundleFingerprintFollowsTheCRL(t *testing.T) {
	t.Parallel()
	root := newCA(t)
	a, set := certs.CheckCASecret(caSecret(root.CertPEM()), caPath, now)
	require.True(t, set.Allowed())
	b, set := certs.CheckCASecret(caSecret(root.CertPEM(), withData("ca.crl", crl(t, root, now.Add(time.Hour)))), caPath, now)
	require.True(t, set.Allowed())
	assert.NotEqual(t, a.Fingerprint, b.Fingerprint, "a CRL-only change must reload nginx")
}

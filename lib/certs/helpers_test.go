package certs_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/md5" //nolint:gosec // builds an MD5-signed fixture
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/asn1"
	"encoding/pem"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/seed-d040b84d/portcullis/lib/certs"
	"github.com/seed-d040b84d/portcullis/lib/findings"
	"github.com/seed-d040b84d/portcullis/test/certgen"
)

// Every certgen call goes through certs.Generate: certgen is not safe for
// parallel use.

// now is the time every check in these tests is judged at; fixtures are valid
// around it unless a test says otherwise.
var now = time.Now().UTC().Truncate(time.Second)

var (
	secretField = field.NewPath("spec", "tls").Index(0).Child("secretName")
	hostsField  = field.NewPath("spec", "tls").Index(0).Child("hosts")
)

func hostPath(i int) *field.Path { return hostsField.Index(i) }

// valid is a validity window around now.
func valid() certgen.Option {
	return certgen.Validity(now.Add(-24*time.Hour), now.Add(90*24*time.Hour))
}

func newCA(t testing.TB, opts ...certgen.Option) *certgen.Cert {
	t.Helper()
	c, err := certs.Generate(func() (*certgen.Cert, error) {
		return certgen.NewCA(append([]certgen.Option{valid()}, opts...)...)
	})
	require.NoError(t, err)
	return c
}

func newIntermediate(t testing.TB, parent *certgen.Cert, opts ...certgen.Option) *certgen.Cert {
	t.Helper()
	c, err := certs.Generate(func() (*certgen.Cert, error) {
		return parent.NewIntermediate(append([]certgen.Option{valid()}, opts...)...)
	})
	require.NoError(t, err)
	return c
}

func newLeaf(t testing.TB, parent *certgen.Cert, opts ...certgen.Option) *certgen.Cert {
	t.Helper()
	c, err := certs.Generate(func() (*certgen.Cert, error) {
		return parent.NewLeaf(append([]certgen.Option{valid(), certgen.DNSNames("a.example.com")}, opts...)...)
	})
	require.NoError(t, err)
	return c
}

// chain is a root, an intermediate and a leaf under it.
type chain struct{ root, inter, leaf *certgen.Cert }

func newChain(t testing.TB, leafOpts ...certgen.Option) chain {
	t.Helper()
	root := newCA(t)
	inter := newIntermediate(t, root)
	return chain{root, inter, newLeaf(t, inter, leafOpts...)}
}

func cat(parts ...[]byte) []byte {
	var out []byte
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

type secretOption func(*corev1.Secret)

func withType(t corev1.SecretType) secretOption { return func(s *corev1.Secret) { s.Type = t } }

func withData(k string, v []byte) secretOption { return func(s *corev1.Secret) { s.Data[k] = v } }

func withoutData(k string) secretOption { return func(s *corev1.Secret) { delete(s.Data, k) } }

func secret(typ corev1.SecretType, data map[string][]byte, opts ...secretOption) *corev1.Secret {
	s := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "cert", UID: "uid-1", ResourceVersion: "1"},
		Type:       typ,
		Data:       data,
	}
	for _, o := range opts {
		o(s)
	}
	return s
}

func tlsSecret(crt, key []byte, opts ...secretOption) *corev1.Secret {
	return secret(corev1.SecretTypeTLS, map[string][]byte{"tls.crt": crt, "tls.key": key}, opts...)
}

func caSecret(crt []byte, opts ...secretOption) *corev1.Secret {
	return secret("nginx.org/ca", map[string][]byte{"ca.crt": crt}, opts...)
}

// pkcs1 is an RSA key in PKCS#1 PEM.
func pkcs1(t testing.TB, c *certgen.Cert) []byte {
	t.Helper()
	k, ok := c.Key.(*rsa.PrivateKey)
	require.True(t, ok, "not an RSA key")
	return pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k)})
}

// sec1 is an ECDSA key in SEC1 PEM.
func sec1(t testing.TB, c *certgen.Cert) []byte {
	t.Helper()
	k, ok := c.Key.(*ecdsa.PrivateKey)
	require.True(t, ok, "not an ECDSA key")
	der, err := x509.MarshalECPrivateKey(k)
	require.NoError(t, err)
	return pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der})
}

// relabel changes the label of a single-block PEM.
func relabel(t testing.TB, data []byte, typ string) []byte {
	t.Helper()
	b, _ := pem.Decode(data)
	require.NotNil(t, b)
	return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: b.Bytes})
}

// resignMD5 re-signs cert with MD5-RSA by issuer's RSA key: crypto/x509 refuses
// to create such certificates, so the DER is rebuilt by hand.
func resignMD5(t testing.TB, cert *x509.Certificate, issuer crypto.Signer) []byte {
	t.Helper()
	key, ok := issuer.(*rsa.PrivateKey)
	require.True(t, ok, "the issuer must have an RSA key")
	md5WithRSA := asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 4}
	algID, err := asn1.Marshal(struct {
		Algorithm  asn1.ObjectIdentifier
		Parameters asn1.RawValue
	}{md5WithRSA, asn1.NullRawValue})
	require.NoError(t, err)

	var tbs asn1.RawValue
	_, err = asn1.Unmarshal(cert.RawTBSCertificate, &tbs)
	require.NoError(t, err)
	var fields [][]byte
	for rest := tbs.Bytes; len(rest) > 0; {
		var v asn1.RawValue
		rest, err = asn1.Unmarshal(rest, &v)
		require.NoError(t, err)
		fields = append(fields, v.FullBytes)
	}
	fields[2] = algID // version, serialNumber, signature, ...
	newTBS, err := asn1.Marshal(asn1.RawValue{Class: asn1.ClassUniversal, Tag: asn1.TagSequence, IsCompound: true, Bytes: cat(fields...)})
	require.NoError(t, err)

	sum := md5.Sum(newTBS) //nolint:gosec // the point of the fixture
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.MD5, sum[:])
	require.NoError(t, err)
	der, err := asn1.Marshal(struct {
		TBS   asn1.RawValue
		AlgID asn1.RawValue
		Sig   asn1.BitString
	}{asn1.RawValue{FullBytes: newTBS}, asn1.RawValue{FullBytes: algID}, asn1.BitString{Bytes: sig, BitLength: 8 * len(sig)}})
	require.NoError(t, err)
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

// want is one expected finding: a field path and a substring of its message.
type want struct{ path, msg string }

func messages(set findings.Set) (errs, warns []findings.Entry) {
	return set.ErrorEntries(), set.WarningEntries()
}

// assertFindings checks that set holds exactly the expected errors and
// warnings, each matched by path and message substring.
func assertFindings(t *testing.T, set findings.Set, wantErrs, wantWarns []want) {
	t.Helper()
	errs, warns := messages(set)
	assertEntries(t, "error", errs, wantErrs)
	assertEntries(t, "warning", warns, wantWarns)
}

func assertEntries(t *testing.T, kind string, got []findings.Entry, wanted []want) {
	t.Helper()
	if !assert.Len(t, got, len(wanted), "%ss: %v", kind, got) {
		return
	}
	for _, w := range wanted {
		found := false
		for _, g := range got {
			if g.Field == w.path && strings.Contains(g.Message, w.msg) {
				found = true
				break
			}
		}
		assert.True(t, found, "no %s on %s containing %q in %v", kind, w.path, w.msg, got)
	}
}

package gen

import (
	corev1 "k8s.io/api/core/v1"

	"github.com/seed-d040b84d/portcullis/test/certgen"
)

// CASecretType is the Secret type of a CA bundle (nginx.org/ca): ca.crt, and
// optionally ca.crl.
const CASecretType corev1.SecretType = "nginx.org/ca"

// SecretOption changes a Secret as it is built: a Meta, Data, or one of the
// options below.
type SecretOption interface{ applySecret(*corev1.Secret) }

// SecretFunc is a SecretOption a test writes itself.
type SecretFunc func(*corev1.Secret)

func (f SecretFunc) applySecret(s *corev1.Secret) { f(s) }
func (m Meta) applySecret(s *corev1.Secret)       { m(&s.ObjectMeta) }

// Secret is an Opaque Secret named name with no data.
func Secret(name string, opts ...SecretOption) *corev1.Secret {
	s := &corev1.Secret{ObjectMeta: objectMeta(name), Type: corev1.SecretTypeOpaque}
	for _, o := range opts {
		o.applySecret(s)
	}
	return s
}

// TLSSecret is a kubernetes.io/tls Secret holding cert's chain (leaf first,
// without the root) and key, as certgen generated them.
func TLSSecret(name string, cert *certgen.Cert, opts ...SecretOption) *corev1.Secret {
	return Secret(name, append([]SecretOption{SecretType(corev1.SecretTypeTLS), KeyPair(cert)}, opts...)...)
}

// CASecret is an nginx.org/ca Secret whose ca.crt is ca's certificate.
func CASecret(name string, ca *certgen.Cert, opts ...SecretOption) *corev1.Secret {
	return Secret(name, append([]SecretOption{SecretType(CASecretType), BinaryData("ca.crt", ca.CertPEM())}, opts...)...)
}

// SecretType sets the Secret's type.
func SecretType(t corev1.SecretType) SecretFunc { return func(s *corev1.Secret) { s.Type = t } }

// KeyPair sets tls.crt to cert's chain and tls.key to its key.
func KeyPair(cert *certgen.Cert) SecretFunc {
	return func(s *corev1.Secret) {
		BinaryData(corev1.TLSCertKey, cert.ChainPEM())(s)
		BinaryData(corev1.TLSPrivateKeyKey, cert.KeyPEM())(s)
	}
}

// BinaryData sets the Secret's data key to value.
func BinaryData(key string, value []byte) SecretFunc {
	return func(s *corev1.Secret) {
		if s.Data == nil {
			s.Data = map[string][]byte{}
		}
		s.Data[key] = value
	}
}

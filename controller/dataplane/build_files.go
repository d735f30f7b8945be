package dataplane

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"

	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/seed-d040b84d/portcullis/lib/certs"
	"github.com/seed-d040b84d/portcullis/lib/intent"
)

// serverCert looks up and checks a certificate secret again: it may have
// changed since the verdict.
func (b *builder) serverCert(ref intent.ObjectRef) (*certs.ServerCert, error) {
	sec, ok := b.opts.Resolver.Secret(ref.Namespace, ref.Name)
	if !ok {
		return nil, fmt.Errorf("secret %s not found", ref)
	}
	// The chain is written normalized (keyPair), so its order is no reason
	// to refuse it here; the verdict said whether order is an error.
	sc, fs := b.opts.Certs.TLS(sec, field.NewPath("secret"), certs.TLSOptions{Now: b.now, AllowMisordered: true})
	if sc == nil || !fs.Allowed() {
		return nil, fmt.Errorf("secret %s is not a usable certificate", ref)
	}
	return sc, nil
}

// caFiles looks up and checks a CA secret again and records its files.
func (b *builder) caFiles(ref intent.ObjectRef) (ca, crl string, err error) {
	sec, ok := b.opts.Resolver.Secret(ref.Namespace, ref.Name)
	if !ok {
		return "", "", fmt.Errorf("CA secret %s not found", ref)
	}
	bundle, fs := b.opts.Certs.CA(sec, field.NewPath("secret"), b.now)
	if bundle == nil || !fs.Allowed() {
		return "", "", fmt.Errorf("CA secret %s is not usable", ref)
	}
	ca = b.file("ca", bundle.PEM, false)
	if len(bundle.CRLPEM) > 0 {
		crl = b.file("crl", bundle.CRLPEM, false)
	}
	return ca, crl, nil
}

// keyPair records a certificate's chain (normalized, leaf first) and key.
func (b *builder) keyPair(sc *certs.ServerCert) KeyPair {
	return KeyPair{Cert: b.file("crt", sc.ChainPEM, false), Key: b.file("key", sc.KeyPEM(), true)}
}

// servedPair records a certificate a host serves: one file of the chain
// (normalized, leaf first) and the key, named by where it came from (a
// secret, or the default certificate) and the key. A renewal that keeps the
// key keeps the name, so the data plane can replace the file in place;
// a new key is a new name, so a certificate and a key of two generations
// are never read together.
func (b *builder) servedPair(source string, sc *certs.ServerCert) KeyPair {
	key := sc.KeyPEM()
	data := make([]byte, 0, len(sc.ChainPEM)+len(key))
	data = append(append(data, sc.ChainPEM...), key...)
	name := "tls-" + shortHash("tls", source, string(key)) + ".pem"
	b.files[name] = File{Name: name, Data: data, Private: true, Replaceable: true}
	return KeyPair{Cert: name, Key: name}
}

// file records content under a name derived from its hash.
func (b *builder) file(kind string, data []byte, private bool) string {
	name := kind + "-" + shortHash(kind, string(data)) + ".pem"
	b.files[name] = File{Name: name, Data: data, Private: private}
	return name
}

// shortHash is 128 bits of SHA-256 over the length-prefixed parts, in hex.
func shortHash(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(strconv.Itoa(len(p))))
		h.Write([]byte{':'})
		h.Write([]byte(p))
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

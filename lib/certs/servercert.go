package certs

import (
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"slices"
	"time"
)

// ServerCert is a checked TLS secret, ready to serve: the chain in normalized
// order and its key. It is shared by the Cache's callers: treat it as read-only.
//
// The private key is unexported and no String, GoString, Format, MarshalJSON or
// MarshalLog of ServerCert includes it; KeyPEM is the one way to read it.
type ServerCert struct {
	// Leaf is the certificate the key belongs to.
	Leaf *x509.Certificate
	// Chain is leaf first, then each certificate's issuer as found in tls.crt.
	Chain []*x509.Certificate
	// ChainPEM is Chain in PEM, the bytes the controller writes for nginx.
	ChainPEM []byte
	// DNSNames are the leaf's DNS SANs.
	DNSNames []string
	// NotAfter is the end of the leaf's validity.
	NotAfter time.Time
	// Fingerprint is the hex SHA-256 of the DER certificates of Chain, in order.
	Fingerprint string
	// Reordered says tls.crt was not already in the order of Chain.
	Reordered bool

	key secretPEM
}

// KeyPEM returns a copy of the private key in PEM: one block, as labelled in
// tls.key (PKCS#1, PKCS#8 or SEC1). Write it only where nginx reads it.
func (c *ServerCert) KeyPEM() []byte { return slices.Clone(c.key) }

func newServerCert(st *tlsState) *ServerCert {
	chain := make([]*x509.Certificate, len(st.order))
	var pemBuf []byte
	h := sha256.New()
	for i, j := range st.order {
		c := st.certs[j]
		chain[i] = c
		pemBuf = append(pemBuf, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})...)
		h.Write(c.Raw)
	}
	leaf := chain[0]
	return &ServerCert{
		Leaf:        leaf,
		Chain:       chain,
		ChainPEM:    pemBuf,
		DNSNames:    leaf.DNSNames,
		NotAfter:    leaf.NotAfter,
		Fingerprint: hex.EncodeToString(h.Sum(nil)),
		Reordered:   len(st.others) > 0 || !slices.IsSorted(st.order) || st.order[0] != 0,
		key:         pem.EncodeToMemory(st.keyBlock),
	}
}

// serverCertView is what ServerCert shows of itself: everything but the key.
type serverCertView struct {
	Subject     string    `json:"subject"`
	Issuer      string    `json:"issuer"`
	DNSNames    []string  `json:"dnsNames"`
	NotAfter    time.Time `json:"notAfter"`
	ChainLength int       `json:"chainLength"`
	Fingerprint string    `json:"fingerprint"`
	Reordered   bool      `json:"reordered,omitempty"`
}

func (c ServerCert) view() serverCertView {
	v := serverCertView{DNSNames: c.DNSNames, NotAfter: c.NotAfter, ChainLength: len(c.Chain),
		Fingerprint: c.Fingerprint, Reordered: c.Reordered}
	if c.Leaf != nil {
		v.Subject, v.Issuer = subject(c.Leaf), issuer(c.Leaf)
	}
	return v
}

// String describes the certificate without its key.
func (c ServerCert) String() string {
	v := c.view()
	return fmt.Sprintf("ServerCert{%s, issuer %s, SANs %v, notAfter %s, chain of %d, sha256 %s}",
		v.Subject, v.Issuer, v.DNSNames, stamp(v.NotAfter), v.ChainLength, v.Fingerprint)
}

// GoString is String for %#v.
func (c ServerCert) GoString() string { return "certs." + c.String() }

// Format prints String for every verb, so that no verb (%d, %x, %+v …) reaches
// the key field through reflection.
func (c ServerCert) Format(f fmt.State, verb rune) {
	if verb == 'v' && f.Flag('#') {
		fmt.Fprint(f, c.GoString())
		return
	}
	fmt.Fprint(f, c.String())
}

// MarshalJSON encodes the certificate's description without its key.
func (c ServerCert) MarshalJSON() ([]byte, error) { return json.Marshal(c.view()) }

// MarshalLog is what logr prints for a ServerCert: no key.
func (c ServerCert) MarshalLog() any { return c.view() }

// secretPEM holds private key bytes and prints as a redaction whatever the verb.
type secretPEM []byte

func (secretPEM) Format(f fmt.State, _ rune)   { fmt.Fprint(f, "[redacted]") }
func (secretPEM) MarshalJSON() ([]byte, error) { return []byte(`"[redacted]"`), nil }

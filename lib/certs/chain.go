package certs

import (
	"bytes"
	"crypto"
	"crypto/md5" //nolint:gosec // only to recognise, never to trust, legacy signatures
	"crypto/rsa"
	"crypto/x509"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// ErrKeyMatchesNoCertificate is returned by NormalizeChain when no certificate
// holds the given public key.
var ErrKeyMatchesNoCertificate = errors.New("no certificate matches the private key")

// NormalizeChain orders certs leaf first: the leaf is the certificate holding
// pub, then each next one is the issuer of the one before (by signature), until
// a self-signed certificate or no issuer is left. Certificates that take no part
// in that chain are not dropped silently: their 0-based positions in certs are
// returned in unrelated. A second issuer candidate (a cross-signature) counts as
// unrelated; the first one in the given order wins, so the result of
// NormalizeChain is a fixed point of it.
func NormalizeChain(certs []*x509.Certificate, pub crypto.PublicKey) (chain []*x509.Certificate, unrelated []int, err error) {
	order, unrelated := normalize(certs, pub)
	if order == nil {
		return nil, nil, ErrKeyMatchesNoCertificate
	}
	chain = make([]*x509.Certificate, len(order))
	for i, j := range order {
		chain[i] = certs[j]
	}
	return chain, unrelated, nil
}

// normalize is NormalizeChain in positions: order lists the indices of the chain
// leaf first, nil when no certificate holds pub.
func normalize(certs []*x509.Certificate, pub crypto.PublicKey) (order, unrelated []int) {
	leaf := matchingCert(certs, pub)
	if leaf < 0 {
		return nil, nil
	}
	used := make([]bool, len(certs))
	used[leaf] = true
	order = []int{leaf}
	for cur := certs[leaf]; !isSelfSigned(cur); {
		next := -1
		for j, c := range certs {
			if !used[j] && signedBy(cur, c) {
				next = j
				break
			}
		}
		if next < 0 {
			break
		}
		used[next] = true
		order = append(order, next)
		cur = certs[next]
	}
	for j := range certs {
		if !used[j] {
			unrelated = append(unrelated, j)
		}
	}
	return order, unrelated
}

// matchingCert is the index of the first certificate whose public key is pub, or -1.
func matchingCert(certs []*x509.Certificate, pub crypto.PublicKey) int {
	eq, ok := pub.(interface{ Equal(crypto.PublicKey) bool })
	if !ok {
		return -1
	}
	for i, c := range certs {
		if eq.Equal(c.PublicKey) {
			return i
		}
	}
	return -1
}

// signedBy reports whether parent, a CA certificate, issued child. Unlike
// CheckSignatureFrom it also recognises SHA-1 and MD5 signatures, so that a
// chain using them is ordered correctly and then denied for the algorithm, not
// for a confusing "not the issuer".
func signedBy(child, parent *x509.Certificate) bool {
	if !bytes.Equal(child.RawIssuer, parent.RawSubject) {
		return false
	}
	if parent.Version == 3 && (!parent.BasicConstraintsValid || !parent.IsCA) {
		return false
	}
	if parent.KeyUsage != 0 && parent.KeyUsage&x509.KeyUsageCertSign == 0 {
		return false
	}
	return checkSignature(child, parent) == nil
}

// isSelfSigned reports whether c names and signs itself.
func isSelfSigned(c *x509.Certificate) bool {
	return bytes.Equal(c.RawIssuer, c.RawSubject) && checkSignature(c, c) == nil
}

// checkSignature verifies child's signature with parent's key, whatever the
// algorithm's strength.
func checkSignature(child, parent *x509.Certificate) error {
	if child.SignatureAlgorithm == x509.MD5WithRSA {
		pub, ok := parent.PublicKey.(*rsa.PublicKey)
		if !ok {
			return errors.New("MD5-RSA signature from a non-RSA key")
		}
		sum := md5.Sum(child.RawTBSCertificate) //nolint:gosec // see import
		return rsa.VerifyPKCS1v15(pub, crypto.MD5, sum[:], child.Signature)
	}
	// CheckSignature, unlike CheckSignatureFrom, still verifies SHA-1.
	return parent.CheckSignature(child.SignatureAlgorithm, child.RawTBSCertificate, child.Signature)
}

// weakSignature reports whether alg hashes with SHA-1 or MD5 (or MD2).
func weakSignature(alg x509.SignatureAlgorithm) bool {
	switch alg {
	case x509.MD2WithRSA, x509.MD5WithRSA, x509.SHA1WithRSA, x509.DSAWithSHA1, x509.ECDSAWithSHA1:
		return true
	}
	return false
}

// nth names the certificate at 0-based position i for a message: "certificate 2 (CN=…)".
func nth(i int, c *x509.Certificate) string {
	return fmt.Sprintf("certificate %d (%s)", i+1, subject(c))
}

// subject is the CN of c, or its whole subject when it has no CN, safe to print.
func subject(c *x509.Certificate) string {
	if cn := c.Subject.CommonName; cn != "" {
		return "CN=" + printable(cn)
	}
	if s := c.Subject.String(); s != "" {
		return printable(s)
	}
	return "empty subject"
}

// issuer is subject for c's issuer.
func issuer(c *x509.Certificate) string {
	if cn := c.Issuer.CommonName; cn != "" {
		return "CN=" + printable(cn)
	}
	if s := c.Issuer.String(); s != "" {
		return printable(s)
	}
	return "an empty issuer name"
}

// printable quotes s when it holds anything a terminal could misrender.
func printable(s string) string {
	s = truncate(s, 80)
	if strings.IndexFunc(s, func(r rune) bool { return !unicode.IsPrint(r) }) >= 0 {
		return strconv.Quote(s)
	}
	return s
}

// truncate cuts s to at most max bytes on a rune boundary, marking the cut.
func truncate(s string, max int) string {
	if len(s) <= max {
		return s
	}
	for max > 0 && !utf8.RuneStart(s[max]) {
		max--
	}
	return s[:max] + "…"
}

// positions renders 0-based indices as a 1-based list: "1, 3, 2".
func positions(idx []int) string {
	parts := make([]string, len(idx))
	for i, j := range idx {
		parts[i] = strconv.Itoa(j + 1)
	}
	return strings.Join(parts, ", ")
}

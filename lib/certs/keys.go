package certs

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"strconv"
	"strings"
)

// keyFormats names the private key encodings nginx reads, by PEM label.
var keyFormats = map[string]string{
	"RSA PRIVATE KEY": "PKCS#1",
	"PRIVATE KEY":     "PKCS#8",
	"EC PRIVATE KEY":  "SEC1",
}

// keyLabels is keyFormats' keys in a fixed order, for deterministic messages.
var keyLabels = []string{"RSA PRIVATE KEY", "PRIVATE KEY", "EC PRIVATE KEY"}

const allowedKeyLabels = `"RSA PRIVATE KEY" (PKCS#1), "PRIVATE KEY" (PKCS#8) or "EC PRIVATE KEY" (SEC1)`

// parseKeyBlock decodes a private key block by its label. The message it returns
// on failure describes the block, never its content, and never wraps a Go parse
// error (those can quote bytes of the input).
func parseKeyBlock(b *pem.Block) (crypto.Signer, string) {
	if b.Type == "ENCRYPTED PRIVATE KEY" || strings.Contains(b.Headers["Proc-Type"], "ENCRYPTED") {
		return nil, "the private key is encrypted; nginx cannot read it without a passphrase, store it unencrypted"
	}
	format, ok := keyFormats[b.Type]
	if !ok {
		return nil, fmt.Sprintf("the private key block is labelled %s; allowed: %s", label(b.Type), allowedKeyLabels)
	}
	key, err := parseKeyAs(b.Type, b.Bytes)
	if err != nil {
		for _, other := range keyLabels {
			if other != b.Type {
				if _, err := parseKeyAs(other, b.Bytes); err == nil {
					return nil, fmt.Sprintf("the private key block is labelled %s (%s) but holds a %s key; label it %q",
						label(b.Type), format, keyFormats[other], other)
				}
			}
		}
		return nil, fmt.Sprintf("the %s private key (%s) does not parse", format, label(b.Type))
	}
	signer, ok := key.(crypto.Signer)
	if !ok {
		return nil, fmt.Sprintf("the private key is a %T, which cannot sign; allowed: RSA, ECDSA or Ed25519", key)
	}
	return signer, ""
}

func parseKeyAs(typ string, der []byte) (any, error) {
	switch typ {
	case "RSA PRIVATE KEY":
		return x509.ParsePKCS1PrivateKey(der)
	case "EC PRIVATE KEY":
		return x509.ParseECPrivateKey(der)
	default:
		return x509.ParsePKCS8PrivateKey(der)
	}
}

// keyStrength judges a TLS key: ok, a warning, or an error message.
func keyStrength(pub crypto.PublicKey) (warning, failure string) {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		if bits := k.N.BitLen(); bits < 2048 {
			return "", fmt.Sprintf("the RSA key has %d bits; at least 2048 are required", bits)
		}
	case *ecdsa.PublicKey:
		switch k.Curve {
		case elliptic.P256(), elliptic.P384(), elliptic.P521():
		default:
			return "", fmt.Sprintf("the ECDSA key is on curve %s; allowed: P-256, P-384 or P-521", k.Curve.Params().Name)
		}
	case ed25519.PublicKey:
		return "the key is Ed25519: browsers do not accept Ed25519 certificates; use ECDSA P-256 or RSA 2048 for public hosts", ""
	default:
		return "", fmt.Sprintf("the key type %T is not usable for TLS; allowed: RSA ≥ 2048 bits, ECDSA P-256/P-384/P-521 or Ed25519", pub)
	}
	return "", ""
}

// label quotes a PEM label for a message, cut short if someone made it long.
func label(s string) string {
	return strconv.Quote(truncate(s, 40))
}

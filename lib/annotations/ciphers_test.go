package annotations

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestWeakCiphersAreRefused: every cipher-list annotation refuses a list
// that selects a weak cipher, naming the key and the entry that brought it
// in (docs/security.md#weak-tls-ciphers).
func TestWeakCiphersAreRefused(t *testing.T) {
	t.Parallel()
	weak := map[string]string{
		// ingress-nginx's own documentation example.
		"ALL:!aNULL:!EXPORT56:RC4+RSA:+HIGH:+MEDIUM:+LOW:+SSLv2:+EXP": `"RC4+RSA" adds RC4 ciphers (RC4-MD5, RC4-SHA, EXP-RC4-MD5 and 1 more), which are broken; remove it or prefix it with "!"`,
		"eNULL":     `"eNULL" adds ciphers without encryption (`,
		"aNULL":     `"aNULL" adds anonymous ciphers (`,
		"RC4-MD5":   `"RC4-MD5" adds RC4 ciphers (RC4-MD5), which are broken`,
		"HIGH:MD5":  `"HIGH" adds anonymous ciphers`,
		"-ALL":      `"-ALL" leaves no cipher for TLS 1.2 and below`,
		"HIGH:RC4+": `OpenSSL refuses "HIGH:RC4+"`,
	}
	for _, key := range []string{pre + KeySSLCiphers, pre + KeyProxySSLCiphers, KeyOrgSSLCiphers} {
		for value, msg := range weak {
			_, s := Parse(map[string]string{key: value}, Options{})
			assertFindings(t, s.ErrorEntries(), []finding{{"metadata.annotations[" + key + "]", msg}})
		}
		_, s := Parse(map[string]string{key: "HIGH:!aNULL:!MD5"}, Options{})
		assert.Empty(t, s.ErrorEntries(), key)
	}
}

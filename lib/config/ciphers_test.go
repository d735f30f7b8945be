package config

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestWeakCiphersAreRefused: the ConfigMap's ssl-ciphers refuses a list that
// selects a weak cipher, and the default list stays
// (docs/security.md#weak-tls-ciphers).
func TestWeakCiphersAreRefused(t *testing.T) {
	t.Parallel()
	for value, msg := range map[string]string{
		"ALL:!aNULL:!EXPORT56:RC4+RSA:+HIGH:+MEDIUM:+LOW:+SSLv2:+EXP": `"RC4+RSA" adds RC4 ciphers (RC4-MD5, RC4-SHA, EXP-RC4-MD5 and 1 more), which are broken; remove it or prefix it with "!"`,
		"eNULL":   `"eNULL" adds ciphers without encryption (`,
		"aNULL":   `"aNULL" adds anonymous ciphers (`,
		"RC4-MD5": `"RC4-MD5" adds RC4 ciphers (RC4-MD5), which are broken`,
		"ALL":     `"ALL" adds anonymous ciphers (ADH-AES256-GCM-SHA384, ADH-AES128-GCM-SHA256, ADH-AES256-SHA256 and 9 more), which authenticate no server, so anyone in the path can impersonate it; add "!aNULL" after it`,
		"FOO":     `"FOO" leaves no cipher for TLS 1.2 and below`,
	} {
		c, s := Parse(map[string]string{"ssl-ciphers": value})
		errs := s.ErrorEntries()
		require.Len(t, errs, 1, value)
		assert.Equal(t, "data[ssl-ciphers]", errs[0].Field, value)
		assert.Contains(t, errs[0].Message, msg, value)
		assert.Equal(t, DefaultSSLCiphers, c.SSLCiphers, "a refused value keeps the default")
	}
	c, s := Parse(map[string]string{"ssl-ciphers": "ALL:!aNULL:!eNULL"})
	require.Empty(t, s.Errors)
	assert.Equal(t, "ALL:!aNULL:!eNULL", c.SSLCiphers)
	_, s = Parse(map[string]string{"ssl-ciphers": DefaultSSLCiphers})
	assert.Empty(t, s.Errors, "the default list passes its own rule")
}

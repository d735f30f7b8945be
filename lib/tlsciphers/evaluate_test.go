package tlsciphers

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCheckRefusesWeakStrings(t *testing.T) {
	t.Parallel()
	for s, want := range map[string]string{
		// ingress-nginx's docs example: RC4+RSA adds ciphers OpenSSL 3.0 no
		// longer builds, but an older or differently built OpenSSL would offer.
		"ALL:!aNULL:!EXPORT56:RC4+RSA:+HIGH:+MEDIUM:+LOW:+SSLv2:+EXP": `"RC4+RSA" adds RC4 ciphers (RC4-MD5, RC4-SHA, EXP-RC4-MD5 and 1 more), which are broken; remove it or prefix it with "!"`,
		"RC4-MD5":               `"RC4-MD5" adds RC4 ciphers (RC4-MD5), which are broken; remove it or prefix it with "!"`,
		"eNULL":                 `"eNULL" adds ciphers without encryption (`,
		"HIGH:!aNULL:eNULL":     `"eNULL" adds ciphers without encryption (`,
		"HIGH:eNULL":            `"HIGH" adds anonymous ciphers (`,
		"aNULL":                 `"aNULL" adds anonymous ciphers (ADH-`,
		"ALL":                   `"ALL" adds anonymous ciphers (ADH-AES256-GCM-SHA384, ADH-AES128-GCM-SHA256, ADH-AES256-SHA256 and 9 more), which authenticate no server, so anyone in the path can impersonate it; add "!aNULL" after it`,
		"HIGH:!MD5":             `"HIGH" adds anonymous ciphers`,
		"DES-CBC-SHA":           `"DES-CBC-SHA" adds single-DES ciphers (DES-CBC-SHA)`,
		"HIGH:!aNULL:3DES":      `"3DES" adds 3DES ciphers (DES-CBC3-SHA, `,
		"HIGH:!aNULL:EXP":       `"EXP" adds export-grade ciphers (EXP-RC4-MD5, `,
		"HIGH:!aNULL:SSLv2":     `"SSLv2" adds SSLv2 ciphers (RC2-CBC-MD5, `,
		"HIGH:!aNULL:MD5":       `"MD5" adds ciphers with an MD5 MAC (NULL-MD5, `,
		"HIGH:!aNULL:LOW":       `"LOW" adds SSLv2 ciphers (RC4-64-MD5), which belong to a broken protocol, and single-DES ciphers (`,
		"ALL:-aNULL:ADH+AES":    `"ADH+AES" adds anonymous ciphers (ADH-`,
		"HIGH:!aNULL:RC4+ECDHE": `"RC4+ECDHE" adds RC4 ciphers (ECDHE-ECDSA-RC4-SHA, ECDHE-RSA-RC4-SHA)`,
		"HIGH:!aNULL:NULL-MD5":  `"NULL-MD5" adds ciphers without encryption (NULL-MD5)`,
		// The first entry that adds a weak cipher is named.
		"RC4:eNULL": `"RC4" adds`,
		// Deleted with "-" and added again.
		"HIGH:!aNULL:-RC4:RC4-SHA": `"RC4-SHA" adds RC4 ciphers (RC4-SHA)`,
	} {
		err := Check(s)
		if assert.Error(t, err, s) {
			assert.True(t, strings.HasPrefix(err.Error(), want), "Check(%q) = %q, want a message starting %q", s, err, want)
		}
	}
}

func TestCheckAdmitsStrongStrings(t *testing.T) {
	t.Parallel()
	for _, s := range []string{
		"HIGH:!aNULL:!MD5", "DEFAULT", "ALL:!aNULL:!eNULL", "HIGH:MEDIUM:!aNULL", "HIGH:!aNULL:!MD5:MEDIUM:RC4:!RC4",
		"ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256", "-ALL:ECDHE-RSA-AES128-GCM-SHA256",
		"HIGH !aNULL,!MD5:@STRENGTH", "ECDH+AESGCM:-RSA:+AES256:@SECLEVEL=2", "HIGH:!aNULL:+RC4:+EXP:+SSLv2",
		"!RC4:HIGH:!aNULL:RC4-MD5", // killed for good before it is named
		"DEFAULT:RC4",              // DEFAULT kills what is not in it for good, as in OpenSSL
		"ALL:!aNULL:ADH+AES",
		"HIGH:!aNULL:FOO", // unknown names are ignored, as OpenSSL ignores them
		"DEFAULT:!SHA1", "SUITEB128",
	} {
		assert.NoError(t, Check(s), s)
	}
}

func TestCheckRefusesEmptyAndBrokenStrings(t *testing.T) {
	t.Parallel()
	for s, want := range map[string]string{
		"FOO":                    `"FOO" leaves no cipher for TLS 1.2 and below`,
		"-ALL":                   `"-ALL" leaves no cipher`,
		"HIGH:!HIGH":             `leaves no cipher`,
		"TLS_AES_128_GCM_SHA256": `TLS 1.3 suites (TLS_...) are not chosen by this list`,
		"IDEA-CBC-SHA":           `leaves no cipher`,
		"HIGH:RC4+":              `OpenSSL refuses "HIGH:RC4+": it ends with an operator and no cipher name`,
		"HIGH:!!aNULL":           `OpenSSL refuses "HIGH:!!aNULL": '!' cannot start a cipher name`,
		"HIGH:@FOO":              `OpenSSL refuses "@FOO"`,
		"HIGH:@SECLEVEL=7":       `OpenSSL refuses "@SECLEVEL=7"`,
	} {
		err := Check(s)
		if assert.Error(t, err, s) {
			assert.Contains(t, err.Error(), want, s)
		}
	}
}

func TestEvaluateHistoricOnlyWhenAsked(t *testing.T) {
	t.Parallel()
	r, err := Evaluate("ALL:HIGH:MEDIUM:kRSA:DEFAULT:COMPLEMENTOFDEFAULT")
	require.NoError(t, err)
	assert.Equal(t, r.Selected, r.Compiled(), "broad keywords select what OpenSSL 3.0 builds")
	r, err = Evaluate("RC4")
	require.NoError(t, err)
	assert.NotEmpty(t, r.Selected)
	assert.Empty(t, r.Compiled())
	for _, c := range r.Selected {
		assert.Equal(t, "RC4", c.Enc, c.Name)
		assert.False(t, c.Compiled, c.Name)
	}
	r, err = Evaluate("HIGH:@SECLEVEL=0")
	require.NoError(t, err)
	assert.Equal(t, 0, r.SecLevel)
}

func TestEveryRowIsConsistent(t *testing.T) {
	t.Parallel()
	for _, c := range table {
		w, weak := c.Weakness()
		if !c.Compiled {
			assert.True(t, weak, "historic row %s is weak", c.Name)
		}
		if weak {
			assert.True(t, c.has(w), c.Name)
		}
		assert.Equal(t, c.Enc == "None", c.Bits == 0, "%s: bits 0 only without encryption", c.Name)
	}
}

// TestCheckTimeIsBounded: a long list costs time in proportion to its
// length, with no blow-up from "+" chains or repeated entries.
func TestCheckTimeIsBounded(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("HIGH+AES+SHA256:-ALL:!RC4-MD5:", 20000) + "HIGH:!aNULL"
	start := time.Now()
	require.NoError(t, Check(long))
	assert.Less(t, time.Since(start), 5*time.Second)
}

func FuzzCheck(f *testing.F) {
	for _, s := range []string{"ALL:!aNULL:!EXPORT56:RC4+RSA:+HIGH:+MEDIUM:+LOW:+SSLv2:+EXP", "HIGH:!aNULL:!MD5",
		"DEFAULT:@SECLEVEL=2", "SUITEB128", "-ALL:ECDHE-RSA-AES128-GCM-SHA256", "a+b+c,d e;f", "@", "+", "!"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		start := time.Now()
		r, err := Evaluate(s)
		if err == nil {
			require.Len(t, r.AddedBy, len(r.Selected))
		}
		_ = Check(s)
		require.Less(t, time.Since(start), 2*time.Second, "Check(%q) took too long", s)
	})
}

package tlsciphers

import (
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// These tests run the installed openssl (OpenSSL 3.0 on Debian 12; `make deps`
// installs it) and compare its answer with Evaluate's. OpenSSL 3.0 builds no
// RC4, DES, 3DES, RC2, export or SSLv2 cipher, so the table's historic rows
// cannot be checked this way: the comparison is over the compiled rows, and
// the historic ones are covered by evaluate_test.go.
//
// `openssl ciphers -v` lists every cipher the string selects whatever the
// security level; `-s` would also drop those the level forbids (at level 1
// and up: NULL, anonymous and MD5 ciphers), which an @SECLEVEL=0 in the
// string turns back on. The rule refuses weak ciphers whatever the level, so
// the comparison is with -v.

// opensslLine is one line of `openssl ciphers -v`.
type opensslLine struct {
	name, protocol, kx, au, enc, mac string
}

func opensslCiphers(t *testing.T, s string) (lines []opensslLine, ok bool) {
	t.Helper()
	bin, err := exec.LookPath("openssl")
	require.NoError(t, err, "these tests compare with the openssl command: run `make deps`")
	out, err := exec.Command(bin, "ciphers", "-v", "--", s).CombinedOutput()
	if err != nil {
		require.Contains(t, string(out), "no cipher match", "openssl ciphers -v %q", s)
		return nil, false
	}
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(l)
		require.Len(t, f, 6, "openssl line %q", l)
		if f[1] == "TLSv1.3" {
			continue // TLS 1.3 suites are always listed, whatever the string
		}
		lines = append(lines, opensslLine{f[0], f[1], strings.TrimPrefix(f[2], "Kx="), strings.TrimPrefix(f[3], "Au="),
			strings.TrimPrefix(f[4], "Enc="), strings.TrimPrefix(f[5], "Mac=")})
	}
	return lines, true
}

// opensslWeak reports whether a line has a weak property.
func opensslWeak(l opensslLine) bool {
	return l.enc == "None" || l.au == "None" || strings.HasPrefix(l.enc, "RC4") || strings.HasPrefix(l.enc, "DES") ||
		strings.HasPrefix(l.enc, "3DES") || l.mac == "MD5" || strings.HasPrefix(l.name, "EXP") || l.protocol == "SSLv2"
}

func compiledNames(r Result) []string {
	var out []string
	for _, c := range r.Compiled() {
		out = append(out, c.Name)
	}
	slices.Sort(out)
	return out
}

// sameAsOpenSSL asserts Evaluate(s) selects the compiled ciphers OpenSSL
// selects, and that its verdict over them matches OpenSSL's output.
func sameAsOpenSSL(t *testing.T, s string) {
	t.Helper()
	lines, ok := opensslCiphers(t, s)
	var want []string
	wantWeak := false
	for _, l := range lines {
		want = append(want, l.name)
		wantWeak = wantWeak || opensslWeak(l)
	}
	slices.Sort(want)
	r, err := Evaluate(s)
	require.NoError(t, err, "Evaluate(%q)", s)
	got := compiledNames(r)
	assert.Equal(t, want, got, "ciphers of %q", s)
	assert.Equal(t, ok, len(got) > 0, "whether OpenSSL accepts %q", s)
	gotWeak := false
	for _, c := range r.Compiled() {
		_, weak := c.Weakness()
		gotWeak = gotWeak || weak
	}
	assert.Equal(t, wantWeak, gotWeak, "weak verdict of %q over the ciphers OpenSSL builds", s)
}

// TestTableMatchesOpenSSL checks the compiled rows column by column against
// `openssl ciphers -v 'ALL:COMPLEMENTOFALL'`, and that no row is missing.
func TestTableMatchesOpenSSL(t *testing.T) {
	lines, ok := opensslCiphers(t, "ALL:COMPLEMENTOFALL")
	require.True(t, ok)
	byName := map[string]Cipher{}
	for _, c := range table {
		_, dup := byName[c.Name]
		require.False(t, dup, "row %s twice", c.Name)
		byName[c.Name] = c
	}
	seen := map[string]bool{}
	for _, l := range lines {
		c, found := byName[l.name]
		if !assert.True(t, found, "openssl lists %s, the table does not", l.name) {
			continue
		}
		seen[l.name] = true
		enc := c.Enc
		switch enc {
		case "CHACHA20":
			enc = "CHACHA20/POLY1305"
		case "CAMELLIA":
			enc = "Camellia"
		}
		if c.Enc != "None" {
			enc += "(" + strconv.Itoa(c.Bits) + ")"
		}
		assert.True(t, c.Compiled, "%s is compiled", c.Name)
		assert.Equal(t, l, opensslLine{c.Name, c.Protocol, c.Kx, c.Au, enc, c.Mac}, "row %s", c.Name)
	}
	for _, c := range table {
		if c.Compiled {
			assert.True(t, seen[c.Name], "row %s is marked compiled, openssl does not list it", c.Name)
		}
	}
}

// TestKeywordsMatchOpenSSL evaluates every keyword and every compiled cipher
// name alone, and with "!", "-" and "+" after ALL.
func TestKeywordsMatchOpenSSL(t *testing.T) {
	var words []string
	for k := range keywords {
		words = append(words, k)
	}
	slices.Sort(words)
	for _, w := range words {
		t.Run(w, func(t *testing.T) {
			sameAsOpenSSL(t, w)
			sameAsOpenSSL(t, "ALL:COMPLEMENTOFALL:!"+w)
			sameAsOpenSSL(t, "ALL:-"+w+":"+w+"+SHA256")
		})
	}
	for _, c := range table {
		if c.Compiled {
			sameAsOpenSSL(t, c.Name)
		}
	}
}

// TestStringsMatchOpenSSL is the table of real-world and tricky strings.
func TestStringsMatchOpenSSL(t *testing.T) {
	for _, s := range []string{
		// ingress-nginx's docs example; nginx's default; OpenSSL's keywords.
		"ALL:!aNULL:!EXPORT56:RC4+RSA:+HIGH:+MEDIUM:+LOW:+SSLv2:+EXP",
		"HIGH:!aNULL:!MD5",
		"DEFAULT", "ALL", "COMPLEMENTOFALL", "COMPLEMENTOFDEFAULT", "ALL:COMPLEMENTOFALL",
		"eNULL", "aNULL", "NULL", "RC4-MD5", "RC4", "DES-CBC3-SHA", "EXP", "SSLv2",
		"ALL:!aNULL:!eNULL", "HIGH:MEDIUM", "HIGH:MEDIUM:LOW", "MEDIUM", "LOW",
		"-ALL:ECDHE-RSA-AES128-GCM-SHA256", "!ALL:ECDHE-RSA-AES128-GCM-SHA256",
		// Mozilla's intermediate and modern (TLS 1.3 only: nothing here) configurations.
		"ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:" +
			"ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:" +
			"DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384:DHE-RSA-CHACHA20-POLY1305",
		"TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256",
		// ingress-nginx's default ssl-ciphers.
		"ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384",
		// Operators, intersections, separators, specials.
		"ECDH+AESGCM:DH+AESGCM:ECDH+AES256:DH+AES256:ECDH+AES128:DH+AES:RSA+AESGCM:RSA+AES:!aNULL:!MD5:!DSS",
		"ECDH+AESGCM:-RSA:+AES256:@SECLEVEL=2",
		"HIGH !aNULL,!MD5:@STRENGTH",
		"HIGH:!aNULL:-kRSA:kRSA+AESGCM",
		"ALL:!ADH:-AECDH:AECDH+AES128",
		"kEDH+aNULL:EDH+aNULL:kECDHE+aNULL",
		"HIGH+FIPS", "FIPS:!aNULL", "AES128+SHA1+TLSv1", "SSLv3+aNULL", "TLSv1.2+ECDSA:TLSv1+RSA",
		"PSK:-kPSK:+aPSK", "SRP:!aRSA", "CAMELLIA:!SHA1:ARIA", "CHACHA20:AESCCM8",
		"eNULL:DEFAULT", "DEFAULT:eNULL", "DEFAULT:!ECDSA", "DEFAULT:COMPLEMENTOFDEFAULT",
		"ALL:!COMPLEMENTOFDEFAULT:!eNULL", "ALL+eNULL", "aNULL+eNULL",
		"ECDHE-RSA-AES128-SHA+kRSA", "ECDHE-RSA-AES128-SHA+kECDHE", "ECDHE-RSA-AES128-SHA+TLSv1.2",
		"NULL-MD5:!MD5", "ALL:-aNULL:ADH", "ALL:!aNULL:ADH", "SUITEB128", "SUITEB192:aNULL",
		"HIGH:@SECLEVEL=0", "high", "FOO:BAR", "FOO+HIGH:HIGH+FOO",
	} {
		t.Run(s, func(t *testing.T) { sameAsOpenSSL(t, s) })
	}
}

// TestRefusalsMatchOpenSSL: the strings OpenSSL refuses outright ("invalid
// command") are the ones Evaluate fails on.
func TestRefusalsMatchOpenSSL(t *testing.T) {
	bin, err := exec.LookPath("openssl")
	require.NoError(t, err, "these tests compare with the openssl command: run `make deps`")
	for _, s := range []string{
		"HIGH+", "HIGH:!!aNULL", "HIGH:@FOO", "HIGH:@SECLEVEL=7", "HIGH:+", "HIGH:-", "HIGH:@", "!",
		"ECDHE++RSA:HIGH", "HIGH:+:MEDIUM", "HIGH:@STRENGTH+X", "HIGH:@SECLEVEL=3x", "HIGH:x@y", "HIGH:@STRENGTH",
	} {
		out, err := exec.Command(bin, "ciphers", "-v", "--", s).CombinedOutput()
		refused := err != nil && strings.Contains(string(out), "invalid command")
		_, got := Evaluate(s)
		assert.Equal(t, refused, got != nil, "%q: openssl says %s; Evaluate says %v", s, strings.TrimSpace(string(out)), got)
	}
}

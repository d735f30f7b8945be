package grammar

import (
	"flag"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// update is accepted so that `go test ./lib/annotations/... -update` (which
// rewrites docs/annotations.md from lib/annotations/docgen) runs here too.
var _ = flag.Bool("update", false, "rewrite generated files (used by lib/annotations/docgen)")

// accepts runs g on s and checks the value and that Format round-trips it.
func accepts[T any](t *testing.T, g Grammar[T], s string, want T) {
	t.Helper()
	got, err := Parse(g, s, Context{})
	require.NoError(t, err, "%s: %q", g.Name, s)
	assert.Equal(t, want, got, "%s: %q", g.Name, s)
	again, err := g.Parse(g.Format(got), Context{})
	require.NoError(t, err)
	assert.Equal(t, got, again)
}

// refuses runs g on s and checks the message contains msg.
func refuses[T any](t *testing.T, g Grammar[T], s, msg string) {
	t.Helper()
	_, err := Parse(g, s, Context{})
	require.Error(t, err, "%s: %q", g.Name, s)
	assert.Contains(t, err.Error(), msg, "%s: %q", g.Name, s)
}

func TestBool(t *testing.T) {
	t.Parallel()
	accepts(t, Bool, "true", true)
	accepts(t, Bool, "false", false)
	refuses(t, Bool, "True", `must be "true" or "false", got "True"; did you mean "true"?`)
	refuses(t, Bool, " true", `did you mean "true"?`)
	refuses(t, Bool, "true\n", `did you mean "true"`)
	refuses(t, Bool, "yes", `did you mean "true"?`)
	refuses(t, Bool, "0", `did you mean "false"?`)
	refuses(t, Bool, "maybe", `got "maybe"`)
}

func TestOnOffAndTrueOnly(t *testing.T) {
	t.Parallel()
	accepts(t, OnOff, "on", true)
	accepts(t, OnOff, "off", false)
	refuses(t, OnOff, "true", `did you mean "on"?`)
	refuses(t, OnOff, "Off", `did you mean "off"?`)
	accepts(t, TrueOnly, "true", true)
	refuses(t, TrueOnly, "false", `must be exactly "true" or be absent`)
}

func TestEnums(t *testing.T) {
	t.Parallel()
	e := Enum("master", "minion")
	accepts(t, e, "minion", "minion")
	refuses(t, e, "Minion", `did you mean "minion"?`)
	refuses(t, e, "slave", `got "slave", allowed: "master" or "minion"`)

	u := EnumUpper([]string{"HTTP", "HTTPS"}, map[string]string{"FCGI": "not supported by portcullis"})
	accepts(t, u, "https", "HTTPS")
	refuses(t, u, "fcgi", `"fcgi" is not supported by portcullis; allowed: "HTTP" or "HTTPS"`)
	refuses(t, u, "httpſ", `got "httpſ"`) // ſ upper-cases to S: not an ASCII word, refused
	refuses(t, u, "", `got ""`)

	n := IntOneOf(301, 308)
	accepts(t, n, "308", 308)
	refuses(t, n, "380", `did you mean "308"?`)
}

func TestIntegers(t *testing.T) {
	t.Parallel()
	r := IntRange(1, 10)
	assert.Equal(t, "integer 1–10", r.Name)
	accepts(t, r, "10", 10)
	accepts(t, r, "07", 7)
	for _, s := range []string{"0", "11", "+1", "1.0", "1e1", "", "-", "1_0", "99999999999999999999"} {
		refuses(t, r, s, "must be an integer from 1 to 10")
	}
	assert.Equal(t, "integer ≥ 1", IntMin(1).Name)
	accepts(t, Int64Min(0), "31536000", 31536000)
	refuses(t, Int64Min(0), "-5", "integer ≥ 0")
	refuses(t, Int64Min(0), "1234567890123456789", "at most 18 digits")
}

func TestObjectRefs(t *testing.T) {
	t.Parallel()
	accepts(t, ObjectRef, "ns/name", Ref{Namespace: "ns", Name: "name"})
	accepts(t, ObjectRef, "/name.v1", Ref{Name: "name.v1"})
	refuses(t, ObjectRef, "name", `must be "namespace/name"`)
	refuses(t, ObjectRef, "ns/", "the name after the namespace is empty")
	refuses(t, ObjectRef, "a.b/name", "not a valid namespace name")
	accepts(t, RefList, "a, b/c ,d", []Ref{{Name: "a"}, {Namespace: "b", Name: "c"}, {Name: "d"}})
	refuses(t, RefList, "a,", "is empty")
	accepts(t, ServiceList, "web,api", []string{"web", "api"})
	refuses(t, ServiceList, "1web", "not a valid service name")
	accepts(t, DNSName, "a.example.com", "a.example.com")
	refuses(t, DNSName, "*.example.com", "without wildcard")
	accepts(t, DNSNames, "*.example.com,b.example.com", []string{"*.example.com", "b.example.com"})
	refuses(t, DNSNames, "a.*.example.com", "whole left-most label")
	accepts(t, Kind, "AWSPCAClusterIssuer", "AWSPCAClusterIssuer")
	refuses(t, Kind, "clusterissuer", `did you mean "ClusterIssuer"?`)
}

func TestProtocols(t *testing.T) {
	t.Parallel()
	accepts(t, Protocols, "TLSv1.3 TLSv1.2", []string{"TLSv1.2", "TLSv1.3"})
	refuses(t, Protocols, "TLSv1.2 TLSv1.2", "lists TLSv1.2 twice")
	refuses(t, Protocols, " TLSv1.2", "empty entry")
	refuses(t, Protocols, "", "must list at least one of TLSv1.2 TLSv1.3")
	refuses(t, Protocols, "tlsv1.2", `did you mean "TLSv1.2"?`)
	refuses(t, Protocols, "TLSv1", "legacy protocol")
	got, err := Protocols.Parse("TLSv1.1 TLSv1", Context{AllowLegacyTLS: true})
	require.NoError(t, err)
	assert.Equal(t, []string{"TLSv1", "TLSv1.1"}, got)
}

func TestCiphers(t *testing.T) {
	t.Parallel()
	accepts(t, Ciphers, "HIGH !aNULL,!MD5:@STRENGTH", "HIGH:!aNULL:!MD5:@STRENGTH")
	accepts(t, Ciphers, "ECDH+AESGCM:-RSA:+AES256:@SECLEVEL=2", "ECDH+AESGCM:-RSA:+AES256:@SECLEVEL=2")
	for s, msg := range map[string]string{
		"":                "got an empty value",
		"HIGH:":           "empty entry",
		"HIGH  MEDIUM":    "empty entry",
		"HIGH;":           `character ';'`,
		"HIGH:'x'":        `character '\''`,
		"A!B":             `"!" may only start`,
		"!":               "no cipher name",
		"@STRENGHT":       `did you mean "@STRENGTH"?`,
		"!@STRENGTH":      "takes no operator",
		"AES=1":           `"@" and "=" may only appear`,
		"HIGH\nssl_x on;": `character '\n'`,
		// The ciphers selected: weak ones, or none, are refused.
		"ALL:!aNULL:!EXPORT56:RC4+RSA:+HIGH:+MEDIUM:+LOW:+SSLv2:+EXP": `"RC4+RSA" adds RC4 ciphers`,
		"HIGH:!aNULL,eNULL":      `"eNULL" adds ciphers without encryption`,
		"HIGH":                   `add "!aNULL" after it`,
		"RC4-MD5":                `"RC4-MD5" adds RC4 ciphers (RC4-MD5)`,
		"HIGH:!HIGH":             "leaves no cipher",
		"TLS_AES_128_GCM_SHA256": "TLS 1.3 suites",
	} {
		refuses(t, Ciphers, s, msg)
	}
}

func TestHTTPURL(t *testing.T) {
	t.Parallel()
	accepts(t, HTTPURL, "https://example.com/x?y=%20", "https://example.com/x?y=%20")
	for s, msg := range map[string]string{
		"https://example.com/a b":    "character ' '",
		"https://example.com/${x}":   "character '$'",
		`https://example.com/"`:      "character '\"'",
		"//example.com/":             `must start with "https://"`,
		"HTTPS://example.com/":       `must start with "https://"`,
		"https://:443/":              "must name a host",
		"https://u:p@example.com/":   "user information",
		"https://example.com/\u00e9": "not allowed in a URL",
	} {
		refuses(t, HTTPURL, s, msg)
	}
}

func TestMatchCN(t *testing.T) {
	t.Parallel()
	accepts(t, MatchCN, `CN=^(a|b)\.example\.com$`, `^(a|b)\.example\.com$`)
	accepts(t, MatchCN, "CN=[A-Za-z0-9._-]{1,63}", "[A-Za-z0-9._-]{1,63}")
	accepts(t, MatchCN, `CN=a\[b\]`, `a\[b\]`)
	for s, msg := range map[string]string{
		"cn=a":                 `must start with "CN=", got "cn=a"; did you mean "CN="?`,
		"CN=a;b":               "character ';'",
		"CN=a'":                "character '\\''",
		"CN=a\nb":              "character '\\n'",
		"CN=a{":                "not a count",
		"CN=a{1,2":             "not a count",
		`CN=a\{1}`:             "escapes '{'",
		"CN=[a[b]]":            "inside another",
		"CN=[ab":               "never closed",
		`CN=a\`:                "lone backslash",
		"CN=a**":               "not a valid regular expression",
		"CN=}":                 "character '}'",
		`CN=a"; return 200; #`: "character '\"'",
	} {
		refuses(t, MatchCN, s, msg)
	}
}

func TestNginxSizeAndTime(t *testing.T) {
	t.Parallel()
	accepts(t, NginxSize, "10m", 10<<20)
	accepts(t, NginxSize, "4K", 4<<10)
	accepts(t, NginxSize, "1000", 1000)
	refuses(t, NginxSize, "1g", "must be an nginx size")
	refuses(t, NginxSize, "-1k", "must be an nginx size")
	assert.Equal(t, "1m", NginxSize.Format(1<<20))

	accepts(t, NginxTime, "10m", 10*time.Minute)
	accepts(t, NginxTime, "1h30m", 90*time.Minute)
	accepts(t, NginxTime, "600", 10*time.Minute)
	accepts(t, NginxTime, "1d12h", 36*time.Hour)
	accepts(t, NginxTime, "1s500ms", 1500*time.Millisecond)
	accepts(t, NginxTime, "1y", 365*24*time.Hour)
	for _, s := range []string{"", "m", "10 m", "30m1h", "1h1h", "1h30x", "1.5h", "200y"} {
		_, err := NginxTime.Parse(s, Context{})
		assert.Error(t, err, s)
	}

	accepts(t, AbsPaths, "/.well-known/acme-challenge,/healthz", []string{"/.well-known/acme-challenge", "/healthz"})
	refuses(t, AbsPaths, "/a,", "entry an empty value")
}

func TestGoDuration(t *testing.T) {
	t.Parallel()
	g := GoDuration(time.Hour)
	assert.Equal(t, "Go duration ≥ 1h (e.g. 2160h; no d unit)", g.Name)
	accepts(t, g, "2160h", 2160*time.Hour)
	accepts(t, g, "1h30m", 90*time.Minute)
	refuses(t, g, "90d", `"d" is not a unit: write "90d" as "2160h"`)
	refuses(t, g, "1d12h", `"d" is not a unit`)
	refuses(t, g, "59m", "must be at least 1h")
	refuses(t, g, "-2h", "must be at least 1h")
	refuses(t, g, "soon", `must be a Go duration such as "2160h"`)
}

func TestSuggest(t *testing.T) {
	t.Parallel()
	allowed := []string{"on", "off", "optional", "optional_no_ca"}
	assert.Equal(t, `; did you mean "optional"?`, Suggest("optinal", allowed))
	assert.Equal(t, `; did you mean "off"?`, Suggest("of", allowed), "a prefix wins a tie")
	assert.Equal(t, `; did you mean "on"?`, Suggest("ON", allowed))
	assert.Equal(t, `; did you mean "on"?`, Suggest(" on ", allowed))
	assert.Equal(t, "", Suggest("something", allowed))
	assert.Equal(t, "", Suggest("on", allowed))
}

func TestBindAppliesAndRoundTrips(t *testing.T) {
	t.Parallel()
	type target struct{ Depth *int }
	f := Bind(IntRange(1, 10), func(d *target, v int) { d.Depth = &v })
	assert.Equal(t, "integer 1–10", f.GrammarName())
	var dst target
	require.NoError(t, f.Apply(&dst, "3", Context{}))
	assert.Equal(t, 3, *dst.Depth)
	require.Error(t, f.Apply(&dst, "30", Context{}))
	assert.Equal(t, 3, *dst.Depth, "a refused value leaves the target alone")
	rt, err := f.RoundTrip("03", Context{})
	require.NoError(t, err)
	assert.Equal(t, RoundTrip{Value: 3, Formatted: "3", Again: 3}, rt)
	_, err = f.RoundTrip(" 3", Context{})
	assert.ErrorContains(t, err, `did you mean "3" (without the surrounding white space)?`)
}

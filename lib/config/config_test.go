package config

import (
	"fmt"
	"maps"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed-d040b84d/portcullis/lib/annotations/grammar"
	"github.com/seed-d040b84d/portcullis/lib/findings"
)

func TestEveryRowIsComplete(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for _, r := range Table() {
		t.Run(r.Key, func(t *testing.T) {
			assert.False(t, seen[r.Key], "duplicate key")
			seen[r.Key] = true
			assert.NotEmpty(t, r.Doc)
			assert.NotEmpty(t, r.Value.GrammarName())
			assert.NotEmpty(t, r.Examples.Good, "every key needs an accepted example")
			assert.NotEmpty(t, r.Examples.Bad, "every key needs a refused example")
		})
	}
}

func TestRowExamples(t *testing.T) {
	t.Parallel()
	for _, r := range Table() {
		for _, v := range r.Examples.Good {
			t.Run(fmt.Sprintf("%s=%q accepted", r.Key, v), func(t *testing.T) {
				t.Parallel()
				data := maps.Clone(r.Examples.With)
				if data == nil {
					data = map[string]string{}
				}
				data[r.Key] = v
				_, s := Parse(data)
				assert.Empty(t, s.Errors)
			})
		}
		for _, b := range r.Examples.Bad {
			t.Run(fmt.Sprintf("%s=%q refused", r.Key, b.Value), func(t *testing.T) {
				t.Parallel()
				data := maps.Clone(r.Examples.With)
				if data == nil {
					data = map[string]string{}
				}
				data[r.Key] = b.Value
				_, s := Parse(data)
				require.Len(t, s.Errors, 1, "%v", s.Errors)
				assert.Equal(t, "data["+r.Key+"]", s.Errors[0].Field)
				assert.Contains(t, findings.ErrorMessage(s.Errors[0]), b.Message)
			})
		}
	}
}

func TestDefaults(t *testing.T) {
	t.Parallel()
	c, s := Parse(nil)
	assert.True(t, s.Allowed())
	assert.Equal(t, Default(), c)
	assert.Equal(t, Config{
		SSLProtocols:           []string{"TLSv1.2", "TLSv1.3"},
		SSLCiphers:             DefaultSSLCiphers,
		SSLPreferServerCiphers: true,
		SSLECDHCurve:           "auto",
		SSLSessionCache:        true,
		SSLSessionCacheSize:    10 << 20,
		SSLSessionTimeout:      10 * time.Minute,
		SSLBufferSize:          4 << 10,
		HSTS:                   true,
		HSTSMaxAge:             31536000,
		HSTSIncludeSubdomains:  true,
		SSLRedirect:            true,
		HTTPRedirectCode:       308,
		NoTLSRedirectLocations: []string{"/.well-known/acme-challenge"},
		LogFields:              strings.Split(DefaultLogFields, ","),
		MaxWorkerConnections:   16384,
		WorkerShutdownTimeout:  240 * time.Second,
		GenerateRequestID:      true,
		MinTLSVersion:          "TLSv1.2",
		MaxCertificateLifetime: 9552 * time.Hour,
		ProxyBodySize:          1 << 20,
		ProxyConnectTimeout:    5 * time.Second,
		ProxyReadTimeout:       time.Minute,
		ProxySendTimeout:       time.Minute,
		ProxyBufferSize:        4 << 10,
		ProxyBuffersNumber:     4,
		ProxyMaxTempFileSize:   1 << 30,
		ProxyNextUpstream:      []string{"error", "timeout"},
		ProxyNextUpstreamTries: 3,
	}, c)
	// Each call returns fresh slices: callers may not corrupt the defaults.
	c.SSLProtocols[0] = "x"
	assert.Equal(t, "TLSv1.2", Default().SSLProtocols[0])
}

func TestParseTypedValues(t *testing.T) {
	t.Parallel()
	c, s := Parse(map[string]string{
		"allow-legacy-tls":                "true",
		"ssl-protocols":                   "TLSv1.1 TLSv1.2",
		"ssl-ciphers":                     "HIGH !aNULL",
		"ssl-session-timeout":             "1h",
		"http-redirect-code":              "301",
		"default-issuer":                  "awspca.cert-manager.io/AWSPCAClusterIssuer/pca",
		"default-certificate-annotations": "cert-manager.io/private-key-algorithm: ECDSA\ncert-manager.io/private-key-size: 384\ncert-manager.io/usages: server auth\n",
		"policies":                        "require-mtls, min-tls-version",
		"min-tls-version":                 "TLSv1.3",
	})
	require.Empty(t, s.Errors)
	require.Empty(t, s.Warnings)
	assert.True(t, c.AllowLegacyTLS)
	assert.Equal(t, []string{"TLSv1.1", "TLSv1.2"}, c.SSLProtocols)
	assert.Equal(t, "HIGH:!aNULL", c.SSLCiphers)
	assert.Equal(t, time.Hour, c.SSLSessionTimeout)
	assert.Equal(t, 301, c.HTTPRedirectCode)
	assert.Equal(t, &IssuerRef{Name: "pca", Kind: "AWSPCAClusterIssuer", Group: "awspca.cert-manager.io"}, c.DefaultIssuer)
	assert.Equal(t, map[string]string{
		"cert-manager.io/private-key-algorithm": "ECDSA",
		"cert-manager.io/private-key-size":      "384",
		"cert-manager.io/usages":                "server auth",
	}, c.DefaultCertificateAnnotations)
	assert.Equal(t, []string{"require-mtls", "min-tls-version"}, c.Policies)
	assert.True(t, c.PolicyEnabled("min-tls-version"))
	assert.Equal(t, "TLSv1.3", c.MinTLSVersion)
}

func TestUnknownAndSnippetKeys(t *testing.T) {
	t.Parallel()
	_, s := Parse(map[string]string{
		"ssl-protocol":              "TLSv1.3",
		"hsts-max-ages":             "1",
		"http-snippet":              "x",
		"allow-snippet-annotations": "true",
		"lua-shared-dicts":          "x: 1",
	})
	assert.Equal(t, []findings.Entry{
		{Field: "data[allow-snippet-annotations]", Message: "raw nginx configuration is not accepted"},
		{Field: "data[hsts-max-ages]", Message: `unknown key; did you mean "hsts-max-age"?`},
		{Field: "data[http-snippet]", Message: "raw nginx configuration is not accepted"},
		{Field: "data[lua-shared-dicts]", Message: "unknown key; see docs/annotations.md for the keys portcullis reads"},
		{Field: "data[ssl-protocol]", Message: `unknown key; did you mean "ssl-protocols"?`},
	}, s.ErrorEntries())
}

func TestLegacyTLSNeedsAllowLegacyTLS(t *testing.T) {
	t.Parallel()
	_, s := Parse(map[string]string{"ssl-protocols": "TLSv1 TLSv1.2"})
	require.Len(t, s.Errors, 1)
	assert.Equal(t, "data[ssl-protocols]", s.Errors[0].Field)
	assert.Contains(t, s.Errors[0].Detail, `allow-legacy-tls: "true"`)

	_, s = Parse(map[string]string{"ssl-protocols": "TLSv1 TLSv1.2", "allow-legacy-tls": "false"})
	assert.Len(t, s.Errors, 1)

	c, s := Parse(map[string]string{"ssl-protocols": "TLSv1 TLSv1.2", "allow-legacy-tls": "true"})
	assert.Empty(t, s.Errors)
	assert.Equal(t, []string{"TLSv1", "TLSv1.2"}, c.SSLProtocols)
}

func TestBadValueKeepsTheDefault(t *testing.T) {
	t.Parallel()
	c, s := Parse(map[string]string{"hsts-max-age": "-1", "ssl-redirect": "false"})
	assert.False(t, s.Allowed())
	assert.Equal(t, int64(31536000), c.HSTSMaxAge)
	assert.False(t, c.SSLRedirect)
}

func TestCrossKeyWarnings(t *testing.T) {
	t.Parallel()
	_, s := Parse(map[string]string{
		"min-tls-version":          "TLSv1.3",
		"max-certificate-lifetime": "2160h",
		"hsts-preload":             "true",
		"hsts-include-subdomains":  "false",
	})
	assert.Empty(t, s.Errors)
	assert.Equal(t, []findings.Entry{
		{Field: "data[hsts-preload]", Message: `browsers' preload lists require hsts-include-subdomains: "true" and hsts-max-age of at least 31536000`},
		{Field: "data[max-certificate-lifetime]", Message: `has no effect unless policies includes "max-certificate-lifetime"`},
		{Field: "data[min-tls-version]", Message: `has no effect unless policies includes "min-tls-version"`},
	}, s.WarningEntries())
}

func TestDefaultCertificateAnnotations(t *testing.T) {
	t.Parallel()
	cases := []struct{ in, msg string }{
		{"cert-manager.io/duration: 90d", `cert-manager.io/duration: must be a Go duration (units ns, us, ms, s, m, h); "d" is not a unit`},
		{"cert-manager.io/private-key-algorithm: ECDSA\ncert-manager.io/private-key-size: 2048", "cert-manager.io/private-key-size: ECDSA keys must be 256, 384 or 521 bits"},
		{"nginx.org/hsts: \"true\"", "nginx.org/hsts: not a cert-manager Ingress annotation"},
		{"cert-manager.io/issuer: ca", "cert-manager.io/issuer: the issuer is chosen by default-issuer"},
		{"kubernetes.io/tls-acme: true", "chosen by default-issuer"},
		{"cert-manager.io/usages:\n  - server auth", "the value must be a string, got a list"},
		{"cert-manager.io/common-name: null", "got null"},
		{"a: 1\na: 2", "must be a YAML map"},
		{"just text", "must be a YAML map"},
	}
	for _, c := range cases {
		t.Run(c.in, func(t *testing.T) {
			t.Parallel()
			_, s := Parse(map[string]string{"default-certificate-annotations": c.in})
			require.Len(t, s.Errors, 1)
			assert.Equal(t, "data[default-certificate-annotations]", s.Errors[0].Field)
			assert.Contains(t, s.Errors[0].Detail, c.msg)
		})
	}
	c, s := Parse(map[string]string{"default-certificate-annotations": "cert-manager.io/revision-history-limit: 3\nacme.cert-manager.io/http01-edit-in-place: true"})
	require.Empty(t, s.Errors)
	assert.Equal(t, map[string]string{"cert-manager.io/revision-history-limit": "3", "acme.cert-manager.io/http01-edit-in-place": "true"}, c.DefaultCertificateAnnotations)
	c, s = Parse(map[string]string{"default-certificate-annotations": ""})
	require.Empty(t, s.Errors)
	assert.Nil(t, c.DefaultCertificateAnnotations)
}

func TestIssuerRefs(t *testing.T) {
	t.Parallel()
	cases := []struct {
		in   string
		want IssuerRef
		anns map[string]string
	}{
		{"ClusterIssuer/letsencrypt", IssuerRef{Name: "letsencrypt", Kind: "ClusterIssuer", Group: "cert-manager.io"}, map[string]string{"cert-manager.io/cluster-issuer": "letsencrypt"}},
		{"Issuer/ca", IssuerRef{Name: "ca", Kind: "Issuer", Group: "cert-manager.io"}, map[string]string{"cert-manager.io/issuer": "ca"}},
		{"cert-manager.io/ClusterIssuer/le", IssuerRef{Name: "le", Kind: "ClusterIssuer", Group: "cert-manager.io"}, map[string]string{"cert-manager.io/cluster-issuer": "le"}},
		{"awspca.cert-manager.io/AWSPCAClusterIssuer/pca", IssuerRef{Name: "pca", Kind: "AWSPCAClusterIssuer", Group: "awspca.cert-manager.io"},
			map[string]string{"cert-manager.io/issuer": "pca", "cert-manager.io/issuer-kind": "AWSPCAClusterIssuer", "cert-manager.io/issuer-group": "awspca.cert-manager.io"}},
	}
	for _, c := range cases {
		t.Run(c.in, func(t *testing.T) {
			t.Parallel()
			got, err := ParseIssuerRef(c.in)
			require.NoError(t, err)
			assert.Equal(t, c.want, got)
			assert.Equal(t, c.anns, got.Annotations())
			again, err := ParseIssuerRef(got.String())
			require.NoError(t, err)
			assert.Equal(t, got, again)
		})
	}
	for in, msg := range map[string]string{
		"letsencrypt":                 `must be "ClusterIssuer/<name>", "Issuer/<name>" or "<group>/<Kind>/<name>"`,
		"Clusterissuer/le":            `did you mean "ClusterIssuer"?`,
		"cert-manager.io/Foo/le":      `cert-manager's own issuer kinds are "ClusterIssuer" and "Issuer"`,
		"ClusterIssuer/":              "issuer name must not be empty",
		"Example.COM/Kind/x":          "not a valid API group",
		"example.com/kind/x":          "must be a kind name",
		"a/b/c/d":                     `must be "ClusterIssuer/<name>"`,
		"none":                        `must be "ClusterIssuer/<name>"`,
		"ClusterIssuer/Lets Encrypt!": "not a valid issuer name",
	} {
		_, err := ParseIssuerRef(in)
		assert.ErrorContains(t, err, msg, in)
	}

	_, none, err := ParseNamespaceDefaultIssuer("none")
	require.NoError(t, err)
	assert.True(t, none)
	ref, none, err := ParseNamespaceDefaultIssuer("Issuer/ca")
	require.NoError(t, err)
	assert.False(t, none)
	assert.Equal(t, "Issuer/ca", ref.String())
	_, _, err = ParseNamespaceDefaultIssuer("None")
	assert.ErrorContains(t, err, `or "none" to turn the default issuer off`)
}

// FuzzParseConfigValue parses arbitrary values with every key: no panic; an
// accepted value formats back to a string that parses to the same value; no
// accepted value reaching nginx carries ; { } " ' ` $ \ or a line break.
func FuzzParseConfigValue(f *testing.F) {
	for i, r := range rows {
		for _, v := range r.Examples.Good {
			f.Add(uint(i), v)
		}
		for _, b := range r.Examples.Bad {
			f.Add(uint(i), b.Value)
		}
	}
	f.Fuzz(func(t *testing.T, i uint, value string) {
		r := rows[i%uint(len(rows))]
		for _, legacy := range []bool{false, true} {
			rt, err := r.Value.RoundTrip(value, grammar.Context{AllowLegacyTLS: legacy})
			if err != nil {
				continue
			}
			if rt.AgainErr != nil {
				t.Fatalf("%s: %q parsed, but its formatted form %q does not: %v", r.Key, value, rt.Formatted, rt.AgainErr)
			}
			if !reflect.DeepEqual(rt.Value, rt.Again) {
				t.Fatalf("%s: %q parsed to %#v, formatted %q parsed to %#v", r.Key, value, rt.Value, rt.Formatted, rt.Again)
			}
			// default-certificate-annotations holds cert-manager values, which
			// go to cert-manager and never into nginx configuration.
			if r.Key == "default-certificate-annotations" {
				continue
			}
			for _, s := range stringsIn(reflect.ValueOf(rt.Value)) {
				if strings.ContainsAny(s, ";{}\"'`$\\\n\r") {
					t.Fatalf("%s accepted %q", r.Key, value)
				}
			}
		}
		Parse(map[string]string{r.Key: value})
	})
}

// stringsIn collects every string reachable from v.
func stringsIn(v reflect.Value) []string {
	var out []string
	switch v.Kind() {
	case reflect.String:
		out = append(out, v.String())
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			out = stringsIn(v.Elem())
		}
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			out = append(out, stringsIn(v.Index(i))...)
		}
	case reflect.Map:
		for _, k := range v.MapKeys() {
			out = append(out, stringsIn(k)...)
			out = append(out, stringsIn(v.MapIndex(k))...)
		}
	case reflect.Struct:
		for i := range v.NumField() {
			out = append(out, stringsIn(v.Field(i))...)
		}
	}
	return out
}

// TestSourceRangeDefaults: the allowlist under either name, the denylist,
// and the two names of the allowlist disagreeing.
func TestSourceRangeDefaults(t *testing.T) {
	t.Parallel()
	c, s := Parse(map[string]string{"whitelist-source-range": "10.0.0.1/8, 192.0.2.7", "denylist-source-range": "2001:db8::/32"})
	assert.Empty(t, s.Errors)
	assert.Equal(t, []string{"10.0.0.0/8", "192.0.2.7/32"}, c.AllowlistSourceRange)
	assert.Equal(t, []string{"2001:db8::/32"}, c.DenylistSourceRange)

	_, s = Parse(map[string]string{"allowlist-source-range": "10.0.0.0/8", "whitelist-source-range": "10.0.0.0/8"})
	assert.Empty(t, s.Errors, "the same list under both names")
	_, s = Parse(map[string]string{"allowlist-source-range": "10.0.0.0/8", "whitelist-source-range": "0.0.0.0/0"})
	assert.Equal(t, []findings.Entry{{Field: "data[whitelist-source-range]",
		Message: `allowlist-source-range is set to another list; whitelist-source-range is its older name: keep one of them`}}, s.ErrorEntries())
}

// TestForwardedHeadersNeedTrustedHops: use-forwarded-headers without
// proxy-real-ip-cidr is refused rather than trusting every client.
func TestForwardedHeadersNeedTrustedHops(t *testing.T) {
	t.Parallel()
	_, s := Parse(map[string]string{"use-forwarded-headers": "true"})
	require.Len(t, s.Errors, 1)
	assert.Contains(t, s.Errors[0].Error(), "needs proxy-real-ip-cidr")
	c, s := Parse(map[string]string{"use-forwarded-headers": "true", "proxy-real-ip-cidr": "10.0.0.1/8"})
	assert.Empty(t, s.Errors)
	assert.Equal(t, []string{"10.0.0.0/8"}, c.ProxyRealIPCIDR)
	_, s = Parse(map[string]string{"use-proxy-protocol": "true"})
	require.Len(t, s.Errors, 1)
	assert.Contains(t, s.Errors[0].Error(), "needs proxy-real-ip-cidr")
}

package annotations

import (
	"testing"
	"time"

	cmapi "github.com/cert-manager/cert-manager/pkg/apis/certmanager/v1"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed-d040b84d/portcullis/lib/findings"
)

const pre = DefaultPrefix + "/"

func ptr[T any](v T) *T { return &v }

// finding is one expected finding: field path and message substring.
type finding struct{ field, msg string }

func assertFindings(t *testing.T, got []findings.Entry, want []finding) {
	t.Helper()
	require.Len(t, got, len(want), "findings: %v", got)
	for i, w := range want {
		assert.Equal(t, w.field, got[i].Field)
		assert.Contains(t, got[i].Message, w.msg)
	}
}

func TestParseTypedValues(t *testing.T) {
	t.Parallel()
	p, s := Parse(map[string]string{
		pre + "ssl-redirect":                          "false",
		pre + "backend-protocol":                      "https",
		pre + "proxy-ssl-secret":                      "/backend-ca",
		pre + "proxy-ssl-verify":                      "on",
		pre + "proxy-ssl-verify-depth":                "2",
		pre + "proxy-ssl-name":                        "api.internal",
		pre + "proxy-ssl-server-name":                 "on",
		pre + "proxy-ssl-protocols":                   "TLSv1.3 TLSv1.2",
		pre + "proxy-ssl-ciphers":                     "HIGH !aNULL",
		pre + "auth-tls-secret":                       "certs/client-ca",
		pre + "auth-tls-verify-client":                "optional",
		pre + "auth-tls-match-cn":                     "CN=^client-[0-9]+$",
		pre + "auth-tls-pass-certificate-to-upstream": "true",
		"nginx.org/policies":                          "egress, other/ingress",
		"nginx.org/ssl-services":                      "web,api",
		"nginx.org/hsts":                              "true",
		"nginx.org/hsts-max-age":                      "600",
		"cert-manager.io/cluster-issuer":              "letsencrypt",
		"cert-manager.io/duration":                    "2160h",
		"cert-manager.io/private-key-algorithm":       "ECDSA",
		"cert-manager.io/private-key-size":            "384",
		"cert-manager.io/usages":                      "server auth, client auth",
		"kubernetes.io/ingress.class":                 "portcullis",
	}, Options{})
	require.Empty(t, s.Errors)
	require.Empty(t, s.Warnings)

	assert.Equal(t, IngressNginx{
		SSLRedirect:                      ptr(false),
		BackendProtocol:                  "HTTPS",
		ProxySSLSecret:                   &Ref{Name: "backend-ca"},
		ProxySSLVerify:                   ptr(true),
		ProxySSLVerifyDepth:              ptr(2),
		ProxySSLName:                     "api.internal",
		ProxySSLServerName:               ptr(true),
		ProxySSLProtocols:                []string{"TLSv1.2", "TLSv1.3"},
		ProxySSLCiphers:                  "HIGH:!aNULL",
		AuthTLSSecret:                    &Ref{Namespace: "certs", Name: "client-ca"},
		AuthTLSVerifyClient:              "optional",
		AuthTLSMatchCN:                   "^client-[0-9]+$",
		AuthTLSPassCertificateToUpstream: ptr(true),
	}, p.Nginx)
	assert.Equal(t, NginxOrg{
		Policies:    []Ref{{Name: "egress"}, {Namespace: "other", Name: "ingress"}},
		SSLServices: []string{"web", "api"},
		HSTS:        ptr(true),
		HSTSMaxAge:  ptr(int64(600)),
	}, p.Org)
	assert.Equal(t, CertManager{
		ClusterIssuer:       "letsencrypt",
		Duration:            ptr(2160 * time.Hour),
		PrivateKeyAlgorithm: cmapi.ECDSAKeyAlgorithm,
		PrivateKeySize:      ptr(384),
		Usages:              []cmapi.KeyUsage{cmapi.UsageServerAuth, cmapi.UsageClientAuth},
	}, p.CertManager)
	assert.True(t, p.CertManagerTriggers())
	assert.True(t, p.Has(pre+"auth-tls-secret"))
	assert.False(t, p.Has("kubernetes.io/ingress.class"))
}

func TestMisspelledKeySuggestsTheKnownOne(t *testing.T) {
	t.Parallel()
	cases := []struct{ key, want string }{
		{pre + "proxy-ssl-verfy", "unknown annotation; did you mean nginx.ingress.kubernetes.io/proxy-ssl-verify?"},
		{pre + "auth-tls-verfiy-client", "did you mean nginx.ingress.kubernetes.io/auth-tls-verify-client?"},
		{pre + "SSL-Redirect", "did you mean nginx.ingress.kubernetes.io/ssl-redirect?"},
		{pre + "rewrite-targt", "did you mean nginx.ingress.kubernetes.io/rewrite-target?"},
		{pre + "ssl-verify", "unknown annotation; did you mean nginx.ingress.kubernetes.io/proxy-ssl-verify, nginx.ingress.kubernetes.io/proxy-ssl-verify-depth or nginx.ingress.kubernetes.io/auth-tls-verify-client?"},
		{"nginx.org/max-body-size", "did you mean nginx.org/client-max-body-size?"},
		{pre + "redirect-to-https", "redirect-to-https is an annotation of the NGINX Inc dialect: did you mean nginx.org/redirect-to-https?"},
		{"nginx.org/redirect-to-http", "did you mean nginx.org/redirect-to-https?"},
		{"nginx.org/force-ssl-redirect", "did you mean nginx.ingress.kubernetes.io/force-ssl-redirect?"},
		{"nginx.com/polices", "did you mean nginx.com/policies?"},
		{"cert-manager.io/cluster-isuer", "did you mean cert-manager.io/cluster-issuer?"},
		{"acme.cert-manager.io/http01-edit-inplace", "did you mean acme.cert-manager.io/http01-edit-in-place?"},
		{pre + "totally-made-up", "unknown annotation; see docs/annotations.md"},
	}
	for _, c := range cases {
		t.Run(c.key, func(t *testing.T) {
			t.Parallel()
			_, s := Parse(map[string]string{c.key: "x"}, Options{})
			assertFindings(t, s.ErrorEntries(), []finding{{"metadata.annotations[" + c.key + "]", c.want}})
		})
	}
}

func TestMisspelledValueSuggestsTheAllowedOne(t *testing.T) {
	t.Parallel()
	_, s := Parse(map[string]string{
		pre + "auth-tls-secret":        "default/ca",
		pre + "auth-tls-verify-client": "optinal",
	}, Options{})
	assert.Equal(t, []findings.Entry{{
		Field:   "metadata.annotations[nginx.ingress.kubernetes.io/auth-tls-verify-client]",
		Message: `got "optinal", allowed: "on", "off", "optional" or "optional_no_ca"; did you mean "optional"?`,
	}}, s.ErrorEntries())
}

func TestBooleanMessage(t *testing.T) {
	t.Parallel()
	_, s := Parse(map[string]string{pre + "ssl-redirect": "True"}, Options{})
	assert.Equal(t, []findings.Entry{{
		Field:   "metadata.annotations[nginx.ingress.kubernetes.io/ssl-redirect]",
		Message: `must be "true" or "false", got "True"; did you mean "true"?`,
	}}, s.ErrorEntries())
}

func TestSnippetsAreRefused(t *testing.T) {
	t.Parallel()
	for _, key := range []string{
		pre + "configuration-snippet", pre + "server-snippet", pre + "auth-snippet",
		pre + "stream-snippet", pre + "modsecurity-snippet", pre + "some-future-snippet",
		"nginx.org/server-snippets", "nginx.org/location-snippets", "nginx.com/whatever-snippets",
	} {
		t.Run(key, func(t *testing.T) {
			t.Parallel()
			_, s := Parse(map[string]string{key: "return 200;"}, Options{})
			assertFindings(t, s.ErrorEntries(), []finding{{"metadata.annotations[" + key + "]", "raw nginx configuration is not accepted"}})
			assert.Empty(t, s.Warnings)
		})
	}
}

func TestNotImplementedKeysWarn(t *testing.T) {
	t.Parallel()
	cases := []struct{ key, msg string }{
		{pre + "server-alias", "not implemented by portcullis; ignored"},
		{pre + "load-balance", "not implemented by portcullis; ignored"},
		{pre + "custom-headers", "not implemented by portcullis; ignored"},
		{pre + "affinity", "not implemented by portcullis; ignored"},
		{pre + "secure-backends", `ignored: removed from ingress-nginx in 0.21; use backend-protocol: "HTTPS"`},
		{"nginx.org/lb-method", "not implemented by portcullis; ignored"},
		{"nginx.com/slow-start", "not implemented by portcullis; ignored"},
		{"nginx.org/http-redirect-code", "ConfigMap's http-redirect-code"},
		{"cert-manager.io/uri-sans", "not implemented by portcullis; ignored"},
		{"cert-manager.io/issuer-name", "cert-manager.io/issuer or cert-manager.io/cluster-issuer"},
	}
	for _, c := range cases {
		t.Run(c.key, func(t *testing.T) {
			t.Parallel()
			_, s := Parse(map[string]string{c.key: "x"}, Options{})
			assert.Empty(t, s.Errors)
			assertFindings(t, s.WarningEntries(), []finding{{"metadata.annotations[" + c.key + "]", c.msg}})
		})
	}
}

// TestAccessControlIsNeverIgnored: an access-control key portcullis does not
// implement is an error, never "ignored": without it the host would be
// served to every client.
func TestAccessControlIsNeverIgnored(t *testing.T) {
	t.Parallel()
	for _, key := range []string{pre + "auth-signin-redirect-param", pre + "auth-request-redirect",
		pre + "auth-proxy-set-headers", pre + "enable-global-auth", pre + "auth-keepalive", pre + "auth-cache-key",
		"nginx.com/jwt-key", "nginx.com/jwt-login-url"} {
		_, s := Parse(map[string]string{key: "x"}, Options{})
		assertFindings(t, s.ErrorEntries(), []finding{{"metadata.annotations[" + key + "]", "portcullis cannot enforce this; the host would be served without it"}})
		assert.Empty(t, s.Warnings, key)
	}
}

func TestNginxComPoliciesIsRefused(t *testing.T) {
	t.Parallel()
	_, s := Parse(map[string]string{"nginx.com/policies": "ingress-mtls"}, Options{})
	assertFindings(t, s.ErrorEntries(), []finding{{"metadata.annotations[nginx.com/policies]", "nginx.org/policies"}})
}

func TestOtherPrefixesAreIgnored(t *testing.T) {
	t.Parallel()
	p, s := Parse(map[string]string{
		"kubernetes.io/ingress.class":          "portcullis",
		"ingress.kubernetes.io/rewrite-target": "/",
		"example.com/configuration-snippet":    "return 200;",
		"appprotect.f5.com/app-protect-enable": "True",
		"no-slash":                             "x",
		"nginx.ingress.kubernetes.io.evil/x":   "y",
		"portcullis.dev/anything":              "z",
	}, Options{})
	assert.Empty(t, s.Errors)
	assert.Empty(t, s.Warnings)
	assert.Empty(t, p.Present)
}

func TestCustomPrefix(t *testing.T) {
	t.Parallel()
	p, s := Parse(map[string]string{
		"custom.example/ssl-redirect":   "false",
		"custom.example/ssl-redirct":    "false",
		pre + "ssl-redirect":            "True", // not our prefix any more: ignored
		"custom.example/server-snippet": "x",
		"custom.example/canary":         "true",
	}, Options{Prefix: "custom.example"})
	assert.Equal(t, ptr(false), p.Nginx.SSLRedirect)
	assert.Equal(t, "custom.example/auth-tls-secret", p.NginxKey(KeyAuthTLSSecret))
	assert.Equal(t, "custom.example/ssl-redirect", p.Key(DialectIngressNginx, KeySSLRedirect))
	assert.Equal(t, "nginx.org/hsts", p.Key(DialectNginxOrg, KeyOrgHSTS))
	assertFindings(t, s.ErrorEntries(), []finding{
		{"metadata.annotations[custom.example/server-snippet]", "raw nginx configuration"},
		{"metadata.annotations[custom.example/ssl-redirct]", "did you mean custom.example/ssl-redirect?"},
	})
	assertFindings(t, s.WarningEntries(), []finding{{"metadata.annotations[custom.example/canary]", "not implemented"}})
}

func TestLegacyTLSNeedsTheOption(t *testing.T) {
	t.Parallel()
	anns := map[string]string{pre + "proxy-ssl-protocols": "TLSv1 TLSv1.1 TLSv1.2"}
	_, s := Parse(anns, Options{})
	assertFindings(t, s.ErrorEntries(), []finding{{"metadata.annotations[nginx.ingress.kubernetes.io/proxy-ssl-protocols]", `TLSv1 is a legacy protocol, allowed only with ConfigMap allow-legacy-tls: "true"`}})
	p, s := Parse(anns, Options{AllowLegacyTLS: true})
	assert.Empty(t, s.Errors)
	assert.Equal(t, []string{"TLSv1", "TLSv1.1", "TLSv1.2"}, p.Nginx.ProxySSLProtocols)
}

func TestBackendProtocol(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{"grpcs": "GRPCS", "Https": "HTTPS", "HTTP": "HTTP", "grpc": "GRPC"} {
		p, _ := Parse(map[string]string{pre + "backend-protocol": in}, Options{})
		assert.Equal(t, want, p.Nginx.BackendProtocol, in)
	}
	_, s := Parse(map[string]string{pre + "backend-protocol": "fcgi"}, Options{})
	assertFindings(t, s.ErrorEntries(), []finding{{"metadata.annotations[nginx.ingress.kubernetes.io/backend-protocol]", `"fcgi" is not supported by portcullis`}})
}

func TestIngressNginxCrossKeyRules(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		anns     map[string]string
		errors   []finding
		warnings []finding
	}{
		{
			name:     "an unanchored match-cn warns that the whole CN must match",
			anns:     map[string]string{pre + "auth-tls-secret": "default/ca", pre + "auth-tls-match-cn": "CN=client"},
			warnings: []finding{{"metadata.annotations[nginx.ingress.kubernetes.io/auth-tls-match-cn]", "portcullis matches the pattern against the whole CN (it is anchored), where ingress-nginx matched it anywhere in the subject DN: CN=client no longer admits a CN that only contains a match. To match a part of the CN, write CN=.*client.*; to keep the whole-CN match and silence this warning, write CN=^client$"}},
		},
		{
			name: "no match-cn advice under ssl-passthrough, where it is ignored",
			anns: map[string]string{pre + "ssl-passthrough": "true", pre + "auth-tls-secret": "default/ca", pre + "auth-tls-match-cn": "CN=client"},
		},
		{
			name: "no verification advice under ssl-passthrough, where backend-protocol is ignored",
			anns: map[string]string{pre + "ssl-passthrough": "true", pre + "backend-protocol": "HTTPS"},
		},
		{
			name: "a match-cn anchored at either end says what it means",
			anns: map[string]string{pre + "auth-tls-secret": "default/ca", pre + "auth-tls-match-cn": "CN=^client"},
		},
		{
			name: "a match-cn ending in $ says what it means",
			anns: map[string]string{pre + "auth-tls-secret": "default/ca", pre + "auth-tls-match-cn": `CN=.*\.example\.com$`},
		},
		{
			name:   "client auth settings without a CA",
			anns:   map[string]string{pre + "auth-tls-verify-client": "on", pre + "auth-tls-match-cn": "CN=^x$"},
			errors: []finding{{"metadata.annotations[nginx.ingress.kubernetes.io/auth-tls-match-cn]", "requires nginx.ingress.kubernetes.io/auth-tls-secret"}, {"metadata.annotations[nginx.ingress.kubernetes.io/auth-tls-verify-client]", "requires nginx.ingress.kubernetes.io/auth-tls-secret"}},
		},
		{
			name: "verify-client off needs no CA",
			anns: map[string]string{pre + "auth-tls-verify-client": "off"},
		},
		{
			name:   "backend verification without a CA",
			anns:   map[string]string{pre + "proxy-ssl-verify": "on", pre + "backend-protocol": "HTTPS"},
			errors: []finding{{"metadata.annotations[nginx.ingress.kubernetes.io/proxy-ssl-verify]", "requires nginx.ingress.kubernetes.io/proxy-ssl-secret"}},
		},
		{
			name:     "HTTPS backend without verification",
			anns:     map[string]string{pre + "backend-protocol": "HTTPS"},
			warnings: []finding{{"metadata.annotations[nginx.ingress.kubernetes.io/backend-protocol]", "not verified"}},
		},
		{
			name:     "GRPCS backend with verification off",
			anns:     map[string]string{pre + "backend-protocol": "GRPCS", pre + "proxy-ssl-verify": "off"},
			warnings: []finding{{"metadata.annotations[nginx.ingress.kubernetes.io/proxy-ssl-verify]", "encrypted but not authenticated"}},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			_, s := Parse(c.anns, Options{})
			assertFindings(t, s.ErrorEntries(), c.errors)
			assertFindings(t, s.WarningEntries(), c.warnings)
		})
	}
}

func TestNginxOrgCrossKeyRules(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		anns     map[string]string
		errors   []finding
		warnings []finding
	}{
		{
			name:   "hsts details without hsts",
			anns:   map[string]string{"nginx.org/hsts-max-age": "100", "nginx.org/hsts-behind-proxy": "true"},
			errors: []finding{{"metadata.annotations[nginx.org/hsts-behind-proxy]", "requires nginx.org/hsts"}, {"metadata.annotations[nginx.org/hsts-max-age]", "requires nginx.org/hsts"}},
		},
		{
			name:     "hsts details with hsts off",
			anns:     map[string]string{"nginx.org/hsts": "false", "nginx.org/hsts-include-subdomains": "true"},
			warnings: []finding{{"metadata.annotations[nginx.org/hsts-include-subdomains]", `has no effect while nginx.org/hsts is "false"`}},
		},
		{
			name:     "deprecated ssl-redirect",
			anns:     map[string]string{"ingress.kubernetes.io/ssl-redirect": "false"},
			warnings: []finding{{"metadata.annotations[ingress.kubernetes.io/ssl-redirect]", "is deprecated; use nginx.org/ssl-redirect"}},
		},
		{
			name:   "deprecated ssl-redirect disagreeing",
			anns:   map[string]string{"ingress.kubernetes.io/ssl-redirect": "false", "nginx.org/ssl-redirect": "true"},
			errors: []finding{{"metadata.annotations[ingress.kubernetes.io/ssl-redirect]", `conflicts with nginx.org/ssl-redirect: "true"`}},
		},
		{
			name: "minion with host-level settings",
			anns: map[string]string{
				"nginx.org/mergeable-ingress-type": "minion", "nginx.org/hsts": "true",
				pre + "auth-tls-secret": "default/ca", "nginx.org/ssl-services": "web",
			},
			errors: []finding{
				{"metadata.annotations[nginx.ingress.kubernetes.io/auth-tls-secret]", "is a host-level setting, not allowed on a mergeable minion"},
				{"metadata.annotations[nginx.org/hsts]", "put it on the master"},
			},
		},
		{
			name:   "master with path-level settings",
			anns:   map[string]string{"nginx.org/mergeable-ingress-type": "master", "nginx.org/ssl-services": "web", "nginx.org/hsts": "true"},
			errors: []finding{{"metadata.annotations[nginx.org/ssl-services]", "is a path-level setting, not allowed on a mergeable master"}},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			_, s := Parse(c.anns, Options{})
			assertFindings(t, s.ErrorEntries(), c.errors)
			assertFindings(t, s.WarningEntries(), c.warnings)
		})
	}
}

func TestDialectConflictsNameBothKeys(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		anns   map[string]string
		errors []finding
	}{
		{
			name:   "ssl-redirect",
			anns:   map[string]string{pre + "ssl-redirect": "true", "nginx.org/ssl-redirect": "false"},
			errors: []finding{{"metadata.annotations[nginx.org/ssl-redirect]", `nginx.org/ssl-redirect: "false" conflicts with nginx.ingress.kubernetes.io/ssl-redirect: "true"`}},
		},
		{
			name:   "deprecated ssl-redirect against ingress-nginx",
			anns:   map[string]string{pre + "ssl-redirect": "false", "ingress.kubernetes.io/ssl-redirect": "true"},
			errors: []finding{{"metadata.annotations[ingress.kubernetes.io/ssl-redirect]", `conflicts with nginx.ingress.kubernetes.io/ssl-redirect: "false"`}},
		},
		{
			name:   "force-ssl-redirect and redirect-to-https",
			anns:   map[string]string{pre + "force-ssl-redirect": "false", "nginx.org/redirect-to-https": "true"},
			errors: []finding{{"metadata.annotations[nginx.org/redirect-to-https]", "conflicts with nginx.ingress.kubernetes.io/force-ssl-redirect"}},
		},
		{
			name:   "ciphers",
			anns:   map[string]string{pre + "ssl-ciphers": "HIGH:!aNULL", "nginx.org/ssl-ciphers": "HIGH:!aNULL:!SHA1"},
			errors: []finding{{"metadata.annotations[nginx.org/ssl-ciphers]", `nginx.org/ssl-ciphers: "HIGH:!aNULL:!SHA1" conflicts with nginx.ingress.kubernetes.io/ssl-ciphers: "HIGH:!aNULL"`}},
		},
		{
			name:   "prefer server ciphers",
			anns:   map[string]string{pre + "ssl-prefer-server-ciphers": "true", "nginx.org/ssl-prefer-server-ciphers": "false"},
			errors: []finding{{"metadata.annotations[nginx.org/ssl-prefer-server-ciphers]", "nginx.ingress.kubernetes.io/ssl-prefer-server-ciphers"}},
		},
		{
			name: "agreeing values are fine, whatever the separators",
			anns: map[string]string{pre + "ssl-ciphers": "HIGH !aNULL", "nginx.org/ssl-ciphers": "HIGH:!aNULL", pre + "ssl-redirect": "true", "nginx.org/ssl-redirect": "true"},
		},
		{
			name:   "ssl-redirect off against redirect-to-https on",
			anns:   map[string]string{pre + "ssl-redirect": "false", "nginx.org/redirect-to-https": "true"},
			errors: []finding{{"metadata.annotations[nginx.org/redirect-to-https]", `nginx.org/redirect-to-https: "true" conflicts with nginx.ingress.kubernetes.io/ssl-redirect: "false"`}},
		},
		{
			name:   "nginx.org/ssl-redirect off against force-ssl-redirect on",
			anns:   map[string]string{pre + "force-ssl-redirect": "true", "nginx.org/ssl-redirect": "false"},
			errors: []finding{{"metadata.annotations[nginx.ingress.kubernetes.io/force-ssl-redirect]", `nginx.ingress.kubernetes.io/force-ssl-redirect: "true" conflicts with nginx.org/ssl-redirect: "false"`}},
		},
		{
			name:   "deprecated ssl-redirect off against force-ssl-redirect on",
			anns:   map[string]string{pre + "force-ssl-redirect": "true", "ingress.kubernetes.io/ssl-redirect": "false"},
			errors: []finding{{"metadata.annotations[nginx.ingress.kubernetes.io/force-ssl-redirect]", `conflicts with ingress.kubernetes.io/ssl-redirect: "false"`}},
		},
		{
			name: "a redirect kept on while the other dialect's force is off is no conflict",
			anns: map[string]string{pre + "ssl-redirect": "true", "nginx.org/redirect-to-https": "false"},
		},
		{
			name: "one dialect alone: force-ssl-redirect wins over ssl-redirect as in ingress-nginx",
			anns: map[string]string{pre + "ssl-redirect": "false", pre + "force-ssl-redirect": "true"},
		},
		{
			name:   "body size",
			anns:   map[string]string{pre + "proxy-body-size": "8m", "nginx.org/client-max-body-size": "1m"},
			errors: []finding{{"metadata.annotations[nginx.org/client-max-body-size]", `nginx.org/client-max-body-size: "1m" conflicts with nginx.ingress.kubernetes.io/proxy-body-size: "8m" (both set the request body limit)`}},
		},
		{
			name:   "read timeout",
			anns:   map[string]string{pre + "proxy-read-timeout": "60", "nginx.org/proxy-read-timeout": "30s"},
			errors: []finding{{"metadata.annotations[nginx.org/proxy-read-timeout]", `nginx.org/proxy-read-timeout: "30s" conflicts with nginx.ingress.kubernetes.io/proxy-read-timeout: "60" (both set the backend read timeout)`}},
		},
		{
			name: "connect and send timeouts",
			anns: map[string]string{pre + "proxy-connect-timeout": "5", "nginx.org/proxy-connect-timeout": "10s", pre + "proxy-send-timeout": "60", "nginx.org/proxy-send-timeout": "1m1s"},
			errors: []finding{
				{"metadata.annotations[nginx.org/proxy-connect-timeout]", "both set the backend connect timeout"},
				{"metadata.annotations[nginx.org/proxy-send-timeout]", "both set the backend send timeout"},
			},
		},
		{
			name: "buffering and the body buffer",
			anns: map[string]string{pre + "proxy-buffering": "off", "nginx.org/proxy-buffering": "True", pre + "client-body-buffer-size": "16k", "nginx.org/client-body-buffer-size": "8k"},
			errors: []finding{
				{"metadata.annotations[nginx.org/client-body-buffer-size]", `nginx.org/client-body-buffer-size: "8k" conflicts with nginx.ingress.kubernetes.io/client-body-buffer-size: "16k" (both set the request body buffer)`},
				{"metadata.annotations[nginx.org/proxy-buffering]", `nginx.org/proxy-buffering: "true" conflicts with nginx.ingress.kubernetes.io/proxy-buffering: "off" (both set response buffering)`},
			},
		},
		{
			name: "agreeing buffering is fine",
			anns: map[string]string{pre + "proxy-buffering": "off", "nginx.org/proxy-buffering": "False"},
		},
		{
			name: "agreeing traffic values are fine, whatever the spelling",
			anns: map[string]string{pre + "proxy-body-size": "1024k", "nginx.org/client-max-body-size": "1M", pre + "proxy-read-timeout": "90", "nginx.org/proxy-read-timeout": "1m30s"},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			_, s := Parse(c.anns, Options{})
			assertFindings(t, s.ErrorEntries(), c.errors)
		})
	}
}

func TestCertManagerCrossKeyRules(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		anns     map[string]string
		errors   []finding
		warnings []finding
	}{
		{
			name:   "issuer and cluster-issuer",
			anns:   map[string]string{"cert-manager.io/issuer": "a", "cert-manager.io/cluster-issuer": "b"},
			errors: []finding{{"metadata.annotations[cert-manager.io/cluster-issuer]", "both cert-manager.io/issuer and cert-manager.io/cluster-issuer are set"}},
		},
		{
			name: "cluster-issuer with kind and group",
			anns: map[string]string{"cert-manager.io/cluster-issuer": "b", "cert-manager.io/issuer-kind": "AWSPCAClusterIssuer", "cert-manager.io/issuer-group": "awspca.cert-manager.io"},
			errors: []finding{
				{"metadata.annotations[cert-manager.io/issuer-group]", "may not be set with cert-manager.io/cluster-issuer"},
				{"metadata.annotations[cert-manager.io/issuer-kind]", "may not be set with cert-manager.io/cluster-issuer"},
			},
		},
		{
			name: "external issuer",
			anns: map[string]string{"cert-manager.io/issuer": "pca", "cert-manager.io/issuer-kind": "AWSPCAClusterIssuer", "cert-manager.io/issuer-group": "awspca.cert-manager.io"},
		},
		{
			name:   "external issuer kind without its group",
			anns:   map[string]string{"cert-manager.io/issuer": "pca", "cert-manager.io/issuer-kind": "AWSPCAClusterIssuer"},
			errors: []finding{{"metadata.annotations[cert-manager.io/issuer-kind]", `are of kind Issuer or ClusterIssuer, got "AWSPCAClusterIssuer"; for an external issuer also set cert-manager.io/issuer-group`}},
		},
		{
			name:   "external issuer kind in cert-manager's own group",
			anns:   map[string]string{"cert-manager.io/issuer": "pca", "cert-manager.io/issuer-kind": "AWSPCAClusterIssuer", "cert-manager.io/issuer-group": "cert-manager.io"},
			errors: []finding{{"metadata.annotations[cert-manager.io/issuer-kind]", "are of kind Issuer or ClusterIssuer"}},
		},
		{
			name: "ClusterIssuer kind through issuer",
			anns: map[string]string{"cert-manager.io/issuer": "ca", "cert-manager.io/issuer-kind": "ClusterIssuer"},
		},
		{
			name:   "empty issuer name",
			anns:   map[string]string{"cert-manager.io/cluster-issuer": ""},
			errors: []finding{{"metadata.annotations[cert-manager.io/cluster-issuer]", "must not be empty"}},
		},
		{
			name:   "ECDSA key size",
			anns:   map[string]string{"cert-manager.io/private-key-algorithm": "ECDSA", "cert-manager.io/private-key-size": "2048"},
			errors: []finding{{"metadata.annotations[cert-manager.io/private-key-size]", "ECDSA keys must be 256, 384 or 521 bits, got 2048"}},
		},
		{
			name:   "ECDSA key size near miss",
			anns:   map[string]string{"cert-manager.io/private-key-algorithm": "ECDSA", "cert-manager.io/private-key-size": "512"},
			errors: []finding{{"metadata.annotations[cert-manager.io/private-key-size]", `did you mean "521"?`}},
		},
		{
			name:     "Ed25519 ignores the size",
			anns:     map[string]string{"cert-manager.io/private-key-algorithm": "Ed25519", "cert-manager.io/private-key-size": "256"},
			warnings: []finding{{"metadata.annotations[cert-manager.io/private-key-size]", "ignored for Ed25519"}},
		},
		{
			name:   "renew-before not below duration",
			anns:   map[string]string{"cert-manager.io/duration": "24h", "cert-manager.io/renew-before": "24h"},
			errors: []finding{{"metadata.annotations[cert-manager.io/renew-before]", "must be less than the duration (24h0m0s)"}},
		},
		{
			name: "renew-before below duration",
			anns: map[string]string{"cert-manager.io/duration": "48h", "cert-manager.io/renew-before": "24h"},
		},
		{
			name:   "renew-before and renew-before-percentage",
			anns:   map[string]string{"cert-manager.io/renew-before": "24h", "cert-manager.io/renew-before-percentage": "50"},
			errors: []finding{{"metadata.annotations[cert-manager.io/renew-before-percentage]", "may not be set with cert-manager.io/renew-before"}},
		},
		{
			name:   "renew-before-percentage leaves less than 5m",
			anns:   map[string]string{"cert-manager.io/duration": "1h", "cert-manager.io/renew-before-percentage": "95"},
			errors: []finding{{"metadata.annotations[cert-manager.io/renew-before-percentage]", "less than cert-manager's minimum of 5m"}},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			_, s := Parse(c.anns, Options{})
			assertFindings(t, s.ErrorEntries(), c.errors)
			assertFindings(t, s.WarningEntries(), c.warnings)
		})
	}
}

func TestFindingsAreDeterministic(t *testing.T) {
	t.Parallel()
	anns := map[string]string{
		pre + "b-unknown": "1", pre + "a-unknown": "1", pre + "ssl-redirect": "yes",
		"nginx.org/zzz": "1", "cert-manager.io/usages": "nope", pre + "rewrite-target": "/", pre + "canary": "true",
	}
	_, first := Parse(anns, Options{})
	for range 20 {
		_, again := Parse(anns, Options{})
		require.Equal(t, first.ErrorEntries(), again.ErrorEntries())
		require.Equal(t, first.WarningEntries(), again.WarningEntries())
	}
	fields := make([]string, 0, len(first.Errors))
	for _, e := range first.Errors {
		fields = append(fields, e.Field)
	}
	assert.IsNonDecreasing(t, fields)
}

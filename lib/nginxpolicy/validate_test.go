package nginxpolicy

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	v1 "github.com/seed-d040b84d/portcullis/lib/apis/k8snginx/v1"
)

const (
	imPath = "spec.ingressMTLS."
	emPath = "spec.egressMTLS."
)

// Every field, with at least one accepted and one refused value. Each case
// lists exactly the errors and warnings it expects.
func TestValidateFields(t *testing.T) {
	t.Parallel()
	type tc struct {
		name      string
		spec      string
		opts      Options
		wantErrs  []finding
		wantWarns []finding
	}
	cases := []tc{
		// spec: exactly one supported type.
		{name: "no type", spec: `{}`,
			wantErrs: []finding{{"spec", "no policy type is set; set exactly one of ingressMTLS or egressMTLS"}}},
		{name: "only ingressClassName", spec: `{ingressClassName: nginx}`,
			wantErrs: []finding{{"spec", "no policy type is set"}}},
		{name: "ingressClassName with a type", spec: `{ingressClassName: nginx, ingressMTLS: {clientCertSecret: ca}}`},
		{name: "two supported types", spec: `{ingressMTLS: {clientCertSecret: ca}, egressMTLS: {}}`,
			wantErrs: []finding{{"spec", "got 2 policy types (ingressMTLS, egressMTLS); a Policy sets exactly one"}}},
		{name: "supported and unsupported", spec: `{rateLimit: {rate: 1r/s}, egressMTLS: {}}`,
			wantErrs: []finding{
				{"spec", "got 2 policy types (rateLimit, egressMTLS)"},
				{"spec.rateLimit", "policy type rateLimit is not supported by portcullis; only ingressMTLS, egressMTLS, accessControl, basicAuth are"},
			}},

		// accessControl
		{name: "accessControl allow", spec: `{accessControl: {allow: [10.0.0.0/8, 192.0.2.7, "2001:db8::/32"]}}`},
		{name: "accessControl deny", spec: `{accessControl: {deny: [203.0.113.0/24]}}`},
		{name: "accessControl both", spec: `{accessControl: {allow: [10.0.0.0/8], deny: [10.1.0.0/16]}}`,
			wantErrs: []finding{{"spec.accessControl.deny", "set allow or deny, not both"}}},
		{name: "accessControl neither", spec: `{accessControl: {}}`,
			wantErrs: []finding{{"spec.accessControl", "set allow or deny to a non-empty list"}}},
		{name: "accessControl bad entry", spec: `{accessControl: {allow: [10.0.0.0/8, "10.0.0.0/8; deny all"]}}`,
			wantErrs: []finding{{"spec.accessControl.allow[1]", "is not an IP address or CIDR"}}},
		{name: "accessControl unknown field", spec: `{accessControl: {allowed: [10.0.0.0/8]}}`,
			wantErrs: []finding{{"spec.accessControl", `unknown field "allowed"`}}},

		// basicAuth
		{name: "basicAuth", spec: `{basicAuth: {secret: htpasswd, realm: "Staff only"}}`},
		{name: "basicAuth no secret", spec: `{basicAuth: {realm: x}}`,
			wantErrs: []finding{{"spec.basicAuth.secret", ""}}},
		{name: "basicAuth bad realm", spec: `{basicAuth: {secret: htpasswd, realm: "a\"b"}}`,
			wantErrs: []finding{{"spec.basicAuth.realm", "is not allowed in a realm"}}},

		// ingressMTLS.clientCertSecret
		{name: "clientCertSecret ok", spec: `{ingressMTLS: {clientCertSecret: ingress-mtls-secret}}`},
		{name: "clientCertSecret dotted ok", spec: `{ingressMTLS: {clientCertSecret: ca.example}}`},
		{name: "clientCertSecret missing", spec: `{ingressMTLS: {verifyClient: "on"}}`,
			wantErrs: []finding{{imPath + "clientCertSecret", "required: the name of an nginx.org/ca Secret in the Policy's namespace"}}},
		{name: "clientCertSecret empty object", spec: `{ingressMTLS: {}}`,
			wantErrs: []finding{{imPath + "clientCertSecret", "only verifyClient optional_no_ca works without one"}}},
		{name: "clientCertSecret namespace/name", spec: `{ingressMTLS: {clientCertSecret: other/ca}}`,
			wantErrs: []finding{{imPath + "clientCertSecret", `got "other/ca", a namespace/name reference; the Secret must be in the Policy's namespace, so give only its name ("ca")`}}},
		{name: "clientCertSecret leading slash", spec: `{ingressMTLS: {clientCertSecret: /ca}}`,
			wantErrs: []finding{{imPath + "clientCertSecret", `got "/ca", a namespace/name reference; the Secret must be in the Policy's namespace, so give only its name`}}},
		{name: "clientCertSecret uppercase", spec: `{ingressMTLS: {clientCertSecret: Ingress-CA}}`,
			wantErrs: []finding{{imPath + "clientCertSecret", `got "Ingress-CA": Secret names are lowercase; did you mean "ingress-ca"?`}}},
		{name: "clientCertSecret not a name", spec: `{ingressMTLS: {clientCertSecret: CA_Secret}}`,
			wantErrs: []finding{{imPath + "clientCertSecret", `got "CA_Secret", which is not a Secret name: a lowercase RFC 1123 subdomain`}}},

		// ingressMTLS.verifyClient
		{name: "verifyClient on", spec: `{ingressMTLS: {clientCertSecret: ca, verifyClient: "on"}}`},
		{name: "verifyClient optional", spec: `{ingressMTLS: {clientCertSecret: ca, verifyClient: optional}}`},
		{name: "verifyClient optional_no_ca without CA", spec: `{ingressMTLS: {verifyClient: optional_no_ca}}`},
		{name: "verifyClient optional_no_ca with CA", spec: `{ingressMTLS: {clientCertSecret: ca, verifyClient: optional_no_ca}}`},
		{name: "verifyClient off warns", spec: `{ingressMTLS: {clientCertSecret: ca, verifyClient: "off"}}`,
			wantWarns: []finding{{imPath + "verifyClient", `verifyClient is "off": clients are not asked for a certificate`}}},
		{name: "verifyClient typo", spec: `{ingressMTLS: {clientCertSecret: ca, verifyClient: optinal}}`,
			wantErrs: []finding{{imPath + "verifyClient", `got "optinal", allowed: "on", "off", "optional" or "optional_no_ca"; did you mean "optional"?`}}},
		{name: "verifyClient unknown", spec: `{ingressMTLS: {clientCertSecret: ca, verifyClient: require}}`,
			wantErrs: []finding{{imPath + "verifyClient", `got "require", allowed: "on", "off", "optional" or "optional_no_ca"`}}},
		{name: "verifyClient unquoted on", spec: `{ingressMTLS: {clientCertSecret: ca, verifyClient: on}}`,
			wantErrs: []finding{{imPath + "verifyClient", `got "true": an unquoted YAML on or off is a boolean`}}},

		// ingressMTLS.verifyDepth
		{name: "ingress verifyDepth 0", spec: `{ingressMTLS: {clientCertSecret: ca, verifyDepth: 0}}`},
		{name: "ingress verifyDepth 3", spec: `{ingressMTLS: {clientCertSecret: ca, verifyDepth: 3}}`},
		{name: "ingress verifyDepth negative", spec: `{ingressMTLS: {clientCertSecret: ca, verifyDepth: -1}}`,
			wantErrs: []finding{{imPath + "verifyDepth", "got -1; the verification depth must be 0 or more (default 1)"}}},

		// ingressMTLS.crlFileName
		{name: "crlFileName empty", spec: `{ingressMTLS: {clientCertSecret: ca, crlFileName: ""}}`},
		{name: "crlFileName set", spec: `{ingressMTLS: {clientCertSecret: ca, crlFileName: webapp.crl}}`,
			wantErrs: []finding{{imPath + "crlFileName", `got "webapp.crl": crlFileName is not supported by portcullis`}}},

		// several ingressMTLS errors at once are all reported.
		{name: "ingress all wrong", spec: `{ingressMTLS: {clientCertSecret: a/b, verifyClient: no, verifyDepth: -5, crlFileName: x}}`,
			wantErrs: []finding{
				{imPath + "clientCertSecret", "namespace/name reference"},
				{imPath + "verifyClient", `got "false": an unquoted YAML on or off is a boolean`},
				{imPath + "verifyDepth", "got -5"},
				{imPath + "crlFileName", `got "x"`},
			}},

		// egressMTLS with nothing set is valid: TLS with the defaults.
		{name: "egress empty", spec: `{egressMTLS: {}}`},

		// egressMTLS.tlsSecret
		{name: "tlsSecret ok", spec: `{egressMTLS: {tlsSecret: egress-mtls-secret}}`},
		{name: "tlsSecret namespace/name", spec: `{egressMTLS: {tlsSecret: ns/client}}`,
			wantErrs: []finding{{emPath + "tlsSecret", `got "ns/client", a namespace/name reference`}}},
		{name: "tlsSecret not a name", spec: `{egressMTLS: {tlsSecret: -client}}`,
			wantErrs: []finding{{emPath + "tlsSecret", `got "-client", which is not a Secret name`}}},

		// egressMTLS.trustedCertSecret and verifyServer
		{name: "trusted with verify", spec: `{egressMTLS: {trustedCertSecret: ca, verifyServer: true}}`},
		{name: "trusted not a name", spec: `{egressMTLS: {trustedCertSecret: "ca secret", verifyServer: true}}`,
			wantErrs: []finding{{emPath + "trustedCertSecret", `got "ca secret", which is not a Secret name`}}},
		{name: "trusted namespace/name", spec: `{egressMTLS: {trustedCertSecret: ns/ca, verifyServer: true}}`,
			wantErrs: []finding{{emPath + "trustedCertSecret", "must be in the Policy's namespace"}}},
		{name: "verifyServer without trusted", spec: `{egressMTLS: {tlsSecret: client, verifyServer: true}}`,
			wantErrs: []finding{{emPath + "trustedCertSecret", "required: verifyServer is true, which needs a CA"}}},
		{name: "verifyServer false", spec: `{egressMTLS: {tlsSecret: client, verifyServer: false}}`},
		{name: "trusted without verify warns", spec: `{egressMTLS: {trustedCertSecret: ca}}`,
			wantWarns: []finding{{emPath + "verifyServer", "trustedCertSecret is set but verifyServer is false"}}},

		// egressMTLS.verifyDepth
		{name: "egress verifyDepth 0", spec: `{egressMTLS: {verifyDepth: 0}}`},
		{name: "egress verifyDepth negative", spec: `{egressMTLS: {verifyDepth: -2}}`,
			wantErrs: []finding{{emPath + "verifyDepth", "got -2; the verification depth must be 0 or more"}}},

		// egressMTLS.serverName and sessionReuse are plain booleans: every
		// decoded value is valid (non-booleans fail decoding, see lib/apis).
		{name: "serverName true", spec: `{egressMTLS: {serverName: true}}`},
		{name: "sessionReuse false", spec: `{egressMTLS: {sessionReuse: false}}`},

		// egressMTLS.sslName
		{name: "sslName ok", spec: `{egressMTLS: {sslName: secure-app.example.com, serverName: true}}`},
		{name: "sslName with verify only", spec: `{egressMTLS: {sslName: app.ns.svc, verifyServer: true, trustedCertSecret: ca}}`},
		{name: "sslName variable", spec: `{egressMTLS: {sslName: $host, serverName: true}}`,
			wantErrs: []finding{{emPath + "sslName", `got "$host": NGINX variables are not allowed here`}}},
		{name: "sslName embedded variable", spec: `{egressMTLS: {sslName: "app.${ns}.svc", serverName: true}}`,
			wantErrs: []finding{{emPath + "sslName", "NGINX variables are not allowed"}}},
		{name: "sslName wildcard", spec: `{egressMTLS: {sslName: "*.example.com", serverName: true}}`,
			wantErrs: []finding{{emPath + "sslName", `got "*.example.com": a wildcard is not a server name; give the exact DNS name the upstream's certificate is checked against, such as "example.com"`}}},
		{name: "sslName uppercase", spec: `{egressMTLS: {sslName: App.Example.com, serverName: true}}`,
			wantErrs: []finding{{emPath + "sslName", `got "App.Example.com": server names must be lowercase; did you mean "app.example.com"?`}}},
		{name: "sslName not a name", spec: `{egressMTLS: {sslName: "app_1.example.com:443", serverName: true}}`,
			wantErrs: []finding{{emPath + "sslName", `got "app_1.example.com:443", which is not a DNS name`}}},
		{name: "sslName without effect warns", spec: `{egressMTLS: {sslName: app.example.com}}`,
			wantWarns: []finding{{emPath + "sslName", "neither verifyServer nor serverName is true, so it has no effect"}}},

		// egressMTLS.protocols
		{name: "protocols modern", spec: `{egressMTLS: {protocols: TLSv1.2 TLSv1.3}}`},
		{name: "protocols one", spec: `{egressMTLS: {protocols: TLSv1.3}}`},
		{name: "protocols legacy refused", spec: `{egressMTLS: {protocols: TLSv1.1 TLSv1.2}}`,
			wantErrs: []finding{{emPath + "protocols", `got "TLSv1.1", a legacy protocol that is allowed only when the controller's ConfigMap sets allow-legacy-tls: "true"; allowed: "TLSv1.2" or "TLSv1.3"`}}},
		{name: "protocols legacy allowed", spec: `{egressMTLS: {protocols: TLSv1 TLSv1.1 TLSv1.2}}`, opts: Options{AllowLegacyTLS: true}},
		{name: "protocols unknown", spec: `{egressMTLS: {protocols: TLSv1.2 TLSv13}}`,
			wantErrs: []finding{{emPath + "protocols", `got "TLSv13", allowed: "TLSv1.2" or "TLSv1.3"; did you mean "TLSv1.3"?`}}},
		{name: "protocols unknown with legacy", spec: `{egressMTLS: {protocols: SSLv3}}`, opts: Options{AllowLegacyTLS: true},
			wantErrs: []finding{{emPath + "protocols", `got "SSLv3", allowed: "TLSv1", "TLSv1.1", "TLSv1.2" or "TLSv1.3"`}}},
		{name: "protocols lowercase", spec: `{egressMTLS: {protocols: tlsv1.2}}`,
			wantErrs: []finding{{emPath + "protocols", `got "tlsv1.2": protocol names are case-sensitive; did you mean "TLSv1.2"?`}}},
		{name: "protocols commas", spec: `{egressMTLS: {protocols: "TLSv1.2,TLSv1.3"}}`,
			wantErrs: []finding{{emPath + "protocols", `got "TLSv1.2,TLSv1.3": protocols are separated by spaces`}}},
		{name: "protocols blank", spec: `{egressMTLS: {protocols: "  "}}`,
			wantErrs: []finding{{emPath + "protocols", `got "  ", a blank list; list protocols separated by spaces from "TLSv1.2" or "TLSv1.3", or leave protocols unset for "TLSv1.2 TLSv1.3"`}}},
		{name: "protocols injection", spec: `{egressMTLS: {protocols: "TLSv1.2; return 200"}}`,
			wantErrs: []finding{
				{emPath + "protocols", `got "TLSv1.2;": protocols are separated by spaces`},
				{emPath + "protocols", `got "return"`},
				{emPath + "protocols", `got "200"`},
			}},
		{name: "protocols duplicate warns", spec: `{egressMTLS: {protocols: TLSv1.3 TLSv1.3}}`,
			wantWarns: []finding{{emPath + "protocols", "TLSv1.3 is listed more than once"}}},

		// egressMTLS.ciphers
		{name: "ciphers colon list", spec: `{egressMTLS: {ciphers: "HIGH:!aNULL:!MD5"}}`},
		{name: "ciphers space list", spec: `{egressMTLS: {ciphers: ECDHE-RSA-AES128-GCM-SHA256 ECDHE-RSA-AES256-GCM-SHA384}}`},
		{name: "ciphers comma list", spec: `{egressMTLS: {ciphers: "kEECDH+ECDSA+AES, -RC4, +SHA1, DEFAULT@SECLEVEL=2, @STRENGTH, TLS_AES_128_GCM_SHA256"}}`},
		{name: "ciphers weak docs example", spec: `{egressMTLS: {ciphers: "ALL:!aNULL:!EXPORT56:RC4+RSA:+HIGH:+MEDIUM:+LOW:+SSLv2:+EXP"}}`,
			wantErrs: []finding{{emPath + "ciphers", `got "ALL:!aNULL:!EXPORT56:RC4+RSA:+HIGH:+MEDIUM:+LOW:+SSLv2:+EXP": "RC4+RSA" adds RC4 ciphers (RC4-MD5, RC4-SHA, EXP-RC4-MD5 and 1 more), which are broken; remove it or prefix it with "!"`}}},
		{name: "ciphers weak eNULL", spec: `{egressMTLS: {ciphers: "HIGH:!aNULL:eNULL"}}`,
			wantErrs: []finding{{emPath + "ciphers", `"eNULL" adds ciphers without encryption`}}},
		{name: "ciphers weak aNULL", spec: `{egressMTLS: {ciphers: "aNULL"}}`,
			wantErrs: []finding{{emPath + "ciphers", `"aNULL" adds anonymous ciphers`}}},
		{name: "ciphers weak RC4-MD5", spec: `{egressMTLS: {ciphers: "RC4-MD5"}}`,
			wantErrs: []finding{{emPath + "ciphers", `"RC4-MD5" adds RC4 ciphers (RC4-MD5), which are broken`}}},
		{name: "ciphers weak HIGH alone", spec: `{egressMTLS: {ciphers: "HIGH"}}`,
			wantErrs: []finding{{emPath + "ciphers", `"HIGH" adds anonymous ciphers`}}},
		{name: "ciphers none left", spec: `{egressMTLS: {ciphers: "-ALL"}}`,
			wantErrs: []finding{{emPath + "ciphers", `"-ALL" leaves no cipher for TLS 1.2 and below`}}},
		{name: "ciphers semicolon", spec: `{egressMTLS: {ciphers: "HIGH; return 200"}}`,
			wantErrs: []finding{{emPath + "ciphers", `got "HIGH; return 200", which contains ';'; a cipher list is OpenSSL cipher names and operators (letters, digits and _ + ! @ = . -) separated by ":", "," or spaces`}}},
		{name: "ciphers quote", spec: `{egressMTLS: {ciphers: "HIGH'"}}`,
			wantErrs: []finding{{emPath + "ciphers", `which contains '\''`}}},
		{name: "ciphers double quote", spec: `{egressMTLS: {ciphers: "HIGH\""}}`,
			wantErrs: []finding{{emPath + "ciphers", `which contains '"'`}}},
		{name: "ciphers brace", spec: `{egressMTLS: {ciphers: "HIGH{"}}`,
			wantErrs: []finding{{emPath + "ciphers", `which contains '{'`}}},
		{name: "ciphers newline", spec: `{egressMTLS: {ciphers: "HIGH\nproxy_pass x"}}`,
			wantErrs: []finding{{emPath + "ciphers", `which contains '\n'`}}},
		{name: "ciphers tab", spec: `{egressMTLS: {ciphers: "HIGH\t!MD5"}}`,
			wantErrs: []finding{{emPath + "ciphers", `which contains '\t'`}}},
		{name: "ciphers variable", spec: `{egressMTLS: {ciphers: "$ciphers"}}`,
			wantErrs: []finding{{emPath + "ciphers", `which contains '$'`}}},
		{name: "ciphers empty entry", spec: `{egressMTLS: {ciphers: "HIGH::MEDIUM"}}`,
			wantErrs: []finding{{emPath + "ciphers", `got "HIGH::MEDIUM", which has an empty entry`}}},
		{name: "ciphers leading separator", spec: `{egressMTLS: {ciphers: ":HIGH"}}`,
			wantErrs: []finding{{emPath + "ciphers", "which has an empty entry"}}},
		{name: "ciphers trailing separator", spec: `{egressMTLS: {ciphers: "HIGH, "}}`,
			wantErrs: []finding{{emPath + "ciphers", "which has an empty entry"}}},
		{name: "ciphers operator only", spec: `{egressMTLS: {ciphers: "HIGH:!"}}`,
			wantErrs: []finding{{emPath + "ciphers", `got "HIGH:!", whose entry "!" names no cipher`}}},
		{name: "ciphers blank", spec: `{egressMTLS: {ciphers: "   "}}`,
			wantErrs: []finding{{emPath + "ciphers", `got "   ", a blank list`}}},
		{name: "ciphers non-ASCII", spec: `{egressMTLS: {ciphers: "HIGH:ÄES"}}`,
			wantErrs: []finding{{emPath + "ciphers", `which contains 'Ä'`}}},
	}
	// A cors Policy only adds headers that let browsers read cross-origin
	// responses: ignoring it is stricter, so it warns where other
	// unimplemented types are refused.
	cases = append(cases,
		tc{name: "cors is ignored with a warning", spec: `{cors: {allowOrigin: ["https://app.example.com"]}}`,
			wantWarns: []finding{{"spec.cors", "policy type cors is not implemented by portcullis; ignored: responses carry no Access-Control-* headers"}}},
		tc{name: "cors with another type is still two types", spec: `{cors: {}, egressMTLS: {}}`,
			wantErrs:  []finding{{"spec", "got 2 policy types (egressMTLS, cors)"}},
			wantWarns: []finding{{"spec.cors", "policy type cors is not implemented by portcullis; ignored"}}},
	)
	for _, typ := range v1.PolicyTypes {
		if Supported(typ) || Ignored(typ) {
			continue
		}
		cases = append(cases, tc{name: "unsupported " + typ, spec: "{" + typ + ": {}}",
			wantErrs: []finding{{"spec." + typ, "policy type " + typ + " is not supported by portcullis; only ingressMTLS, egressMTLS, accessControl, basicAuth are"}}})
	}

	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			f := Validate(policy(t, c.spec), c.opts)
			assertFindings(t, f, c.wantErrs, c.wantWarns)

			n, nf := Normalize(policy(t, c.spec), c.opts)
			assert.Equal(t, f, nf, "Validate and Normalize must agree")
			assert.Equal(t, f.Allowed(), n != nil, "a result exactly when there are no errors")
		})
	}
}

func TestValidateNil(t *testing.T) {
	t.Parallel()
	n, f := Normalize(nil, Options{})
	assert.Nil(t, n)
	assertFindings(t, f, []finding{{"spec", "no Policy given"}}, nil)
}

// NGINX's documentation examples must be accepted as they are, without
// warnings, except the one that uses crlFileName, which portcullis refuses.
func TestNGINXExamples(t *testing.T) {
	t.Parallel()
	for name, doc := range map[string]string{
		"ingressMTLS":      nginxIngressMTLSExample,
		"egressMTLS doc":   nginxEgressMTLSDocExample,
		"egressMTLS files": nginxEgressMTLSExample,
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			n, f := Normalize(decode(t, doc), Options{})
			assertFindings(t, f, nil, nil)
			require.NotNil(t, n)
		})
	}
	t.Run("ingressMTLS crlFileName", func(t *testing.T) {
		t.Parallel()
		f := Validate(decode(t, nginxIngressMTLSCRLExample), Options{})
		assertFindings(t, f, []finding{{imPath + "crlFileName", "put the CRL in the ca.crl key of the clientCertSecret Secret instead"}}, nil)
	})
}

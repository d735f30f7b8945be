package annotations

import (
	"time"

	cmacme "github.com/cert-manager/cert-manager/pkg/apis/acme/v1"
	cmapi "github.com/cert-manager/cert-manager/pkg/apis/certmanager/v1"

	"github.com/seed-d040b84d/portcullis/lib/annotations/grammar"
)

// cert-manager keys portcullis validates (cert-manager's own constants).
const (
	KeyCMIssuer                   = cmapi.IngressIssuerNameAnnotationKey
	KeyCMClusterIssuer            = cmapi.IngressClusterIssuerNameAnnotationKey
	KeyCMIssuerKind               = cmapi.IssuerKindAnnotationKey
	KeyCMIssuerGroup              = cmapi.IssuerGroupAnnotationKey
	KeyCMTLSACME                  = "kubernetes.io/tls-acme"
	KeyCMCommonName               = cmapi.CommonNameAnnotationKey
	KeyCMAltNames                 = cmapi.AltNamesAnnotationKey
	KeyCMIPSANs                   = cmapi.IPSANAnnotationKey
	KeyCMEmailSANs                = cmapi.EmailsAnnotationKey
	KeyCMDuration                 = cmapi.DurationAnnotationKey
	KeyCMRenewBefore              = cmapi.RenewBeforeAnnotationKey
	KeyCMRenewBeforePercentage    = cmapi.RenewBeforePercentageAnnotationKey
	KeyCMUsages                   = cmapi.UsagesAnnotationKey
	KeyCMRevisionHistoryLimit     = cmapi.RevisionHistoryLimitAnnotationKey
	KeyCMPrivateKeyAlgorithm      = cmapi.PrivateKeyAlgorithmAnnotationKey
	KeyCMPrivateKeyEncoding       = cmapi.PrivateKeyEncodingAnnotationKey
	KeyCMPrivateKeySize           = cmapi.PrivateKeySizeAnnotationKey
	KeyCMPrivateKeyRotationPolicy = cmapi.PrivateKeyRotationPolicyAnnotationKey
	KeyCMSecretTemplate           = cmapi.IngressSecretTemplate
	KeyCMHTTP01EditInPlace        = cmacme.IngressEditInPlaceAnnotationKey
	KeyCMHTTP01IngressClass       = cmapi.IngressACMEIssuerHTTP01IngressClassAnnotationKey
	KeyCMHTTP01IngressClassName   = cmapi.IngressACMEIssuerHTTP01IngressClassNameAnnotationKey
)

// Key sizes cert-manager accepts (its pkg/util/pki MinRSAKeySize and
// MaxRSAKeySize, and the ECDSA curves).
const (
	minRSAKeySize = 2048
	maxRSAKeySize = 8192
)

// maxCommonNameBytes is X.509's ub-common-name, which cert-manager's webhook
// enforces on spec.commonName.
const maxCommonNameBytes = 64

func subjectRow(key, what string, set func(s *Subject, v []string)) Row {
	return Row{
		Key: key, Scope: ScopeIngress,
		Doc:      "Subject " + what + " of the certificates (one CSV record).",
		Value:    grammar.Bind(csvRecord, func(p *Parsed, v []string) { set(&p.CertManager.Subject, v) }),
		Examples: Examples{Good: good(`Acme,"Example, Inc"`, "X"), Bad: bad(`"unterminated`, "must be one CSV record", "a\nb", "single line")},
	}
}

var certManagerTable = (&Table{
	Dialect:  DialectCertManager,
	Title:    "cert-manager (`cert-manager.io/`, `acme.cert-manager.io/`, `kubernetes.io/tls-acme`)",
	Intro:    "The annotations cert-manager's ingress-shim reads to issue a Certificate for every TLS entry with a `secretName`. portcullis validates them with cert-manager's own grammar (v1.21) and its webhook's rules, so what it admits cert-manager accepts. These values go to cert-manager, never into nginx configuration.",
	Prefixes: []string{"cert-manager.io", "acme.cert-manager.io"},
	Keys:     []string{KeyCMTLSACME},
	Rows: []Row{
		{
			Key: KeyCMIssuer, Scope: ScopeIngress,
			Doc:      "Issuer (in the Ingress's namespace) of the certificates; with `issuer-kind`/`issuer-group` an external issuer. Not together with `cluster-issuer`.",
			Value:    grammar.Bind(grammar.Subdomain("issuer name"), func(p *Parsed, v string) { p.CertManager.Issuer = v }),
			Examples: Examples{Good: good("letsencrypt", "ca-issuer.v2"), Bad: bad("", "issuer name must not be empty", "Lets_Encrypt", "not a valid issuer name")},
		},
		{
			Key: KeyCMClusterIssuer, Scope: ScopeIngress,
			Doc:      "ClusterIssuer of the certificates. Not together with `issuer`, `issuer-kind` or `issuer-group` (for external cluster-scoped issuers use `issuer` with `issuer-kind` and `issuer-group`).",
			Value:    grammar.Bind(grammar.Subdomain("cluster issuer name"), func(p *Parsed, v string) { p.CertManager.ClusterIssuer = v }),
			Examples: Examples{Good: good("letsencrypt-prod"), Bad: bad("", "cluster issuer name must not be empty", "letsencrypt prod", "not a valid cluster issuer name")},
		},
		{
			Key: KeyCMIssuerKind, Default: "Issuer", Scope: ScopeIngress,
			Doc:      "Kind of the issuer named by `issuer`: `Issuer` or `ClusterIssuer` for cert-manager's own issuers; another kind (an external issuer's, e.g. `AWSPCAClusterIssuer`) only with `issuer-group` naming its API group.",
			Value:    grammar.Bind(grammar.Kind, func(p *Parsed, v string) { p.CertManager.IssuerKind = v }),
			Examples: Examples{Good: good("AWSPCAIssuer", "Issuer"), Bad: bad("issuer", `did you mean "Issuer"?`, "", "must be a kind name"), With: map[string]string{KeyCMIssuer: "pca", KeyCMIssuerGroup: "awspca.cert-manager.io"}},
		},
		{
			Key: KeyCMIssuerGroup, Default: "cert-manager.io", Scope: ScopeIngress,
			Doc:      "API group of an external issuer, e.g. `awspca.cert-manager.io`.",
			Value:    grammar.Bind(grammar.Subdomain("API group"), func(p *Parsed, v string) { p.CertManager.IssuerGroup = v }),
			Examples: Examples{Good: good("awspca.cert-manager.io"), Bad: bad("AWS PCA", "not a valid API group")},
		},
		{
			Key: KeyCMTLSACME, Default: "false", Scope: ScopeIngress,
			Doc:      "`true` asks cert-manager to issue certificates with its default issuer (flag `--default-issuer-name`).",
			Value:    grammar.Bind(grammar.Bool, func(p *Parsed, v bool) { p.CertManager.TLSACME = &v }),
			Examples: Examples{Good: good("true", "false"), Bad: bad("True", `did you mean "true"?`)},
		},
		{
			Key: KeyCMCommonName, Scope: ScopeIngress,
			Doc:      "Subject common name of the certificates (at most 64 bytes).",
			Value:    grammar.Bind(grammar.String("text, at most 64 bytes", maxCommonNameBytes), func(p *Parsed, v string) { p.CertManager.CommonName = &v }),
			Examples: Examples{Good: good("www.example.com"), Bad: bad("a-very-long-common-name-that-does-not-fit-into-sixty-four-bytes.example.com", "at most 64 bytes")},
		},
		{
			Key: KeyCMAltNames, Scope: ScopeIngress,
			Doc:      "DNS names added to the certificates' SANs besides the TLS entry's hosts.",
			Value:    grammar.Bind(grammar.DNSNames, func(p *Parsed, v []string) { p.CertManager.AltNames = v }),
			Examples: Examples{Good: good("www.example.com,*.example.org"), Bad: bad("a.example.com,", "is empty", "a..example.com", "not a valid DNS name")},
		},
		{
			Key: KeyCMIPSANs, Scope: ScopeIngress,
			Doc:      "IP addresses added to the certificates' SANs.",
			Value:    grammar.Bind(ipList, func(p *Parsed, v []string) { p.CertManager.IPSANs = v }),
			Examples: Examples{Good: good("10.0.0.1,2001:db8::1"), Bad: bad("10.0.0.256", "not an IP address", "10.0.0.1, 10.0.0.2", "not an IP address")},
		},
		{
			Key: KeyCMEmailSANs, Scope: ScopeIngress,
			Doc:      "Email addresses of the certificates' SANs.",
			Value:    grammar.Bind(emailList, func(p *Parsed, v []string) { p.CertManager.EmailSANs = v }),
			Examples: Examples{Good: good("ops@example.com,security@example.com"), Bad: bad("Ops <ops@example.com>", "plain address", "", "not an email address")},
		},
		subjectRow(cmapi.SubjectOrganizationsAnnotationKey, "organizations", func(s *Subject, v []string) { s.Organizations = v }),
		subjectRow(cmapi.SubjectOrganizationalUnitsAnnotationKey, "organizational units", func(s *Subject, v []string) { s.OrganizationalUnits = v }),
		subjectRow(cmapi.SubjectCountriesAnnotationKey, "countries", func(s *Subject, v []string) { s.Countries = v }),
		subjectRow(cmapi.SubjectProvincesAnnotationKey, "provinces", func(s *Subject, v []string) { s.Provinces = v }),
		subjectRow(cmapi.SubjectLocalitiesAnnotationKey, "localities", func(s *Subject, v []string) { s.Localities = v }),
		subjectRow(cmapi.SubjectPostalCodesAnnotationKey, "postal codes", func(s *Subject, v []string) { s.PostalCodes = v }),
		subjectRow(cmapi.SubjectStreetAddressesAnnotationKey, "street addresses", func(s *Subject, v []string) { s.StreetAddresses = v }),
		{
			Key: cmapi.SubjectSerialNumberAnnotationKey, Scope: ScopeIngress,
			Doc:      "Subject serial number of the certificates (the whole value; it is not split).",
			Value:    grammar.Bind(grammar.String("text, at most 64 bytes", 64), func(p *Parsed, v string) { p.CertManager.Subject.SerialNumber = &v }),
			Examples: Examples{Good: good("1234-5678"), Bad: bad("0123456789012345678901234567890123456789012345678901234567890123456789", "at most 64 bytes")},
		},
		{
			Key: KeyCMDuration, Default: "the issuer's (90 days: 2160h)", Scope: ScopeIngress,
			Doc:      "Requested lifetime of the certificates, a Go duration of at least 1h (`d` is not a unit).",
			Value:    grammar.Bind(grammar.GoDuration(cmapi.MinimumCertificateDuration), func(p *Parsed, v time.Duration) { p.CertManager.Duration = &v }),
			Examples: Examples{Good: good("2160h", "90m"), Bad: bad("90d", `write "90d" as "2160h"`, "30m", "at least 1h", "1 hour", "Go duration")},
		},
		{
			Key: KeyCMRenewBefore, Default: "⅓ of the duration", Scope: ScopeIngress,
			Doc:      "Renew this long before expiry: a Go duration of at least 5m, less than the duration. Not together with `renew-before-percentage`.",
			Value:    grammar.Bind(grammar.GoDuration(cmapi.MinimumRenewBefore), func(p *Parsed, v time.Duration) { p.CertManager.RenewBefore = &v }),
			Examples: Examples{Good: good("720h", "5m"), Bad: bad("2160h", "must be less than the duration", "1m", "at least 5m", "30d", `write "30d" as "720h"`)},
		},
		{
			Key: KeyCMRenewBeforePercentage, Scope: ScopeIngress,
			Doc:      "Renew when this percentage of the lifetime is left (1–99, at least 5m before expiry). Not together with `renew-before`.",
			Value:    grammar.Bind(grammar.IntRange(1, 99), func(p *Parsed, v int) { n := int32(v); p.CertManager.RenewBeforePercentage = &n }),
			Examples: Examples{Good: good("33"), Bad: bad("100", "an integer from 1 to 99", "50%", `got "50%"`)},
		},
		{
			Key: KeyCMUsages, Default: "digital signature,key encipherment", Scope: ScopeIngress,
			Doc:      "Key usages of the certificates, replacing the default (names as in cert-manager's `spec.usages`; spaces after commas are allowed).",
			Value:    grammar.Bind(usagesGrammar, func(p *Parsed, v []cmapi.KeyUsage) { p.CertManager.Usages = v }),
			Examples: Examples{Good: good("digital signature,key encipherment,server auth", "server auth, client auth"), Bad: bad("server-auth", `did you mean "server auth"?`, "", "unknown key usage")},
		},
		{
			Key: KeyCMRevisionHistoryLimit, Scope: ScopeIngress,
			Doc:      "How many CertificateRequests cert-manager keeps per certificate (≥ 1).",
			Value:    grammar.Bind(grammar.IntMin(1), func(p *Parsed, v int) { n := int32(v); p.CertManager.RevisionHistoryLimit = &n }),
			Examples: Examples{Good: good("1", "10"), Bad: bad("0", "an integer ≥ 1", "ten", `got "ten"`)},
		},
		{
			Key: KeyCMPrivateKeyAlgorithm, Default: "RSA", Scope: ScopeIngress,
			Doc:      "Private key algorithm of the certificates.",
			Value:    grammar.Bind(grammar.Enum(string(cmapi.RSAKeyAlgorithm), string(cmapi.ECDSAKeyAlgorithm), string(cmapi.Ed25519KeyAlgorithm)), func(p *Parsed, v string) { p.CertManager.PrivateKeyAlgorithm = cmapi.PrivateKeyAlgorithm(v) }),
			Examples: Examples{Good: good("RSA", "ECDSA", "Ed25519"), Bad: bad("ecdsa", `did you mean "ECDSA"?`, "EC", `allowed: "RSA", "ECDSA" or "Ed25519"`)},
		},
		{
			Key: KeyCMPrivateKeyEncoding, Default: "PKCS1", Scope: ScopeIngress,
			Doc:      "Encoding of the private key in the secret (Ed25519 keys are always PKCS8).",
			Value:    grammar.Bind(grammar.Enum(string(cmapi.PKCS1), string(cmapi.PKCS8)), func(p *Parsed, v string) { p.CertManager.PrivateKeyEncoding = cmapi.PrivateKeyEncoding(v) }),
			Examples: Examples{Good: good("PKCS1", "PKCS8"), Bad: bad("PKCS#8", `did you mean "PKCS8"?`)},
		},
		{
			Key: KeyCMPrivateKeySize, Default: "2048 (RSA), 256 (ECDSA)", Scope: ScopeIngress,
			Doc:      "Private key size: RSA 2048–8192, ECDSA 256, 384 or 521; ignored for Ed25519. Checked against `private-key-algorithm` (RSA when absent).",
			Value:    grammar.Bind(grammar.IntMin(1), func(p *Parsed, v int) { p.CertManager.PrivateKeySize = &v }),
			Examples: Examples{Good: good("2048", "4096"), Bad: bad("1024", "RSA keys must be 2048 to 8192 bits", "4k", `got "4k"`)},
		},
		{
			Key: KeyCMPrivateKeyRotationPolicy, Default: "Always", Scope: ScopeIngress,
			Doc:      "Whether a new private key is generated at every renewal.",
			Value:    grammar.Bind(grammar.Enum(string(cmapi.RotationPolicyAlways), string(cmapi.RotationPolicyNever)), func(p *Parsed, v string) { p.CertManager.PrivateKeyRotationPolicy = cmapi.PrivateKeyRotationPolicy(v) }),
			Examples: Examples{Good: good("Always", "Never"), Bad: bad("always", `did you mean "Always"?`)},
		},
		{
			Key: KeyCMSecretTemplate, Scope: ScopeIngress,
			Doc:      "Labels and annotations cert-manager puts on the certificate secrets (no `cert-manager.io/` annotations).",
			Value:    grammar.Bind(secretTemplateGrammar, func(p *Parsed, v cmapi.CertificateSecretTemplate) { p.CertManager.SecretTemplate = &v }),
			Examples: Examples{Good: good(`{"labels":{"team":"web"}}`, `{"annotations":{"example.com/owner":"web"}}`), Bad: bad(`{"labels":{"team":"web"},"foo":1}`, `unknown field "foo"`, `{"annotations":{"cert-manager.io/x":"y"}}`, "may not set cert-manager.io/", `{"labels":{"team":"web team"}}`, "invalid value")},
		},
		{
			Key: KeyCMHTTP01EditInPlace, Scope: ScopeIngress,
			Doc:      "ACME HTTP-01 challenges are solved by adding a path to this Ingress instead of a new one. Exactly `true` (cert-manager ignores every other value).",
			Value:    grammar.Bind(grammar.TrueOnly, func(p *Parsed, v bool) { p.CertManager.HTTP01EditInPlace = v }),
			Examples: Examples{Good: good("true"), Bad: bad("false", `must be exactly "true" or be absent`, "True", `did you mean "true"?`)},
		},
		{
			Key: KeyCMHTTP01IngressClass, Scope: ScopeIngress,
			Doc:      "Ingress class (legacy annotation) of the Ingresses cert-manager creates to solve ACME HTTP-01 challenges.",
			Value:    grammar.Bind(grammar.Subdomain("ingress class"), func(p *Parsed, v string) { p.CertManager.HTTP01IngressClass = v }),
			Examples: Examples{Good: good("portcullis"), Bad: bad("", "must not be empty", "Portcullis!", "not a valid ingress class")},
		},
		{
			Key: KeyCMHTTP01IngressClassName, Scope: ScopeIngress,
			Doc:      "`spec.ingressClassName` of the Ingresses cert-manager creates to solve ACME HTTP-01 challenges.",
			Value:    grammar.Bind(grammar.Subdomain("ingress class name"), func(p *Parsed, v string) { p.CertManager.HTTP01IngressClassName = v }),
			Examples: Examples{Good: good("portcullis"), Bad: bad("", "must not be empty")},
		},
	},
	NotImplemented: certManagerNotImplemented,
}).build()

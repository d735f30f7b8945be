package parity

import (
	networkingv1 "k8s.io/api/networking/v1"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/util/validation"

	cmacme "github.com/cert-manager/cert-manager/pkg/apis/acme/v1"
	cmapi "github.com/cert-manager/cert-manager/pkg/apis/certmanager/v1"
	"github.com/cert-manager/cert-manager/pkg/controller"
	"github.com/cert-manager/cert-manager/pkg/util/pki"

	an "github.com/seed-d040b84d/portcullis/lib/annotations"
)

// deniedCase is a cert-manager annotation value portcullis denies, with what
// cert-manager does with it instead.
type deniedCase struct {
	name string
	// key is the annotation portcullis must put its error on.
	key string
	ann map[string]string
	// defaults are the shim's controller flags; nil is cert-manager's defaults.
	defaults *controller.IngressShimOptions
	cm       cmOutcome
	// msg is a substring of cert-manager's event, error or webhook message.
	msg string
	// check shows the mis-handling (cmMisHandled) or the handling (cmAccepts).
	check func(t *testing.T, r shimResult)
}

// theCertificate is the one Certificate of the default TLS entry.
func theCertificate(t *testing.T, r shimResult) *cmapi.Certificate {
	t.Helper()
	require.Len(t, r.Certificates, 1)
	crt := r.Certificates["shop-tls"]
	require.NotNil(t, crt, "Certificate shop-tls")
	return crt
}

// notAName asserts s is not a DNS-1123 subdomain, the syntax of Kubernetes
// object names (Issuer, ClusterIssuer, IngressClass) and of API groups: an
// issuerRef or class with such a name can never resolve.
func notAName(t *testing.T, s string) {
	t.Helper()
	assert.NotEmpty(t, validation.IsDNS1123Subdomain(s), "%q is a valid name", s)
}

var deniedCases = []deniedCase{
	// Issuer selection (sync.go issuerForIngressLike → BadConfig).
	{
		name: "issuer and cluster-issuer together", key: an.KeyCMClusterIssuer,
		ann: map[string]string{an.KeyCMIssuer: "ca", an.KeyCMClusterIssuer: "le"},
		cm:  cmBadConfig, msg: `both "cert-manager.io/issuer" and "cert-manager.io/cluster-issuer" may not be set`,
	},
	{
		name: "cluster-issuer with issuer-kind", key: an.KeyCMIssuerKind,
		ann: withIssuer(an.KeyCMIssuerKind, cmapi.ClusterIssuerKind),
		cm:  cmBadConfig, msg: `both "cert-manager.io/cluster-issuer" and "cert-manager.io/issuer-kind" may not be set`,
	},
	{
		name: "cluster-issuer with issuer-group", key: an.KeyCMIssuerGroup,
		ann: withIssuer(an.KeyCMIssuerGroup, "awspca.cert-manager.io"),
		cm:  cmBadConfig, msg: `both "cert-manager.io/cluster-issuer" and "cert-manager.io/issuer-group" may not be set`,
	},
	{
		name: "empty issuer name", key: an.KeyCMIssuer,
		ann: map[string]string{an.KeyCMIssuer: ""},
		cm:  cmBadConfig, msg: "failed to determine issuer name to be used for ingress resource",
	},
	{
		name: "empty cluster-issuer name", key: an.KeyCMClusterIssuer,
		ann: map[string]string{an.KeyCMClusterIssuer: ""},
		cm:  cmBadConfig, msg: "failed to determine issuer name to be used for ingress resource",
	},
	{
		// The shim copies the name; the webhook only requires it non-empty.
		// No Issuer can have this name, so the Certificate is never issued.
		name: "issuer name that is not an object name", key: an.KeyCMIssuer,
		ann: map[string]string{an.KeyCMIssuer: "Lets_Encrypt"},
		cm:  cmMisHandled,
		check: func(t *testing.T, r shimResult) {
			crt := theCertificate(t, r)
			assert.Equal(t, "Lets_Encrypt", crt.Spec.IssuerRef.Name)
			notAName(t, crt.Spec.IssuerRef.Name)
		},
	},
	{
		// validateIssuerRef: in group cert-manager.io only Issuer and
		// ClusterIssuer, case-sensitive.
		name: "issuer-kind in lower case", key: an.KeyCMIssuerKind,
		ann: map[string]string{an.KeyCMIssuer: "ca", an.KeyCMIssuerKind: "issuer"},
		cm:  cmWebhookDenied, msg: `spec.issuerRef.kind: Invalid value: "issuer": must be one of Issuer or ClusterIssuer`,
	},
	{
		// issuer-kind without issuer-group keeps the shim's default group,
		// cert-manager.io, where validateIssuerRef allows only Issuer and
		// ClusterIssuer.
		name: "issuer-kind of an external issuer without issuer-group", key: an.KeyCMIssuerKind,
		ann: map[string]string{an.KeyCMIssuer: "pca", an.KeyCMIssuerKind: "AWSPCAClusterIssuer"},
		cm:  cmWebhookDenied, msg: `spec.issuerRef.kind: Invalid value: "AWSPCAClusterIssuer": must be one of Issuer or ClusterIssuer`,
	},
	{
		name: "issuer-kind of an external issuer with issuer-group cert-manager.io", key: an.KeyCMIssuerKind,
		ann: map[string]string{an.KeyCMIssuer: "pca", an.KeyCMIssuerKind: "AWSPCAClusterIssuer", an.KeyCMIssuerGroup: "cert-manager.io"},
		cm:  cmWebhookDenied, msg: "must be one of Issuer or ClusterIssuer",
	},
	{
		// The webhook does not check groups other than cert-manager.io; no
		// API group has this name, so the Certificate is never issued.
		name: "issuer-group that is not a group name", key: an.KeyCMIssuerGroup,
		ann: map[string]string{an.KeyCMIssuer: "pca", an.KeyCMIssuerKind: "AWSPCAIssuer", an.KeyCMIssuerGroup: "AWS PCA"},
		cm:  cmMisHandled,
		check: func(t *testing.T, r shimResult) {
			crt := theCertificate(t, r)
			assert.Equal(t, "AWS PCA", crt.Spec.IssuerRef.Group)
			notAName(t, crt.Spec.IssuerRef.Group)
		},
	},

	// Durations (helper.go time.ParseDuration; webhook ValidateDuration).
	{
		name: `duration "90d"`, key: an.KeyCMDuration,
		ann: withIssuer(an.KeyCMDuration, "90d"),
		cm:  cmSyncError, msg: `invalid ingress annotation "cert-manager.io/duration": time: unknown unit "d"`,
	},
	{
		name: "duration without a unit", key: an.KeyCMDuration,
		ann: withIssuer(an.KeyCMDuration, "2160"),
		cm:  cmSyncError, msg: `invalid ingress annotation "cert-manager.io/duration": time: missing unit`,
	},
	{
		name: "duration under 1h", key: an.KeyCMDuration,
		ann: withIssuer(an.KeyCMDuration, "30m"),
		cm:  cmWebhookDenied, msg: "spec.duration: Invalid value: 1800000000000: certificate duration must be greater than 1h0m0s",
	},
	{
		name: "renew-before equal to duration", key: an.KeyCMRenewBefore,
		ann: withIssuer(an.KeyCMDuration, "2160h", an.KeyCMRenewBefore, "2160h"),
		cm:  cmWebhookDenied, msg: "certificate duration 2160h0m0s must be greater than renewBefore 2160h0m0s",
	},
	{
		name: "renew-before longer than duration", key: an.KeyCMRenewBefore,
		ann: withIssuer(an.KeyCMDuration, "720h", an.KeyCMRenewBefore, "1000h"),
		cm:  cmWebhookDenied, msg: "certificate duration 720h0m0s must be greater than renewBefore 1000h0m0s",
	},
	{
		name: "renew-before longer than the default duration", key: an.KeyCMRenewBefore,
		ann: withIssuer(an.KeyCMRenewBefore, "2400h"),
		cm:  cmWebhookDenied, msg: "certificate duration 2160h0m0s must be greater than renewBefore 2400h0m0s",
	},
	{
		name: "renew-before under 5m", key: an.KeyCMRenewBefore,
		ann: withIssuer(an.KeyCMRenewBefore, "1m"),
		cm:  cmWebhookDenied, msg: "certificate renewBefore must be greater than 5m0s",
	},
	{
		name: `renew-before "30d"`, key: an.KeyCMRenewBefore,
		ann: withIssuer(an.KeyCMRenewBefore, "30d"),
		cm:  cmSyncError, msg: `invalid ingress annotation "cert-manager.io/renew-before"`,
	},
	{
		name: "renew-before with renew-before-percentage", key: an.KeyCMRenewBeforePercentage,
		ann: withIssuer(an.KeyCMRenewBefore, "720h", an.KeyCMRenewBeforePercentage, "33"),
		cm:  cmWebhookDenied, msg: "renewBefore and renewBeforePercentage are mutually exclusive",
	},
	{
		// Without duration or renew-before the webhook skips ValidateDuration,
		// so it admits 100; the renewal-time code then ignores any
		// percentage outside 1..99 and silently renews at ⅔ of the lifetime.
		name: "renew-before-percentage 100 alone", key: an.KeyCMRenewBeforePercentage,
		ann: withIssuer(an.KeyCMRenewBeforePercentage, "100"),
		cm:  cmMisHandled, check: percentageIgnored(100),
	},
	{
		name: "renew-before-percentage 0 alone", key: an.KeyCMRenewBeforePercentage,
		ann: withIssuer(an.KeyCMRenewBeforePercentage, "0"),
		cm:  cmMisHandled, check: percentageIgnored(0),
	},
	{
		name: "renew-before-percentage 100 with duration", key: an.KeyCMRenewBeforePercentage,
		ann: withIssuer(an.KeyCMDuration, "2160h", an.KeyCMRenewBeforePercentage, "100"),
		cm:  cmWebhookDenied, msg: "certificate renewBeforePercentage must result in a renewBefore greater than 5m0s",
	},
	{
		name: "renew-before-percentage leaving less than 5m", key: an.KeyCMRenewBeforePercentage,
		ann: withIssuer(an.KeyCMDuration, "1h", an.KeyCMRenewBeforePercentage, "99"),
		cm:  cmWebhookDenied, msg: "certificate renewBeforePercentage must result in a renewBefore greater than 5m0s",
	},
	{
		name: `renew-before-percentage "50%"`, key: an.KeyCMRenewBeforePercentage,
		ann: withIssuer(an.KeyCMRenewBeforePercentage, "50%"),
		cm:  cmSyncError, msg: `invalid ingress annotation "cert-manager.io/renew-before-percentage"`,
	},

	// Private key (helper.go translateAnnotations).
	{
		name: `private-key-algorithm "rsa"`, key: an.KeyCMPrivateKeyAlgorithm,
		ann: withIssuer(an.KeyCMPrivateKeyAlgorithm, "rsa"),
		cm:  cmSyncError, msg: `invalid private key algorithm "rsa"`,
	},
	{
		name: `private-key-algorithm "EC"`, key: an.KeyCMPrivateKeyAlgorithm,
		ann: withIssuer(an.KeyCMPrivateKeyAlgorithm, "EC"),
		cm:  cmSyncError, msg: `invalid private key algorithm "EC"`,
	},
	{
		name: "private-key-size 1024 for RSA", key: an.KeyCMPrivateKeySize,
		ann: withIssuer(an.KeyCMPrivateKeySize, "1024"),
		cm:  cmSyncError, msg: `invalid private key size for RSA algorithm "1024"`,
	},
	{
		name: "private-key-size 16384 for RSA", key: an.KeyCMPrivateKeySize,
		ann: withIssuer(an.KeyCMPrivateKeyAlgorithm, "RSA", an.KeyCMPrivateKeySize, "16384"),
		cm:  cmSyncError, msg: `invalid private key size for RSA algorithm "16384"`,
	},
	{
		name: "private-key-size 300 for ECDSA", key: an.KeyCMPrivateKeySize,
		ann: withIssuer(an.KeyCMPrivateKeyAlgorithm, "ECDSA", an.KeyCMPrivateKeySize, "300"),
		cm:  cmSyncError, msg: `invalid private key size for ECDSA algorithm "300"`,
	},
	{
		name: "private-key-size 2048 for ECDSA", key: an.KeyCMPrivateKeySize,
		ann: withIssuer(an.KeyCMPrivateKeyAlgorithm, "ECDSA", an.KeyCMPrivateKeySize, "2048"),
		cm:  cmSyncError, msg: `invalid private key size for ECDSA algorithm "2048"`,
	},
	{
		name: `private-key-size "4k"`, key: an.KeyCMPrivateKeySize,
		ann: withIssuer(an.KeyCMPrivateKeySize, "4k"),
		cm:  cmSyncError, msg: `invalid ingress annotation "cert-manager.io/private-key-size"`,
	},
	{
		name: `private-key-encoding "PKCS#8"`, key: an.KeyCMPrivateKeyEncoding,
		ann: withIssuer(an.KeyCMPrivateKeyEncoding, "PKCS#8"),
		cm:  cmSyncError, msg: `invalid private key encoding "PKCS#8"`,
	},
	{
		name: `private-key-rotation-policy "always"`, key: an.KeyCMPrivateKeyRotationPolicy,
		ann: withIssuer(an.KeyCMPrivateKeyRotationPolicy, "always"),
		cm:  cmSyncError, msg: `invalid private key rotation policy "always"`,
	},

	// Usages and revision history (helper.go translateAnnotations).
	{
		name: `usages "serverAuth"`, key: an.KeyCMUsages,
		ann: withIssuer(an.KeyCMUsages, "serverAuth"),
		cm:  cmSyncError, msg: `invalid key usage name "serverAuth"`,
	},
	{
		name: `usages "server-auth"`, key: an.KeyCMUsages,
		ann: withIssuer(an.KeyCMUsages, "digital signature,server-auth"),
		cm:  cmSyncError, msg: `invalid key usage name "server-auth"`,
	},
	{
		name: "usages with a trailing comma", key: an.KeyCMUsages,
		ann: withIssuer(an.KeyCMUsages, "server auth,"),
		cm:  cmSyncError, msg: `invalid key usage name ""`,
	},
	{
		name: `revision-history-limit "0"`, key: an.KeyCMRevisionHistoryLimit,
		ann: withIssuer(an.KeyCMRevisionHistoryLimit, "0"),
		cm:  cmSyncError, msg: "revision history limit must be a positive number",
	},
	{
		name: `revision-history-limit "ten"`, key: an.KeyCMRevisionHistoryLimit,
		ann: withIssuer(an.KeyCMRevisionHistoryLimit, "ten"),
		cm:  cmSyncError, msg: `invalid ingress annotation "cert-manager.io/revision-history-limit"`,
	},
	{
		name: "revision-history-limit beyond 32 bits", key: an.KeyCMRevisionHistoryLimit,
		ann: withIssuer(an.KeyCMRevisionHistoryLimit, "3000000000"),
		cm:  cmSyncError, msg: "value out of range",
	},

	// SANs and common name (webhook validateIPAddresses,
	// validateEmailAddresses, commonName length; dnsNames are not checked).
	{
		name: `ip-sans "not-an-ip"`, key: an.KeyCMIPSANs,
		ann: withIssuer(an.KeyCMIPSANs, "not-an-ip"),
		cm:  cmWebhookDenied, msg: `spec.ipAddresses[0]: Invalid value: "not-an-ip": invalid IP address`,
	},
	{
		// v1.21.2 does not trim around commas (master does, PR #9160).
		name: "ip-sans with a space after the comma", key: an.KeyCMIPSANs,
		ann: withIssuer(an.KeyCMIPSANs, "10.0.0.1, 10.0.0.2"),
		cm:  cmWebhookDenied, msg: `spec.ipAddresses[1]: Invalid value: " 10.0.0.2": invalid IP address`,
	},
	{
		name: "email-sans with a display name", key: an.KeyCMEmailSANs,
		ann: withIssuer(an.KeyCMEmailSANs, "Ops <ops@example.com>"),
		cm:  cmWebhookDenied, msg: "make sure the supplied value only contains the email address itself",
	},
	{
		name: "email-sans with a space after the comma", key: an.KeyCMEmailSANs,
		ann: withIssuer(an.KeyCMEmailSANs, "ops@example.com, security@example.com"),
		cm:  cmWebhookDenied, msg: `spec.emailAddresses[1]: Invalid value: " security@example.com"`,
	},
	{
		// The shim turns "" into [""] (no empty check for email-sans).
		name: "empty email-sans", key: an.KeyCMEmailSANs,
		ann: withIssuer(an.KeyCMEmailSANs, ""),
		cm:  cmWebhookDenied, msg: `spec.emailAddresses[0]: Invalid value: "": invalid email address`,
	},
	{
		// The webhook does not validate dnsNames: the Certificate asks for
		// an empty DNS name, which no CA issues.
		name: "alt-names with a trailing comma", key: an.KeyCMAltNames,
		ann: withIssuer(an.KeyCMAltNames, "www.example.com,"),
		cm:  cmMisHandled,
		check: func(t *testing.T, r shimResult) {
			assert.Equal(t, []string{"shop.example.com", "www.example.com", ""}, theCertificate(t, r).Spec.DNSNames)
		},
	},
	{
		name: "alt-names with an invalid DNS name", key: an.KeyCMAltNames,
		ann: withIssuer(an.KeyCMAltNames, "www..example.com"),
		cm:  cmMisHandled,
		check: func(t *testing.T, r shimResult) {
			dns := theCertificate(t, r).Spec.DNSNames
			assert.Equal(t, []string{"shop.example.com", "www..example.com"}, dns)
			notAName(t, dns[1])
		},
	},
	{
		name: "common-name over 64 bytes", key: an.KeyCMCommonName,
		ann: withIssuer(an.KeyCMCommonName, strings.Repeat("a", 53)+".example.com"),
		cm:  cmWebhookDenied, msg: "spec.commonName: Too long",
	},
	{
		// 36 characters, 72 bytes: both count bytes.
		name: "common-name over 64 bytes in fewer characters", key: an.KeyCMCommonName,
		ann: withIssuer(an.KeyCMCommonName, strings.Repeat("é", 36)),
		cm:  cmWebhookDenied, msg: "spec.commonName: Too long",
	},

	// Subject (util.SplitWithEscapeCSV).
	{
		name: "subject-organizations with an unterminated quote", key: cmapi.SubjectOrganizationsAnnotationKey,
		ann: withIssuer(cmapi.SubjectOrganizationsAnnotationKey, `"Acme,Inc`),
		cm:  cmSyncError, msg: `invalid ingress annotation "cert-manager.io/subject-organizations": failed to parse`,
	},
	{
		// cert-manager's message names the wrong key (subject-organizations)
		// for organizational-unit errors; portcullis names the right one.
		name: "subject-organizationalunits with an unterminated quote", key: cmapi.SubjectOrganizationalUnitsAnnotationKey,
		ann: withIssuer(cmapi.SubjectOrganizationalUnitsAnnotationKey, `"Web`),
		cm:  cmSyncError, msg: `invalid ingress annotation "cert-manager.io/subject-organizations": failed to parse "\"Web"`,
	},
	{
		name: "subject-countries on two lines", key: cmapi.SubjectCountriesAnnotationKey,
		ann: withIssuer(cmapi.SubjectCountriesAnnotationKey, "NL\nBE"),
		cm:  cmSyncError, msg: "parses as multiple lines of CSV",
	},
	{
		name: "empty subject-localities", key: cmapi.SubjectLocalitiesAnnotationKey,
		ann: withIssuer(cmapi.SubjectLocalitiesAnnotationKey, ""),
		cm:  cmSyncError, msg: "no values found after parsing",
	},

	// Secret template (helper.go JSON decoding; webhook label/annotation checks).
	{
		name: "secret-template with an unknown field", key: an.KeyCMSecretTemplate,
		ann: withIssuer(an.KeyCMSecretTemplate, `{"labels":{"team":"web"},"foo":1}`),
		cm:  cmSyncError, msg: `error parsing secret template JSON: json: unknown field "foo"`,
	},
	{
		name: "secret-template with a cert-manager.io annotation", key: an.KeyCMSecretTemplate,
		ann: withIssuer(an.KeyCMSecretTemplate, `{"annotations":{"cert-manager.io/allow-direct-injection":"true"}}`),
		cm:  cmSyncError, msg: "secretTemplate must not have cert-manager.io/ annotations",
	},
	{
		name: "secret-template with an invalid label value", key: an.KeyCMSecretTemplate,
		ann: withIssuer(an.KeyCMSecretTemplate, `{"labels":{"team":"web team"}}`),
		cm:  cmWebhookDenied, msg: `spec.secretTemplate.labels: Invalid value: "web team"`,
	},
	{
		name: "secret-template with an invalid annotation key", key: an.KeyCMSecretTemplate,
		ann: withIssuer(an.KeyCMSecretTemplate, `{"annotations":{"owner team":"web"}}`),
		cm:  cmWebhookDenied, msg: `spec.secretTemplate.annotations: Invalid value: "owner team"`,
	},
	{
		// The shim decodes the first JSON value and silently drops the rest.
		name: "secret-template with two JSON objects", key: an.KeyCMSecretTemplate,
		ann: withIssuer(an.KeyCMSecretTemplate, `{"labels":{"team":"web"}}{"annotations":{"example.com/owner":"web"}}`),
		cm:  cmMisHandled,
		check: func(t *testing.T, r shimResult) {
			assert.Equal(t, &cmapi.CertificateSecretTemplate{Labels: map[string]string{"team": "web"}}, theCertificate(t, r).Spec.SecretTemplate)
		},
	},

	// ACME HTTP-01 (sync.go setIssuerSpecificConfig).
	{
		// Compared with == "true": the Certificate silently gets no
		// edit-in-place annotations, so the solver creates its own Ingress.
		name: `http01-edit-in-place "yes"`, key: an.KeyCMHTTP01EditInPlace,
		ann: withIssuer(an.KeyCMHTTP01EditInPlace, "yes"),
		cm:  cmMisHandled, check: noEditInPlace,
	},
	{
		name: `http01-edit-in-place "True"`, key: an.KeyCMHTTP01EditInPlace,
		ann: withIssuer(an.KeyCMHTTP01EditInPlace, "True"),
		cm:  cmMisHandled, check: noEditInPlace,
	},
	{
		// The Certificate carries the class verbatim; the solver's Ingress
		// would set it as spec.ingressClassName, which the API server
		// rejects (an IngressClass name).
		name: "http01-ingress-ingressclassname that is not a class name", key: an.KeyCMHTTP01IngressClassName,
		ann: withIssuer(an.KeyCMHTTP01IngressClassName, "Portcullis!"),
		cm:  cmMisHandled,
		check: func(t *testing.T, r shimResult) {
			v := theCertificate(t, r).Annotations[cmacme.ACMECertificateHTTP01IngressClassNameOverride]
			assert.Equal(t, "Portcullis!", v)
			notAName(t, v)
		},
	},

	// Trigger (sync.go hasShimAnnotation: strconv.ParseBool).
	{
		// "yes" is not a ParseBool true: the shim silently ignores the
		// Ingress — no Certificate, no event.
		name: `kubernetes.io/tls-acme "yes"`, key: an.KeyCMTLSACME,
		ann: map[string]string{an.KeyCMTLSACME: "yes"}, defaults: &defaultIssuer,
		cm: cmMisHandled,
		check: func(t *testing.T, r shimResult) {
			assert.Empty(t, r.Certificates, "the Ingress is not synced")
			assert.Empty(t, r.Events)
		},
	},

	// Documented disagreements: portcullis is stricter than cert-manager,
	// which accepts these values and does what they evidently mean.
	{
		// strconv.ParseBool accepts "True", "TRUE", "1", "t".
		name: `DISAGREEMENT kubernetes.io/tls-acme "True"`, key: an.KeyCMTLSACME,
		ann: map[string]string{an.KeyCMTLSACME: "True"}, defaults: &defaultIssuer,
		cm: cmAccepts,
		check: func(t *testing.T, r shimResult) {
			assert.Equal(t, "letsencrypt", theCertificate(t, r).Spec.IssuerRef.Name)
		},
	},
	{
		// Any value other than "true" means "not in place", which is what
		// "false" says. portcullis denies it by design: exactly "true" or
		// absent (docs/annotations.md#cert-manager-cert-managerio-acmecert-managerio-kubernetesiotls-acme).
		name: `DISAGREEMENT http01-edit-in-place "false"`, key: an.KeyCMHTTP01EditInPlace,
		ann: withIssuer(an.KeyCMHTTP01EditInPlace, "false"),
		cm:  cmAccepts, check: noEditInPlace,
	},
	{
		// The shim skips empty alt-names and ip-sans, and empty
		// http01-ingress-class: the same as leaving them out.
		name: "DISAGREEMENT empty alt-names", key: an.KeyCMAltNames,
		ann: withIssuer(an.KeyCMAltNames, ""),
		cm:  cmAccepts,
		check: func(t *testing.T, r shimResult) {
			assert.Equal(t, []string{"shop.example.com"}, theCertificate(t, r).Spec.DNSNames)
		},
	},
	{
		name: "DISAGREEMENT empty ip-sans", key: an.KeyCMIPSANs,
		ann: withIssuer(an.KeyCMIPSANs, ""),
		cm:  cmAccepts,
		check: func(t *testing.T, r shimResult) {
			assert.Empty(t, theCertificate(t, r).Spec.IPAddresses)
		},
	},
	{
		name: "DISAGREEMENT empty http01-ingress-class", key: an.KeyCMHTTP01IngressClass,
		ann: withIssuer(an.KeyCMHTTP01IngressClass, ""),
		cm:  cmAccepts,
		check: func(t *testing.T, r shimResult) {
			assert.NotContains(t, theCertificate(t, r).Annotations, cmacme.ACMECertificateHTTP01IngressClassOverride)
		},
	},
	{
		// strconv.ParseInt accepts a leading "+".
		name: `DISAGREEMENT revision-history-limit "+3"`, key: an.KeyCMRevisionHistoryLimit,
		ann: withIssuer(an.KeyCMRevisionHistoryLimit, "+3"),
		cm:  cmAccepts,
		check: func(t *testing.T, r shimResult) {
			assert.Equal(t, ptr(int32(3)), theCertificate(t, r).Spec.RevisionHistoryLimit)
		},
	},
	{
		// Neither the shim nor the webhook bounds subject.serialNumber;
		// portcullis applies X.509's ub-serial-number (64).
		name: "DISAGREEMENT subject-serialnumber over 64 bytes", key: cmapi.SubjectSerialNumberAnnotationKey,
		ann: withIssuer(cmapi.SubjectSerialNumberAnnotationKey, strings.Repeat("7", 70)),
		cm:  cmAccepts,
		check: func(t *testing.T, r shimResult) {
			assert.Len(t, theCertificate(t, r).Spec.Subject.SerialNumber, 70)
		},
	},
}

// percentageIgnored checks that the Certificate asks for renewBeforePercentage
// pct and that cert-manager's renewal-time calculation (pkg/util/pki
// RenewalTime, used by its readiness and trigger controllers) renews exactly
// as if it were absent.
func percentageIgnored(pct int32) func(*testing.T, shimResult) {
	return func(t *testing.T, r shimResult) {
		crt := theCertificate(t, r)
		require.Equal(t, ptr(pct), crt.Spec.RenewBeforePercentage)
		notBefore := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		notAfter := notBefore.Add(cmapi.DefaultCertificateDuration)
		asked, err := pki.RenewalTime(notBefore, notAfter, nil, crt.Spec.RenewBeforePercentage, nil)
		require.NoError(t, err)
		absent, err := pki.RenewalTime(notBefore, notAfter, nil, nil, nil)
		require.NoError(t, err)
		assert.Equal(t, absent, asked, "renewBeforePercentage %d is not ignored", pct)
	}
}

func noEditInPlace(t *testing.T, r shimResult) {
	crt := theCertificate(t, r)
	assert.NotContains(t, crt.Annotations, cmacme.ACMECertificateHTTP01IngressNameOverride)
	assert.NotContains(t, crt.Annotations, cmapi.IssueTemporaryCertificateAnnotation)
}

// TestCertManagerParityDuplicateSecretName: two TLS entries sharing a
// secret. cert-manager's shim refuses the whole Ingress (validateIngressLike,
// checkForDuplicateSecretNames) and creates no Certificate; portcullis refuses
// it on the second entry's secretName.
func TestCertManagerParityDuplicateSecretName(t *testing.T) {
	w := startWebhook(t)
	ing := newIngress(withIssuer(), []networkingv1.IngressTLS{
		{Hosts: []string{"shop.example.com"}, SecretName: "shop-tls"},
		{Hosts: []string{"www.shop.example.com"}, SecretName: "shop-tls"},
	})
	fs := portcullisVerdict(t, ing)
	require.False(t, fs.Allowed())
	assert.Equal(t, "spec.tls[1].secretName", fs.Errors[0].Field)
	r := runShim(t, ing, shimDefaults())
	assert.Empty(t, r.Certificates)
	assertOutcome(t, w, r, cmBadConfig, "this secret name must only appear in a single TLS entry", nil)
}

func TestCertManagerParityDenied(t *testing.T) {
	w := startWebhook(t)

	for _, tc := range deniedCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ing := newIngress(tc.ann, nil)

			fs := portcullisVerdict(t, ing)
			assert.False(t, fs.Allowed(), "portcullis allows")
			assert.NotEmpty(t, annotationErrors(fs, tc.key), "no error on %s; errors: %v", an.Path(tc.key), fs.Errors)

			defaults := shimDefaults()
			if tc.defaults != nil {
				defaults = *tc.defaults
			}
			assertOutcome(t, w, runShim(t, ing, defaults), tc.cm, tc.msg, tc.check)
		})
	}
}

package parity

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	cmacme "github.com/cert-manager/cert-manager/pkg/apis/acme/v1"
	cmapi "github.com/cert-manager/cert-manager/pkg/apis/certmanager/v1"
	cmmeta "github.com/cert-manager/cert-manager/pkg/apis/meta/v1"
	"github.com/cert-manager/cert-manager/pkg/controller"
	"github.com/cert-manager/cert-manager/pkg/util/pki"

	an "github.com/seed-d040b84d/portcullis/lib/annotations"
)

// allowedCase is an Ingress portcullis admits.
type allowedCase struct {
	name string
	ann  map[string]string
	// tls is the Ingress's spec.tls; nil is one entry, shop.example.com → shop-tls.
	tls []networkingv1.IngressTLS
	// defaults are the shim's controller flags; nil is cert-manager's defaults.
	defaults *controller.IngressShimOptions
	// issuer is the expected issuerRef; nil is ClusterIssuer "le".
	issuer *cmmeta.IssuerReference
	// extraDNS are the DNS names appended after the TLS hosts (alt-names).
	extraDNS []string
	// check looks at each Certificate for the field the annotation sets.
	check func(t *testing.T, crt *cmapi.Certificate)
}

func dur(s string) *metav1.Duration {
	d, err := time.ParseDuration(s)
	if err != nil {
		panic(err)
	}
	return &metav1.Duration{Duration: d}
}

func ptr[T any](v T) *T { return &v }

var defaultIssuer = withDefaultIssuer("letsencrypt", cmapi.ClusterIssuerKind)

// allowedCases cover every annotation cert-manager's ingress-shim reads on an
// Ingress, with valid values.
var allowedCases = []allowedCase{
	{name: "cluster-issuer", ann: withIssuer()},
	{
		name:   "issuer",
		ann:    map[string]string{an.KeyCMIssuer: "ca-issuer.v2"},
		issuer: &cmmeta.IssuerReference{Name: "ca-issuer.v2", Kind: cmapi.IssuerKind, Group: "cert-manager.io"},
	},
	{
		name: "issuer with issuer-kind and issuer-group (external issuer)",
		ann: map[string]string{
			an.KeyCMIssuer: "pca", an.KeyCMIssuerKind: "AWSPCAClusterIssuer", an.KeyCMIssuerGroup: "awspca.cert-manager.io",
		},
		issuer: &cmmeta.IssuerReference{Name: "pca", Kind: "AWSPCAClusterIssuer", Group: "awspca.cert-manager.io"},
	},
	{
		name:   "issuer with issuer-kind ClusterIssuer",
		ann:    map[string]string{an.KeyCMIssuer: "le", an.KeyCMIssuerKind: cmapi.ClusterIssuerKind},
		issuer: &clusterIssuer,
	},
	{
		name:   "issuer with issuer-group only",
		ann:    map[string]string{an.KeyCMIssuer: "step", an.KeyCMIssuerGroup: "certmanager.step.sm"},
		issuer: &cmmeta.IssuerReference{Name: "step", Kind: cmapi.IssuerKind, Group: "certmanager.step.sm"},
	},
	{
		name: "common-name",
		ann:  withIssuer(an.KeyCMCommonName, "shop.example.com"),
		check: func(t *testing.T, crt *cmapi.Certificate) {
			assert.Equal(t, "shop.example.com", crt.Spec.CommonName)
		},
	},
	{
		name: "common-name of exactly 64 bytes",
		ann:  withIssuer(an.KeyCMCommonName, strings.Repeat("a", 52)+".example.com"),
		check: func(t *testing.T, crt *cmapi.Certificate) {
			assert.Len(t, crt.Spec.CommonName, 64)
		},
	},
	{
		name:     "alt-names",
		ann:      withIssuer(an.KeyCMAltNames, "www.example.com,*.example.org"),
		extraDNS: []string{"www.example.com", "*.example.org"},
	},
	{
		name: "ip-sans",
		ann:  withIssuer(an.KeyCMIPSANs, "10.0.0.1,2001:db8::1"),
		check: func(t *testing.T, crt *cmapi.Certificate) {
			assert.Equal(t, []string{"10.0.0.1", "2001:db8::1"}, crt.Spec.IPAddresses)
		},
	},
	{
		name: "email-sans",
		ann:  withIssuer(an.KeyCMEmailSANs, "ops@example.com,security@example.com"),
		check: func(t *testing.T, crt *cmapi.Certificate) {
			assert.Equal(t, []string{"ops@example.com", "security@example.com"}, crt.Spec.EmailAddresses)
		},
	},
	{
		// cert-manager.io/uri-sans is a Certificate/Secret annotation: the shim
		// does not read it on an Ingress. portcullis admits it with a warning
		// that it is ignored, and cert-manager indeed ignores it.
		name: "uri-sans (ignored by both)",
		ann:  withIssuer(cmapi.URISANAnnotationKey, "spiffe://example.org/shop"),
		check: func(t *testing.T, crt *cmapi.Certificate) {
			assert.Empty(t, crt.Spec.URIs, "the shim does not read uri-sans")
		},
	},
	{
		name: "duration and renew-before",
		ann:  withIssuer(an.KeyCMDuration, "2160h", an.KeyCMRenewBefore, "720h"),
		check: func(t *testing.T, crt *cmapi.Certificate) {
			assert.Equal(t, dur("2160h"), crt.Spec.Duration)
			assert.Equal(t, dur("720h"), crt.Spec.RenewBefore)
		},
	},
	{
		name: "minimum duration and renew-before",
		ann:  withIssuer(an.KeyCMDuration, "1h", an.KeyCMRenewBefore, "5m"),
		check: func(t *testing.T, crt *cmapi.Certificate) {
			assert.Equal(t, dur("1h"), crt.Spec.Duration)
			assert.Equal(t, dur("5m"), crt.Spec.RenewBefore)
		},
	},
	{
		name: "renew-before alone, under the default 90 days",
		ann:  withIssuer(an.KeyCMRenewBefore, "2159h"),
		check: func(t *testing.T, crt *cmapi.Certificate) {
			assert.Nil(t, crt.Spec.Duration)
			assert.Equal(t, dur("2159h"), crt.Spec.RenewBefore)
		},
	},
	{
		name: "renew-before-percentage",
		ann:  withIssuer(an.KeyCMRenewBeforePercentage, "33"),
		check: func(t *testing.T, crt *cmapi.Certificate) {
			assert.Equal(t, ptr(int32(33)), crt.Spec.RenewBeforePercentage)
		},
	},
	{
		name: "renew-before-percentage with duration",
		ann:  withIssuer(an.KeyCMDuration, "1h", an.KeyCMRenewBeforePercentage, "90"),
		check: func(t *testing.T, crt *cmapi.Certificate) {
			assert.Equal(t, ptr(int32(90)), crt.Spec.RenewBeforePercentage)
		},
	},
	{
		// cert-manager renews when pct% of the lifetime is left (pkg/util/pki
		// RenewalTime); its webhook's 5m minimum applies to the other
		// (100-pct)%, the time from issuance to renewal. So 1% of 1h is
		// admitted by both and renews 36s before expiry.
		name: "renew-before-percentage 1 with duration 1h",
		ann:  withIssuer(an.KeyCMDuration, "1h", an.KeyCMRenewBeforePercentage, "1"),
		check: func(t *testing.T, crt *cmapi.Certificate) {
			notBefore := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
			notAfter := notBefore.Add(crt.Spec.Duration.Duration)
			renewal, err := pki.RenewalTime(notBefore, notAfter, nil, crt.Spec.RenewBeforePercentage, nil)
			require.NoError(t, err)
			assert.Equal(t, 36*time.Second, notAfter.Sub(renewal.Time))
		},
	},
	{
		name: "usages",
		ann:  withIssuer(an.KeyCMUsages, "digital signature,key encipherment,server auth"),
		check: func(t *testing.T, crt *cmapi.Certificate) {
			assert.Equal(t, []cmapi.KeyUsage{cmapi.UsageDigitalSignature, cmapi.UsageKeyEncipherment, cmapi.UsageServerAuth}, crt.Spec.Usages)
		},
	},
	{
		name: "usages with spaces after commas",
		ann:  withIssuer(an.KeyCMUsages, "server auth, client auth"),
		check: func(t *testing.T, crt *cmapi.Certificate) {
			assert.Equal(t, []cmapi.KeyUsage{cmapi.UsageServerAuth, cmapi.UsageClientAuth}, crt.Spec.Usages)
		},
	},
	{
		name: "revision-history-limit",
		ann:  withIssuer(an.KeyCMRevisionHistoryLimit, "3"),
		check: func(t *testing.T, crt *cmapi.Certificate) {
			assert.Equal(t, ptr(int32(3)), crt.Spec.RevisionHistoryLimit)
		},
	},
	{
		name: "private key ECDSA 384 PKCS8 Always",
		ann: withIssuer(an.KeyCMPrivateKeyAlgorithm, "ECDSA", an.KeyCMPrivateKeySize, "384",
			an.KeyCMPrivateKeyEncoding, "PKCS8", an.KeyCMPrivateKeyRotationPolicy, "Always"),
		check: func(t *testing.T, crt *cmapi.Certificate) {
			assert.Equal(t, &cmapi.CertificatePrivateKey{Algorithm: cmapi.ECDSAKeyAlgorithm, Size: 384, Encoding: cmapi.PKCS8, RotationPolicy: cmapi.RotationPolicyAlways}, crt.Spec.PrivateKey)
		},
	},
	{
		name: "private key RSA 4096 PKCS1 Never",
		ann: withIssuer(an.KeyCMPrivateKeyAlgorithm, "RSA", an.KeyCMPrivateKeySize, "4096",
			an.KeyCMPrivateKeyEncoding, "PKCS1", an.KeyCMPrivateKeyRotationPolicy, "Never"),
		check: func(t *testing.T, crt *cmapi.Certificate) {
			assert.Equal(t, &cmapi.CertificatePrivateKey{Algorithm: cmapi.RSAKeyAlgorithm, Size: 4096, Encoding: cmapi.PKCS1, RotationPolicy: cmapi.RotationPolicyNever}, crt.Spec.PrivateKey)
		},
	},
	{
		name: "private-key-size alone is an RSA size",
		ann:  withIssuer(an.KeyCMPrivateKeySize, "8192"),
		check: func(t *testing.T, crt *cmapi.Certificate) {
			assert.Equal(t, &cmapi.CertificatePrivateKey{Size: 8192}, crt.Spec.PrivateKey)
		},
	},
	{
		name: "private key Ed25519",
		ann:  withIssuer(an.KeyCMPrivateKeyAlgorithm, "Ed25519"),
		check: func(t *testing.T, crt *cmapi.Certificate) {
			assert.Equal(t, &cmapi.CertificatePrivateKey{Algorithm: cmapi.Ed25519KeyAlgorithm}, crt.Spec.PrivateKey)
		},
	},
	{
		name: "subject annotations",
		ann: withIssuer(
			cmapi.SubjectOrganizationsAnnotationKey, `Acme,"Example, Inc"`,
			cmapi.SubjectOrganizationalUnitsAnnotationKey, "Web,Ops",
			cmapi.SubjectCountriesAnnotationKey, "NL",
			cmapi.SubjectProvincesAnnotationKey, "Noord-Holland",
			cmapi.SubjectLocalitiesAnnotationKey, "Amsterdam",
			cmapi.SubjectPostalCodesAnnotationKey, "1011 AB",
			cmapi.SubjectStreetAddressesAnnotationKey, `"Dam 1, floor 2"`,
			cmapi.SubjectSerialNumberAnnotationKey, "1234,5678",
		),
		check: func(t *testing.T, crt *cmapi.Certificate) {
			assert.Equal(t, &cmapi.X509Subject{
				Organizations:       []string{"Acme", "Example, Inc"},
				OrganizationalUnits: []string{"Web", "Ops"},
				Countries:           []string{"NL"},
				Provinces:           []string{"Noord-Holland"},
				Localities:          []string{"Amsterdam"},
				PostalCodes:         []string{"1011 AB"},
				StreetAddresses:     []string{"Dam 1, floor 2"},
				SerialNumber:        "1234,5678",
			}, crt.Spec.Subject)
		},
	},
	{
		name: "secret-template",
		ann:  withIssuer(an.KeyCMSecretTemplate, `{"labels":{"team":"web"},"annotations":{"example.com/owner":"web"}}`),
		check: func(t *testing.T, crt *cmapi.Certificate) {
			assert.Equal(t, &cmapi.CertificateSecretTemplate{
				Labels: map[string]string{"team": "web"}, Annotations: map[string]string{"example.com/owner": "web"},
			}, crt.Spec.SecretTemplate)
		},
	},
	{
		name: "http01-edit-in-place true",
		ann:  withIssuer(an.KeyCMHTTP01EditInPlace, "true"),
		check: func(t *testing.T, crt *cmapi.Certificate) {
			assert.Equal(t, ingressName, crt.Annotations[cmacme.ACMECertificateHTTP01IngressNameOverride])
			assert.Equal(t, "true", crt.Annotations[cmapi.IssueTemporaryCertificateAnnotation])
		},
	},
	{
		name: "http01-ingress-class",
		ann:  withIssuer(an.KeyCMHTTP01IngressClass, className),
		check: func(t *testing.T, crt *cmapi.Certificate) {
			assert.Equal(t, className, crt.Annotations[cmacme.ACMECertificateHTTP01IngressClassOverride])
		},
	},
	{
		name: "http01-ingress-ingressclassname",
		ann:  withIssuer(an.KeyCMHTTP01IngressClassName, className),
		check: func(t *testing.T, crt *cmapi.Certificate) {
			assert.Equal(t, className, crt.Annotations[cmacme.ACMECertificateHTTP01IngressClassNameOverride])
		},
	},
	{
		name:     "kubernetes.io/tls-acme with a default issuer",
		ann:      map[string]string{an.KeyCMTLSACME: "true"},
		defaults: &defaultIssuer,
		issuer:   &cmmeta.IssuerReference{Name: "letsencrypt", Kind: cmapi.ClusterIssuerKind, Group: "cert-manager.io"},
	},
	{
		name:     "kubernetes.io/tls-acme with issuer-kind over the default",
		ann:      map[string]string{an.KeyCMTLSACME: "true", an.KeyCMIssuerKind: cmapi.IssuerKind},
		defaults: &defaultIssuer,
		issuer:   &cmmeta.IssuerReference{Name: "letsencrypt", Kind: cmapi.IssuerKind, Group: "cert-manager.io"},
	},
	{
		name: "two TLS entries, several hosts, a repeated host",
		ann:  withIssuer(),
		tls: []networkingv1.IngressTLS{
			{Hosts: []string{"shop.example.com", "www.shop.example.com", "shop.example.com"}, SecretName: "shop-tls"},
			{Hosts: []string{"api.example.com"}, SecretName: "api-tls"},
		},
	},
	{
		name: "every per-certificate annotation at once",
		ann: withIssuer(
			an.KeyCMCommonName, "shop.example.com",
			an.KeyCMAltNames, "www.example.com",
			an.KeyCMIPSANs, "192.0.2.10",
			an.KeyCMEmailSANs, "ops@example.com",
			an.KeyCMDuration, "720h",
			an.KeyCMRenewBefore, "240h",
			an.KeyCMUsages, "digital signature,key encipherment,server auth",
			an.KeyCMRevisionHistoryLimit, "5",
			an.KeyCMPrivateKeyAlgorithm, "ECDSA",
			an.KeyCMPrivateKeySize, "256",
			an.KeyCMPrivateKeyEncoding, "PKCS8",
			an.KeyCMPrivateKeyRotationPolicy, "Always",
			cmapi.SubjectOrganizationsAnnotationKey, "Acme",
			cmapi.SubjectCountriesAnnotationKey, "NL",
			an.KeyCMSecretTemplate, `{"labels":{"team":"web"}}`,
			an.KeyCMHTTP01EditInPlace, "true",
			an.KeyCMHTTP01IngressClass, className,
		),
		extraDNS: []string{"www.example.com"},
		check: func(t *testing.T, crt *cmapi.Certificate) {
			assert.Equal(t, "shop.example.com", crt.Spec.CommonName)
			assert.Equal(t, []string{"192.0.2.10"}, crt.Spec.IPAddresses)
			assert.Equal(t, dur("240h"), crt.Spec.RenewBefore)
			assert.Equal(t, ptr(int32(5)), crt.Spec.RevisionHistoryLimit)
			assert.Equal(t, cmapi.ECDSAKeyAlgorithm, crt.Spec.PrivateKey.Algorithm)
			assert.Equal(t, ingressName, crt.Annotations[cmacme.ACMECertificateHTTP01IngressNameOverride])
		},
	},
}

// warnedCase is an Ingress portcullis admits with a warning on a TLS entry
// that cert-manager skips with a BadConfig event (docs/reference.md#tls-secrets:
// TLS entries without a secretName on an Ingress with an issuer → warn).
type warnedCase struct {
	name string
	tls  []networkingv1.IngressTLS
	// path is the TLS entry's field path both name.
	path string
	// created are the Certificates cert-manager still creates.
	created []string
}

var warnedCases = []warnedCase{
	{
		name: "TLS entry without secretName",
		tls: []networkingv1.IngressTLS{
			{Hosts: []string{"shop.example.com"}, SecretName: "shop-tls"},
			{Hosts: []string{"api.example.com"}},
		},
		path: "spec.tls[1]", created: []string{"shop-tls"},
	},
	{
		name: "TLS entry without hosts",
		tls: []networkingv1.IngressTLS{
			{SecretName: "wild-tls"},
			{Hosts: []string{"shop.example.com"}, SecretName: "shop-tls"},
		},
		path: "spec.tls[0]", created: []string{"shop-tls"},
	},
}

// disagreementCase is an Ingress portcullis ADMITS that cert-manager refuses:
// each is a known disagreement, asserted so that fixing it breaks the row
// (move it to the denied table then).
type disagreementCase struct {
	name     string
	ann      map[string]string
	tls      []networkingv1.IngressTLS
	defaults *controller.IngressShimOptions
	// cm is cert-manager's outcome (cmBadConfig or cmWebhookDenied) and msg a
	// substring of its message.
	cm  cmOutcome
	msg string
}

var allowedDisagreements = []disagreementCase{
	{
		// cert-manager's own default: no --default-issuer-name. The shim then
		// cannot pick an issuer for kubernetes.io/tls-acme: "true". portcullis
		// cannot see cert-manager's flags (its mutating webhook may add an
		// issuer from its own default-issuer setting; lib/validate alone does not warn).
		name: "kubernetes.io/tls-acme without a cert-manager default issuer",
		ann:  map[string]string{an.KeyCMTLSACME: "true"},
		cm:   cmBadConfig, msg: "failed to determine issuer name to be used for ingress resource",
	},
}

func TestCertManagerParityAllowed(t *testing.T) {
	w := startWebhook(t)

	for _, tc := range allowedCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ing := newIngress(tc.ann, tc.tls)

			fs := portcullisVerdict(t, ing)
			assert.True(t, fs.Allowed(), "portcullis denies: %v", fs.Errors)

			defaults := shimDefaults()
			if tc.defaults != nil {
				defaults = *tc.defaults
			}
			issuer := clusterIssuer
			if tc.issuer != nil {
				issuer = *tc.issuer
			}
			r := runShim(t, ing, defaults)
			require.NoError(t, r.Err, "cert-manager's SyncFn")
			assert.Empty(t, r.badConfig(), "BadConfig events")
			assert.Empty(t, r.warnings(), "Warning events")
			assert.Len(t, withReason(r.Events, reasonCreateCertificate), len(ing.Spec.TLS), "CreateCertificate events: %q", r.Events)
			require.Len(t, r.Certificates, len(ing.Spec.TLS), "one Certificate per TLS secretName")
			for _, entry := range ing.Spec.TLS {
				crt := r.Certificates[entry.SecretName]
				require.NotNil(t, crt, "Certificate %s", entry.SecretName)
				assertCertificateFor(t, crt, entry, issuer, tc.extraDNS)
				if tc.check != nil {
					tc.check(t, crt)
				}
			}
			assert.Empty(t, w.denials(t, r), "cert-manager's webhook denies the Certificates")

			// The shim is stable: a resync against its own Certificates
			// neither updates nor complains.
			assert.NoError(t, r.ResyncErr)
			assert.Empty(t, r.Resync, "events on resync")
		})
	}

	for _, tc := range warnedCases {
		t.Run("warned/"+tc.name, func(t *testing.T) {
			t.Parallel()
			ing := newIngress(withIssuer(), tc.tls)

			fs := portcullisVerdict(t, ing)
			assert.True(t, fs.Allowed(), "portcullis denies: %v", fs.Errors)
			var warned bool
			for _, wn := range fs.Warnings {
				warned = warned || strings.HasPrefix(wn.Field, tc.path)
			}
			assert.True(t, warned, "portcullis warns on %s: %v", tc.path, fs.Warnings)

			r := runShim(t, ing, shimDefaults())
			require.NoError(t, r.Err)
			bad := r.badConfig()
			require.Len(t, bad, 1, "events: %q", r.Events)
			assert.Contains(t, bad[0], "Skipped a TLS block: "+tc.path)
			assert.ElementsMatch(t, tc.created, keys(r.Certificates))
			assert.Empty(t, w.denials(t, r))
		})
	}

	for _, tc := range allowedDisagreements {
		t.Run("disagreement/"+tc.name, func(t *testing.T) {
			t.Parallel()
			ing := newIngress(tc.ann, tc.tls)

			fs := portcullisVerdict(t, ing)
			assert.True(t, fs.Allowed(), "portcullis now denies (%v): the disagreement is fixed, move this row to the denied table", fs.Errors)

			defaults := shimDefaults()
			if tc.defaults != nil {
				defaults = *tc.defaults
			}
			assertOutcome(t, w, runShim(t, ing, defaults), tc.cm, tc.msg, nil)
		})
	}
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

package nginxpolicy

import (
	"slices"

	"k8s.io/apimachinery/pkg/util/validation/field"

	v1 "github.com/seed-d040b84d/portcullis/lib/apis/k8snginx/v1"
	"github.com/seed-d040b84d/portcullis/lib/findings"
)

// VerifyClient is NGINX's ssl_verify_client mode.
type VerifyClient string

// The ssl_verify_client modes an ingressMTLS policy may ask for.
const (
	// VerifyClientOn requires a client certificate that verifies.
	VerifyClientOn VerifyClient = "on"
	// VerifyClientOff does not ask for a client certificate.
	VerifyClientOff VerifyClient = "off"
	// VerifyClientOptional asks for a certificate and verifies it if sent.
	VerifyClientOptional VerifyClient = "optional"
	// VerifyClientOptionalNoCA asks for a certificate and does not verify it.
	VerifyClientOptionalNoCA VerifyClient = "optional_no_ca"
)

var verifyClientValues = []string{
	string(VerifyClientOn), string(VerifyClientOff), string(VerifyClientOptional), string(VerifyClientOptionalNoCA),
}

// DefaultVerifyDepth is NGINX's default for verifyDepth in both mTLS policies.
const DefaultVerifyDepth = 1

// IngressMTLS is a valid spec.ingressMTLS with defaults applied.
type IngressMTLS struct {
	// CASecret names the nginx.org/ca Secret, in the Policy's namespace,
	// that verifies client certificates. Empty only with VerifyClientOptionalNoCA.
	CASecret string
	// Verify is the ssl_verify_client mode; "on" when the Policy leaves it out.
	Verify VerifyClient
	// Depth is the ssl_verify_depth; 1 when the Policy leaves it out.
	Depth int
}

func normalizeIngressMTLS(m *v1.IngressMTLS, path *field.Path, f *findings.Set) *IngressMTLS {
	out := &IngressMTLS{CASecret: m.ClientCertSecret, Verify: VerifyClientOn, Depth: DefaultVerifyDepth}

	// NGINX requires the CA even for optional_no_ca, which never uses it
	// (kubernetes-ingress #9147); portcullis does not.
	secretPath := path.Child("clientCertSecret")
	if m.ClientCertSecret == "" {
		if m.VerifyClient != string(VerifyClientOptionalNoCA) {
			f.Required(secretPath, "the name of an nginx.org/ca Secret in the Policy's namespace, whose ca.crt verifies "+
				"client certificates; only verifyClient optional_no_ca works without one")
		}
	} else {
		checkSecretName(secretPath, m.ClientCertSecret, f)
	}

	verifyPath := path.Child("verifyClient")
	switch {
	case m.VerifyClient == "":
	case slices.Contains(verifyClientValues, m.VerifyClient):
		out.Verify = VerifyClient(m.VerifyClient)
	case m.VerifyClient == "true" || m.VerifyClient == "false":
		f.Errorf(verifyPath, m.VerifyClient, "got %q: an unquoted YAML on or off is a boolean, not the string this field takes; "+
			"quote it (verifyClient: \"on\"); allowed: %s", m.VerifyClient, findings.QuoteList(verifyClientValues))
	default:
		f.NotSupported(verifyPath, m.VerifyClient, verifyClientValues)
	}
	if out.Verify == VerifyClientOff {
		f.Warn(verifyPath, `verifyClient is "off": clients are not asked for a certificate, so this policy enforces nothing`)
	}

	if m.VerifyDepth != nil {
		out.Depth = checkDepth(path.Child("verifyDepth"), *m.VerifyDepth, f)
	}

	if m.CRLFileName != "" {
		f.Errorf(path.Child("crlFileName"), m.CRLFileName, "got %q: crlFileName is not supported by portcullis, because it "+
			"names a file on the NGINX pod; put the CRL in the ca.crl key of the clientCertSecret Secret instead", m.CRLFileName)
	}
	return out
}

// checkDepth returns a verification depth, reporting a negative one.
func checkDepth(path *field.Path, depth int, f *findings.Set) int {
	if depth < 0 {
		f.Errorf(path, depth, "got %d; the verification depth must be 0 or more (default %d)", depth, DefaultVerifyDepth)
	}
	return depth
}

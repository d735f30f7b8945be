package v1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// Policy is NGINX Inc's Policy resource. Its spec sets exactly one policy type.
//
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=pol
type Policy struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   PolicySpec   `json:"spec"`
	Status PolicyStatus `json:"status,omitempty"`
}

// PolicyList is a list of Policies.
//
// +kubebuilder:object:root=true
type PolicyList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`

	Items []Policy `json:"items"`
}

// PolicySpec has one optional field per policy type; a valid Policy sets
// exactly one of them. The field names are NGINX's.
//
// Only IngressMTLS and EgressMTLS are modelled. Every other type NGINX defines
// is held as raw JSON: portcullis refuses it, but must decode it, name it in
// the refusal and write it back unchanged.
type PolicySpec struct {
	// IngressClassName selects the NGINX Ingress Controller instance that
	// handles the Policy.
	IngressClassName string `json:"ingressClassName,omitempty"`

	// IngressMTLS configures client certificate verification.
	IngressMTLS *IngressMTLS `json:"ingressMTLS,omitempty"`
	// EgressMTLS configures authentication to, and verification of, TLS upstreams.
	EgressMTLS *EgressMTLS `json:"egressMTLS,omitempty"`

	// The policy types below are not supported by portcullis.

	AccessControl *runtime.RawExtension `json:"accessControl,omitempty"`
	RateLimit     *runtime.RawExtension `json:"rateLimit,omitempty"`
	JWT           *runtime.RawExtension `json:"jwt,omitempty"`
	BasicAuth     *runtime.RawExtension `json:"basicAuth,omitempty"`
	OIDC          *runtime.RawExtension `json:"oidc,omitempty"`
	WAF           *runtime.RawExtension `json:"waf,omitempty"`
	APIKey        *runtime.RawExtension `json:"apiKey,omitempty"`
	Cache         *runtime.RawExtension `json:"cache,omitempty"`
	CORS          *runtime.RawExtension `json:"cors,omitempty"`
	ExternalAuth  *runtime.RawExtension `json:"externalAuth,omitempty"`
	HSTS          *runtime.RawExtension `json:"hsts,omitempty"`
}

// The JSON names of the policy types, as they appear under spec.
const (
	TypeIngressMTLS   = "ingressMTLS"
	TypeEgressMTLS    = "egressMTLS"
	TypeAccessControl = "accessControl"
	TypeRateLimit     = "rateLimit"
	TypeJWT           = "jwt"
	TypeBasicAuth     = "basicAuth"
	TypeOIDC          = "oidc"
	TypeWAF           = "waf"
	TypeAPIKey        = "apiKey"
	TypeCache         = "cache"
	TypeCORS          = "cors"
	TypeExternalAuth  = "externalAuth"
	TypeHSTS          = "hsts"
)

// PolicyTypes lists every policy type NGINX defines, in the order NGINX's
// types.go declares them.
var PolicyTypes = []string{
	TypeAccessControl, TypeRateLimit, TypeJWT, TypeBasicAuth, TypeIngressMTLS, TypeEgressMTLS,
	TypeOIDC, TypeWAF, TypeAPIKey, TypeCache, TypeCORS, TypeExternalAuth, TypeHSTS,
}

// SetTypes returns the JSON names of the policy types that s sets (non-nil),
// in the order of PolicyTypes.
func (s *PolicySpec) SetTypes() []string {
	set := map[string]bool{
		TypeAccessControl: s.AccessControl != nil,
		TypeRateLimit:     s.RateLimit != nil,
		TypeJWT:           s.JWT != nil,
		TypeBasicAuth:     s.BasicAuth != nil,
		TypeIngressMTLS:   s.IngressMTLS != nil,
		TypeEgressMTLS:    s.EgressMTLS != nil,
		TypeOIDC:          s.OIDC != nil,
		TypeWAF:           s.WAF != nil,
		TypeAPIKey:        s.APIKey != nil,
		TypeCache:         s.Cache != nil,
		TypeCORS:          s.CORS != nil,
		TypeExternalAuth:  s.ExternalAuth != nil,
		TypeHSTS:          s.HSTS != nil,
	}
	var out []string
	for _, t := range PolicyTypes {
		if set[t] {
			out = append(out, t)
		}
	}
	return out
}

// IngressMTLS configures verification of client certificates (NGINX's
// ssl_client_certificate, ssl_verify_client and ssl_verify_depth).
type IngressMTLS struct {
	// ClientCertSecret names an nginx.org/ca Secret in the Policy's namespace
	// whose ca.crt verifies client certificates.
	ClientCertSecret string `json:"clientCertSecret,omitempty"`
	// VerifyClient is "on", "off", "optional" or "optional_no_ca"; empty means "on".
	VerifyClient string `json:"verifyClient,omitempty"`
	// VerifyDepth is the client certificate chain depth; nil means 1.
	VerifyDepth *int `json:"verifyDepth,omitempty"`
	// CRLFileName names a CRL file on the NGINX pod. portcullis refuses it.
	CRLFileName string `json:"crlFileName,omitempty"`
}

// EgressMTLS configures TLS to upstreams (NGINX's proxy_ssl_* directives).
type EgressMTLS struct {
	// TLSSecret names a kubernetes.io/tls Secret in the Policy's namespace
	// whose certificate is presented to the upstream.
	TLSSecret string `json:"tlsSecret,omitempty"`
	// TrustedCertSecret names an nginx.org/ca Secret in the Policy's namespace
	// whose ca.crt verifies the upstream's certificate.
	TrustedCertSecret string `json:"trustedCertSecret,omitempty"`
	// VerifyServer turns on verification of the upstream's certificate.
	VerifyServer bool `json:"verifyServer,omitempty"`
	// VerifyDepth is the upstream certificate chain depth; nil means 1.
	VerifyDepth *int `json:"verifyDepth,omitempty"`
	// ServerName turns on sending SNI to the upstream.
	ServerName bool `json:"serverName,omitempty"`
	// SSLName overrides the name used for SNI and to verify the upstream's certificate.
	SSLName string `json:"sslName,omitempty"`
	// Protocols is a space-separated list of TLS protocol versions.
	Protocols string `json:"protocols,omitempty"`
	// Ciphers is an OpenSSL cipher list.
	Ciphers string `json:"ciphers,omitempty"`
	// SessionReuse turns on reuse of TLS sessions to upstreams; nil means true.
	SessionReuse *bool `json:"sessionReuse,omitempty"`
}

// PolicyStatus is the state NGINX Ingress Controller reports on a Policy.
type PolicyStatus struct {
	// State is Valid, Invalid or Warning.
	State string `json:"state,omitempty"`
	// Reason is a one-word reason for State.
	Reason string `json:"reason,omitempty"`
	// Message says more about the reason.
	Message string `json:"message,omitempty"`
}

// The values of PolicyStatus.State.
const (
	StateValid   = "Valid"
	StateInvalid = "Invalid"
	StateWarning = "Warning"
)

// The values NGINX Ingress Controller uses for PolicyStatus.Reason.
const (
	ReasonAddedOrUpdated = "AddedOrUpdated"
	ReasonRejected       = "Rejected"
)

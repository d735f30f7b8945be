package nginxpolicy

import (
	"k8s.io/apimachinery/pkg/util/validation/field"

	v1 "github.com/seed-d040b84d/portcullis/lib/apis/k8snginx/v1"
	"github.com/seed-d040b84d/portcullis/lib/findings"
)

// EgressMTLS is a valid spec.egressMTLS with defaults applied.
type EgressMTLS struct {
	// ClientCertSecret names the kubernetes.io/tls Secret, in the Policy's
	// namespace, presented to upstreams; empty for none.
	ClientCertSecret string
	// TrustedCASecret names the nginx.org/ca Secret, in the Policy's
	// namespace, that verifies upstreams; set whenever Verify is.
	TrustedCASecret string
	// Verify turns on proxy_ssl_verify.
	Verify bool
	// Depth is the proxy_ssl_verify_depth; 1 when the Policy leaves it out.
	Depth int
	// ServerName turns on proxy_ssl_server_name (SNI).
	ServerName bool
	// SSLName is the proxy_ssl_name; empty means the upstream's host name
	// (NGINX's $proxy_host), which the renderer supplies.
	SSLName string
	// Protocols are the enabled TLS versions, oldest first; TLSv1.2 and
	// TLSv1.3 when the Policy leaves them out.
	Protocols []string
	// Ciphers is the OpenSSL cipher list with ":" separators; "DEFAULT" when
	// the Policy leaves it out.
	Ciphers string
	// SessionReuse turns on proxy_ssl_session_reuse; true when the Policy leaves it out.
	SessionReuse bool
}

func normalizeEgressMTLS(m *v1.EgressMTLS, path *field.Path, opts Options, f *findings.Set) *EgressMTLS {
	out := &EgressMTLS{
		ClientCertSecret: m.TLSSecret,
		TrustedCASecret:  m.TrustedCertSecret,
		Verify:           m.VerifyServer,
		Depth:            DefaultVerifyDepth,
		ServerName:       m.ServerName,
		SSLName:          m.SSLName,
		SessionReuse:     true,
	}

	if m.TLSSecret != "" {
		checkSecretName(path.Child("tlsSecret"), m.TLSSecret, f)
	}

	caPath := path.Child("trustedCertSecret")
	switch {
	case m.TrustedCertSecret != "":
		checkSecretName(caPath, m.TrustedCertSecret, f)
		if !m.VerifyServer {
			f.Warn(path.Child("verifyServer"), "trustedCertSecret is set but verifyServer is false, so the upstream's "+
				"certificate is not verified; set verifyServer: true to use the CA")
		}
	case m.VerifyServer:
		f.Required(caPath, "verifyServer is true, which needs a CA to verify the upstream's certificate against; "+
			"set trustedCertSecret to the name of an nginx.org/ca Secret in the Policy's namespace")
	}

	if m.VerifyDepth != nil {
		out.Depth = checkDepth(path.Child("verifyDepth"), *m.VerifyDepth, f)
	}

	if m.SSLName != "" {
		checkServerName(path.Child("sslName"), m.SSLName, f)
		if !m.VerifyServer && !m.ServerName {
			f.Warn(path.Child("sslName"), "sslName is set but neither verifyServer nor serverName is true, so it "+
				"has no effect; it is the name sent with SNI (serverName) and checked in the upstream's certificate (verifyServer)")
		}
	}

	out.Protocols = parseProtocols(path.Child("protocols"), m.Protocols, opts, f)
	out.Ciphers = parseCiphers(path.Child("ciphers"), m.Ciphers, f)
	if m.SessionReuse != nil {
		out.SessionReuse = *m.SessionReuse
	}
	return out
}

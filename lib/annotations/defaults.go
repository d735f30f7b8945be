package annotations

// Defaults lib/validate applies when an annotation is absent. The rows'
// Default (the Default column of docs/annotations.md) is written from these
// constants, so what the page says and what the code does cannot differ.
const (
	// DefaultAuthTLSVerifyClient is auth-tls-verify-client's.
	DefaultAuthTLSVerifyClient = "on"
	// DefaultAuthTLSVerifyDepth is auth-tls-verify-depth's.
	DefaultAuthTLSVerifyDepth = 1
	// DefaultProxySSLVerifyDepth is proxy-ssl-verify-depth's.
	DefaultProxySSLVerifyDepth = 1
	// DefaultProxySSLCiphers is proxy-ssl-ciphers'.
	DefaultProxySSLCiphers = "DEFAULT"
)

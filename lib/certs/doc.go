// Package certs owns the meaning of certificate secrets: it parses and checks TLS
// secrets (tls.crt, tls.key) and CA secrets (ca.crt, ca.crl) as
// docs/reference.md#tls-secrets and docs/reference.md#ca-secrets describe,
// and reports every problem as a finding on the field that referenced the
// secret, never with key material in it.
package certs

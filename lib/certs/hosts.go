package certs

import (
	"crypto/x509"
	"strings"
)

// CoversHost reports whether leaf's DNS SANs cover host, per RFC 6125: names
// compare case-insensitively (ASCII) and without a trailing dot; a SAN may hold
// `*` only as its whole left-most label, and then it matches exactly one
// non-empty label. The subject CN is never used, SANs or not. A wildcard host
// ("*.example.com", as an Ingress may list) is covered only by the same
// wildcard SAN.
func CoversHost(leaf *x509.Certificate, host string) bool {
	if leaf == nil {
		return false
	}
	host = strings.TrimSuffix(host, ".")
	if host == "" {
		return false
	}
	for _, san := range leaf.DNSNames {
		if sanMatches(strings.TrimSuffix(san, "."), host) {
			return true
		}
	}
	return false
}

// sanMatches matches one SAN pattern against a host, both without trailing dots.
func sanMatches(pattern, host string) bool {
	if pattern == "" {
		return false
	}
	if asciiEqualFold(pattern, host) {
		return true
	}
	base, ok := strings.CutPrefix(pattern, "*.")
	if !ok || base == "" || strings.Contains(base, "*") {
		return false
	}
	dot := strings.IndexByte(host, '.')
	if dot <= 0 || host[0] == '*' {
		return false // no first label to stand for, or a wildcard host
	}
	return asciiEqualFold(host[dot+1:], base)
}

// asciiEqualFold is strings.EqualFold for DNS names: ASCII letters only fold,
// so no Unicode lookalike (the Kelvin sign for "k") matches a name.
func asciiEqualFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if x == y {
			continue
		}
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

package certs_test

import (
	"testing"

	"github.com/seed-d040b84d/portcullis/lib/certs"
	"github.com/seed-d040b84d/portcullis/test/certgen"
)

// BenchmarkCheckTLSSecretCached is the controller's steady state: a warm cache,
// a leaf→intermediate→root chain, three hosts.
func BenchmarkCheckTLSSecretCached(b *testing.B) {
	c := newChain(b, certgen.DNSNames("a.example.com", "b.example.com", "*.c.example.com"))
	s := tlsSecret(cat(c.leaf.ChainPEM(), c.root.CertPEM()), c.leaf.KeyPEM())
	opts := certs.TLSOptions{Hosts: []string{"a.example.com", "b.example.com", "x.c.example.com"}, HostPath: hostPath, Now: now}
	var cache certs.Cache
	if cert, set := cache.TLS(s, secretField, opts); cert == nil || len(set.Errors)+len(set.Warnings) > 0 {
		b.Fatalf("fixture not clean: %v %v", set.Errors, set.Warnings)
	}
	b.ReportAllocs()
	for b.Loop() {
		cert, set := cache.TLS(s, secretField, opts)
		if cert == nil || !set.Allowed() {
			b.Fatal("rejected")
		}
	}
}

// BenchmarkCheckTLSSecret is the cold path, a full parse, for comparison.
func BenchmarkCheckTLSSecret(b *testing.B) {
	c := newChain(b, certgen.DNSNames("a.example.com", "b.example.com", "*.c.example.com"))
	s := tlsSecret(cat(c.leaf.ChainPEM(), c.root.CertPEM()), c.leaf.KeyPEM())
	opts := certs.TLSOptions{Hosts: []string{"a.example.com", "b.example.com", "x.c.example.com"}, HostPath: hostPath, Now: now}
	b.ReportAllocs()
	for b.Loop() {
		if cert, _ := certs.CheckTLSSecret(s, secretField, opts); cert == nil {
			b.Fatal("rejected")
		}
	}
}

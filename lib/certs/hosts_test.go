package certs_test

import (
	"crypto/x509"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/seed-d040b84d/portcullis/lib/certs"
)

func TestCoversHost(t *testing.T) {
	t.Parallel()
	cases := []struct {
		sans []string
		cn   string
		host string
		want bool
	}{
		{[]string{"*.example.com"}, "", "a.example.com", true},
		{[]string{"*.example.com"}, "", "a.b.example.com", false},
		{[]string{"*.example.com"}, "", "example.com", false},
		{[]string{"*.example.com"}, "", ".example.com", false},
		{[]string{"*.example.com"}, "", "*.example.com", true},
		{[]string{"*.example.com"}, "", "*.b.example.com", false},
		{[]string{"*.b.example.com"}, "", "*.example.com", false},
		{[]string{"a.example.com"}, "", "*.example.com", false},
		{[]string{"*.EXAMPLE.com"}, "", "A.example.COM", true},
		{[]string{"a.example.com."}, "", "a.example.com", true},
		{[]string{"a.example.com"}, "", "a.example.com.", true},
		{[]string{"a.example.com"}, "", "b.example.com", false},
		{[]string{"f*.example.com"}, "", "foo.example.com", false},
		{[]string{"*.*.example.com"}, "", "a.b.example.com", false},
		{[]string{"a.*.example.com"}, "", "a.b.example.com", false},
		{[]string{"*"}, "", "localhost", false},
		{[]string{"*."}, "", "a.", false},
		{[]string{"example.com", "*.example.com"}, "", "example.com", true},
		{[]string{"other.example.com"}, "a.example.com", "a.example.com", false},
		{nil, "a.example.com", "a.example.com", false},
		{[]string{"a.example.com"}, "", "", false},
		{[]string{"kelvin.example.com"}, "", "\u212aelvin.example.com", false},
	}
	for _, tc := range cases {
		leaf := &x509.Certificate{DNSNames: tc.sans}
		leaf.Subject.CommonName = tc.cn
		assert.Equal(t, tc.want, certs.CoversHost(leaf, tc.host), "SANs %q, CN %q, host %q", tc.sans, tc.cn, tc.host)
	}
	assert.False(t, certs.CoversHost(nil, "a.example.com"))
}

package certs_test

import (
	"crypto/x509"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed-d040b84d/portcullis/lib/certs"
)

func TestNormalizeChain(t *testing.T) {
	t.Parallel()
	c := newChain(t)
	other := newCA(t)
	root, inter, leaf := c.root.Cert, c.inter.Cert, c.leaf.Cert
	pub := c.leaf.Key.Public()
	cases := []struct {
		name      string
		in        []*x509.Certificate
		want      []*x509.Certificate
		unrelated []int
	}{
		{"already normal", []*x509.Certificate{leaf, inter, root}, []*x509.Certificate{leaf, inter, root}, nil},
		{"reversed", []*x509.Certificate{root, inter, leaf}, []*x509.Certificate{leaf, inter, root}, nil},
		{"shuffled", []*x509.Certificate{inter, root, leaf}, []*x509.Certificate{leaf, inter, root}, nil},
		{"leaf alone", []*x509.Certificate{leaf}, []*x509.Certificate{leaf}, nil},
		{"missing intermediate", []*x509.Certificate{root, leaf}, []*x509.Certificate{leaf}, []int{0}},
		{"unrelated CA", []*x509.Certificate{other.Cert, inter, leaf}, []*x509.Certificate{leaf, inter}, []int{0}},
		{"duplicate", []*x509.Certificate{leaf, inter, inter}, []*x509.Certificate{leaf, inter}, []int{2}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, unrelated, err := certs.NormalizeChain(tc.in, pub)
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
			assert.Equal(t, tc.unrelated, unrelated)

			again, unrelated, err := certs.NormalizeChain(got, pub)
			require.NoError(t, err)
			assert.Equal(t, got, again, "normalizing is idempotent")
			assert.Empty(t, unrelated)
		})
	}

	_, _, err := certs.NormalizeChain([]*x509.Certificate{root, inter}, pub)
	assert.ErrorIs(t, err, certs.ErrKeyMatchesNoCertificate)
}

package certgen

import (
	"crypto/tls"
	"crypto/x509"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestChainVerifies(t *testing.T) {
	t.Parallel()
	root, err := NewCA()
	require.NoError(t, err)
	inter, err := root.NewIntermediate()
	require.NoError(t, err)
	leaf, err := inter.NewLeaf(DNSNames("a.example.com"))
	require.NoError(t, err)

	pair, err := tls.X509KeyPair(leaf.ChainPEM(), leaf.KeyPEM())
	require.NoError(t, err)
	assert.Len(t, pair.Certificate, 2, "leaf and intermediate, root omitted")

	inters := x509.NewCertPool()
	inters.AddCert(inter.Cert)
	_, err = leaf.Cert.Verify(x509.VerifyOptions{Roots: root.Pool(), Intermediates: inters, DNSName: "a.example.com"})
	assert.NoError(t, err)
}

func TestCRLParses(t *testing.T) {
	t.Parallel()
	root, err := NewCA()
	require.NoError(t, err)
	client, err := root.NewLeaf(ClientAuth())
	require.NoError(t, err)
	crlPEM, err := root.CRL(time.Now().Add(time.Hour), client)
	require.NoError(t, err)
	assert.Contains(t, string(crlPEM), "X509 CRL")
}

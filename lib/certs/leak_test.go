package certs_test

import (
	"bytes"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed-d040b84d/portcullis/lib/certs"
	"github.com/seed-d040b84d/portcullis/lib/findings"
)

// keyTraces are strings that would show key material in a text: every base64
// line of the key's PEM, and its DER as raw bytes.
func keyTraces(t *testing.T, keyPEM []byte) []string {
	t.Helper()
	b, _ := pem.Decode(keyPEM)
	require.NotNil(t, b)
	traces := []string{string(b.Bytes[:32]), fmt.Sprintf("%x", b.Bytes[:32]), fmt.Sprint(b.Bytes[:16])}
	for _, line := range strings.Split(string(keyPEM), "\n") {
		if len(line) >= 16 && !strings.HasPrefix(line, "-----") {
			traces = append(traces, line)
		}
	}
	return traces
}

func TestKeyNeverLeaks(t *testing.T) {
	t.Parallel()
	c := newChain(t)
	key := c.leaf.KeyPEM()
	der, _ := pem.Decode(key)
	require.NotNil(t, der)
	body := bytes.Join(bytes.Split(key, []byte("\n"))[1:4], []byte("\n")) // base64 lines without BEGIN
	cases := map[string][2][]byte{                                        // tls.crt, tls.key
		"valid":                     {c.leaf.ChainPEM(), key},
		"misordered":                {cat(c.inter.CertPEM(), c.leaf.CertPEM()), key},
		"key in tls.crt":            {cat(c.leaf.ChainPEM(), key), key},
		"key as a certificate":      {relabel(t, key, "CERTIFICATE"), key},
		"key only, in tls.crt":      {key, key},
		"key mislabelled":           {c.leaf.ChainPEM(), relabel(t, key, "RSA PRIVATE KEY")},
		"key with unknown label":    {c.leaf.ChainPEM(), relabel(t, key, "SECRET "+string(der.Bytes[:8]))},
		"raw DER key":               {c.leaf.ChainPEM(), der.Bytes},
		"base64 without BEGIN":      {c.leaf.ChainPEM(), body},
		"key with garbage after":    {c.leaf.ChainPEM(), cat(key, body)},
		"key without END":           {c.leaf.ChainPEM(), bytes.Split(key, []byte("-----END"))[0]},
		"key of another chain":      {newChain(t).leaf.ChainPEM(), key},
		"key in a certificate slot": {cat(c.leaf.CertPEM(), relabel(t, key, "CERTIFICATE")), key},
	}
	traces := keyTraces(t, key)
	for name, data := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			cert, set := certs.CheckTLSSecret(tlsSecret(data[0], data[1]), secretField, certs.TLSOptions{Hosts: []string{"a.example.com"}, Now: now})
			var texts []string
			for _, e := range set.Errors {
				texts = append(texts, e.Error(), findings.ErrorMessage(e), fmt.Sprintf("%#v", e))
			}
			for _, w := range set.Warnings {
				texts = append(texts, w.String())
			}
			if cert != nil {
				for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%d", "%x", "%q"} {
					texts = append(texts, fmt.Sprintf(verb, cert), fmt.Sprintf(verb, *cert),
						fmt.Sprintf(verb, struct{ C *certs.ServerCert }{cert}), fmt.Sprintf(verb, []certs.ServerCert{*cert}))
				}
				for _, v := range []any{cert, *cert, struct{ C certs.ServerCert }{*cert}} {
					j, err := json.Marshal(v)
					require.NoError(t, err)
					texts = append(texts, string(j))
				}
				assert.Equal(t, string(key), string(cert.KeyPEM()), "KeyPEM is the one way to the key")
			}
			require.NotEmpty(t, texts)
			for _, text := range texts {
				for _, trace := range traces {
					assert.NotContains(t, text, trace)
				}
			}
		})
	}
}

func TestServerCertPrints(t *testing.T) {
	t.Parallel()
	c := newChain(t)
	cert, set := certs.CheckTLSSecret(tlsSecret(c.leaf.ChainPEM(), c.leaf.KeyPEM()), secretField, certs.TLSOptions{Now: now})
	require.True(t, set.Allowed())
	require.NotNil(t, cert)
	assert.Contains(t, fmt.Sprint(cert), "ServerCert{CN=leaf, issuer CN=portcullis test intermediate CA, SANs [a.example.com]")
	assert.Contains(t, fmt.Sprintf("%#v", cert), "certs.ServerCert{CN=leaf")
	j, err := json.Marshal(cert)
	require.NoError(t, err)
	assert.Contains(t, string(j), `"subject":"CN=leaf"`)
	assert.Contains(t, string(j), `"fingerprint":"`+cert.Fingerprint+`"`)
	assert.NotContains(t, string(j), "PRIVATE")
}

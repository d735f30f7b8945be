package nginxpolicy

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	v1 "github.com/seed-d040b84d/portcullis/lib/apis/k8snginx/v1"
)

func TestNormalize(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		doc  string // a whole Policy, or a spec when spec is true
		spec bool
		opts Options
		want *Normalized
	}{
		{
			name: "NGINX ingressMTLS example",
			doc:  nginxIngressMTLSExample,
			want: &Normalized{Type: v1.TypeIngressMTLS, IngressMTLS: &IngressMTLS{CASecret: "ingress-mtls-secret", Verify: VerifyClientOn, Depth: 1}},
		},
		{
			name: "ingressMTLS defaults",
			doc:  `{ingressClassName: nginx, ingressMTLS: {clientCertSecret: ca}}`, spec: true,
			want: &Normalized{Type: v1.TypeIngressMTLS, IngressClassName: "nginx", IngressMTLS: &IngressMTLS{CASecret: "ca", Verify: VerifyClientOn, Depth: DefaultVerifyDepth}},
		},
		{
			name: "ingressMTLS optional_no_ca without CA, depth 0",
			doc:  `{ingressMTLS: {verifyClient: optional_no_ca, verifyDepth: 0}}`, spec: true,
			want: &Normalized{Type: v1.TypeIngressMTLS, IngressMTLS: &IngressMTLS{Verify: VerifyClientOptionalNoCA, Depth: 0}},
		},
		{
			name: "NGINX egressMTLS example",
			doc:  nginxEgressMTLSExample,
			want: &Normalized{Type: v1.TypeEgressMTLS, EgressMTLS: &EgressMTLS{
				ClientCertSecret: "egress-mtls-secret",
				TrustedCASecret:  "egress-trusted-ca-secret",
				Verify:           true,
				Depth:            2,
				ServerName:       true,
				SSLName:          "secure-app.example.com",
				Protocols:        []string{"TLSv1.2", "TLSv1.3"},
				Ciphers:          "DEFAULT",
				SessionReuse:     true,
			}},
		},
		{
			name: "egressMTLS defaults",
			doc:  `{egressMTLS: {}}`, spec: true,
			want: &Normalized{Type: v1.TypeEgressMTLS, EgressMTLS: &EgressMTLS{
				Depth: 1, Protocols: DefaultProtocols(), Ciphers: DefaultCiphers, SessionReuse: true,
			}},
		},
		{
			name: "egressMTLS lists normalized",
			doc:  `{egressMTLS: {protocols: " TLSv1.3  TLSv1.2 TLSv1.3 ", ciphers: " HIGH , !aNULL  !MD5:@STRENGTH ", sessionReuse: false}}`, spec: true,
			want: &Normalized{Type: v1.TypeEgressMTLS, EgressMTLS: &EgressMTLS{
				Depth: 1, Protocols: []string{"TLSv1.2", "TLSv1.3"}, Ciphers: "HIGH:!aNULL:!MD5:@STRENGTH",
			}},
		},
		{
			name: "egressMTLS legacy protocols ordered",
			doc:  `{egressMTLS: {protocols: TLSv1.2 TLSv1 TLSv1.1}}`, spec: true,
			opts: Options{AllowLegacyTLS: true},
			want: &Normalized{Type: v1.TypeEgressMTLS, EgressMTLS: &EgressMTLS{
				Depth: 1, Protocols: []string{"TLSv1", "TLSv1.1", "TLSv1.2"}, Ciphers: DefaultCiphers, SessionReuse: true,
			}},
		},
		{name: "invalid gives nothing", doc: `{egressMTLS: {verifyDepth: -1}}`, spec: true},
		{name: "unsupported gives nothing", doc: `{jwt: {realm: x}}`, spec: true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			var p *v1.Policy
			if c.spec {
				p = policy(t, c.doc)
			} else {
				p = decode(t, c.doc)
			}
			got, f := Normalize(p, c.opts)
			assert.Equal(t, c.want, got)
			assert.Equal(t, c.want != nil, f.Allowed(), "errors: %v", f.Errors)
		})
	}
}

// Normalize must not keep references into the Policy: the intent builder may
// hold the result while the informer's copy changes.
func TestNormalizeDoesNotAlias(t *testing.T) {
	t.Parallel()
	p := policy(t, `{egressMTLS: {protocols: TLSv1.3, verifyDepth: 3}}`)
	n, f := Normalize(p, Options{})
	require.True(t, f.Allowed())
	*p.Spec.EgressMTLS.VerifyDepth = 7
	p.Spec.EgressMTLS.Protocols = "TLSv1.2"
	assert.Equal(t, 3, n.EgressMTLS.Depth)
	assert.Equal(t, []string{"TLSv1.3"}, n.EgressMTLS.Protocols)

	d := DefaultProtocols()
	d[0] = "changed"
	assert.Equal(t, []string{"TLSv1.2", "TLSv1.3"}, DefaultProtocols())
}

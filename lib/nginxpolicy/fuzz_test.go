package nginxpolicy

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/yaml"

	v1 "github.com/seed-d040b84d/portcullis/lib/apis/k8snginx/v1"
)

// FuzzPolicyYAML decodes arbitrary bytes as a Policy and checks that judging
// it never panics, that Validate and Normalize agree, and that a Normalized
// result is a fixed point: written back as a Policy, sent through JSON and
// normalized again, it is accepted and comes out identical.
func FuzzPolicyYAML(f *testing.F) {
	for _, seed := range []string{
		nginxIngressMTLSExample,
		nginxIngressMTLSCRLExample,
		nginxEgressMTLSDocExample,
		nginxEgressMTLSExample,
		"spec: {}",
		"spec: {ingressMTLS: {verifyClient: optional_no_ca, verifyDepth: 0}}",
		"spec: {ingressMTLS: {clientCertSecret: ns/ca, verifyClient: optinal}}",
		"spec: {egressMTLS: {protocols: ' TLSv1.3 TLSv1.2 TLSv1.3', ciphers: 'HIGH, !aNULL  !MD5:@SECLEVEL=2', sessionReuse: false}}",
		"spec: {egressMTLS: {protocols: TLSv1 TLSv1.1, ciphers: 'HIGH;', sslName: $host}}",
		"spec: {rateLimit: {rate: 1r/s}, egressMTLS: {}}",
		"spec: {ingressClassName: nginx, cache: {cacheZoneName: c}}",
	} {
		f.Add([]byte(seed), false)
		f.Add([]byte(seed), true)
	}
	f.Fuzz(func(t *testing.T, data []byte, legacy bool) {
		var p v1.Policy
		if err := yaml.Unmarshal(data, &p); err != nil {
			return
		}
		opts := Options{AllowLegacyTLS: legacy}
		n, fs := Normalize(&p, opts)
		require.Equal(t, fs, Validate(&p, opts))
		require.Equal(t, fs.Allowed(), n != nil)
		if n == nil {
			return
		}

		raw, err := json.Marshal(denormalize(n))
		require.NoError(t, err)
		var back v1.Policy
		require.NoError(t, json.Unmarshal(raw, &back))
		n2, fs2 := Normalize(&back, opts)
		require.Empty(t, fs2.Errors, "the normalized form of an accepted Policy is refused: %s", raw)
		assert.Equal(t, n, n2, "normalizing is not idempotent: %s", raw)
	})
}

// denormalize writes n back as the Policy that states every setting explicitly.
func denormalize(n *Normalized) *v1.Policy {
	p := &v1.Policy{Spec: v1.PolicySpec{IngressClassName: n.IngressClassName}}
	p.APIVersion, p.Kind = v1.SchemeGroupVersion.String(), v1.Kind
	if m := n.IngressMTLS; m != nil {
		p.Spec.IngressMTLS = &v1.IngressMTLS{
			ClientCertSecret: m.CASecret,
			VerifyClient:     string(m.Verify),
			VerifyDepth:      ptr.To(m.Depth),
		}
	}
	if m := n.EgressMTLS; m != nil {
		p.Spec.EgressMTLS = &v1.EgressMTLS{
			TLSSecret:         m.ClientCertSecret,
			TrustedCertSecret: m.TrustedCASecret,
			VerifyServer:      m.Verify,
			VerifyDepth:       ptr.To(m.Depth),
			ServerName:        m.ServerName,
			SSLName:           m.SSLName,
			Protocols:         strings.Join(m.Protocols, " "),
			Ciphers:           m.Ciphers,
			SessionReuse:      ptr.To(m.SessionReuse),
		}
	}
	return p
}

package v1

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/yaml"
)

// NGINX's documented examples (docs/content/configuration/policy-resource.md
// and examples/custom-resources/{ingress,egress}-mtls), as written there:
// note the unquoted YAML 1.1 booleans `verifyServer: on` and `serverName: on`.
const (
	nginxIngressMTLSExample = `
apiVersion: k8s.nginx.org/v1
kind: Policy
metadata:
  name: ingress-mtls-policy
spec:
  ingressMTLS:
    clientCertSecret: ingress-mtls-secret
    verifyClient: "on"
    verifyDepth: 1
`
	nginxEgressMTLSExample = `
apiVersion: k8s.nginx.org/v1
kind: Policy
metadata:
  name: egress-mtls-policy
spec:
  egressMTLS:
    tlsSecret: egress-mtls-secret
    trustedCertSecret: egress-trusted-ca-secret
    verifyServer: on
    verifyDepth: 2
    serverName: on
    sslName: secure-app.example.com
`
)

func TestNGINXExamplesDecode(t *testing.T) {
	t.Parallel()

	var in Policy
	require.NoError(t, yaml.Unmarshal([]byte(nginxIngressMTLSExample), &in))
	assert.Equal(t, SchemeGroupVersion.String(), in.APIVersion)
	assert.Equal(t, Kind, in.Kind)
	assert.Equal(t, "ingress-mtls-policy", in.Name)
	assert.Equal(t, &IngressMTLS{ClientCertSecret: "ingress-mtls-secret", VerifyClient: "on", VerifyDepth: ptr.To(1)}, in.Spec.IngressMTLS)
	assert.Equal(t, []string{TypeIngressMTLS}, in.Spec.SetTypes())

	var eg Policy
	require.NoError(t, yaml.Unmarshal([]byte(nginxEgressMTLSExample), &eg))
	assert.Equal(t, &EgressMTLS{
		TLSSecret:         "egress-mtls-secret",
		TrustedCertSecret: "egress-trusted-ca-secret",
		VerifyServer:      true,
		VerifyDepth:       ptr.To(2),
		ServerName:        true,
		SSLName:           "secure-app.example.com",
	}, eg.Spec.EgressMTLS)
	assert.Equal(t, []string{TypeEgressMTLS}, eg.Spec.SetTypes())
}

// sigs.k8s.io/yaml (what kubectl and portcullis lint use) resolves scalars
// with YAML 1.1 rules, so on/off/yes/no are booleans before the JSON decoder
// sees them; a plain bool field is therefore enough, and matches the CRD's
// `type: boolean`. A quoted "on" is a string, which the API server refuses
// against the schema, and so does this decoder.
func TestYAMLBooleans(t *testing.T) {
	t.Parallel()
	cases := []struct {
		value   string
		want    bool
		wantErr bool
	}{
		{"on", true, false},
		{"On", true, false},
		{"ON", true, false},
		{"yes", true, false},
		{"true", true, false},
		{"True", true, false},
		{"off", false, false},
		{"no", false, false},
		{"false", false, false},
		{`"on"`, false, true},
		{`"true"`, false, true},
		{"1", false, true},
	}
	for _, c := range cases {
		t.Run(c.value, func(t *testing.T) {
			t.Parallel()
			var p Policy
			err := yaml.Unmarshal([]byte("spec:\n  egressMTLS:\n    verifyServer: "+c.value+"\n    serverName: "+c.value+"\n"), &p)
			if c.wantErr {
				require.Error(t, err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, c.want, p.Spec.EgressMTLS.VerifyServer)
			assert.Equal(t, c.want, p.Spec.EgressMTLS.ServerName)
		})
	}
}

// An unquoted `verifyClient: on` is the YAML boolean true, not the string
// "on" (NGINX's docs quote it for that reason). kubectl converts YAML to JSON
// without knowing the target type, so the API server gets `true` and refuses
// it against the schema's `type: string`; decoding that JSON fails here too.
// sigs.k8s.io/yaml.Unmarshal into the typed struct instead sees the string
// target and turns the boolean into the string "true", which lib/nginxpolicy then
// refuses with a hint to quote "on". Code that must judge a file exactly as
// the API server would (lint) should go through YAMLToJSON first.
func TestUnquotedVerifyClient(t *testing.T) {
	t.Parallel()
	const doc = "spec:\n  ingressMTLS:\n    clientCertSecret: ca\n    verifyClient: on\n"

	j, err := yaml.YAMLToJSON([]byte(doc))
	require.NoError(t, err)
	assert.JSONEq(t, `{"spec":{"ingressMTLS":{"clientCertSecret":"ca","verifyClient":true}}}`, string(j))
	var viaJSON Policy
	err = json.Unmarshal(j, &viaJSON)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "verifyClient")

	var typed Policy
	require.NoError(t, yaml.Unmarshal([]byte(doc), &typed))
	assert.Equal(t, "true", typed.Spec.IngressMTLS.VerifyClient)
}

func TestUnsupportedTypesRoundTrip(t *testing.T) {
	t.Parallel()
	const doc = `
apiVersion: k8s.nginx.org/v1
kind: Policy
metadata:
  name: everything
spec:
  ingressClassName: nginx
  accessControl: {allow: [10.0.0.0/8]}
  rateLimit: {rate: 10r/s, key: "${binary_remote_addr}", zoneSize: 10M}
  jwt: {realm: MyProductAPI, secret: jwk-secret, token: $http_token}
  basicAuth: {realm: x, secret: htpasswd}
  oidc: {clientID: c, clientSecret: s, authEndpoint: "https://idp/auth", scope: openid+profile}
  waf: {enable: true, apPolicy: default/dataguard}
  apiKey: {suppliedIn: {header: [X-API-Key]}, clientSecret: api-key-client-secret}
  cache: {cacheZoneName: mycache, cacheZoneSize: 10m, allowedCodes: [any]}
  cors: {allowOrigin: ["https://example.com"], maxAge: 3600}
  externalAuth: {authURI: /auth, authServiceName: default/basic-auth-svc}
  hsts: {maxAge: 31536000, includeSubDomains: true}
status:
  state: Invalid
  reason: Rejected
  message: policy is invalid
`
	var p Policy
	require.NoError(t, yaml.Unmarshal([]byte(doc), &p))
	assert.Len(t, p.Spec.SetTypes(), len(PolicyTypes)-2, "every type but the two mTLS ones")
	assert.Equal(t, "nginx", p.Spec.IngressClassName)
	assert.Equal(t, PolicyStatus{State: StateInvalid, Reason: ReasonRejected, Message: "policy is invalid"}, p.Status)

	got, err := json.Marshal(&p)
	require.NoError(t, err)
	want, err := yaml.YAMLToJSON([]byte(doc))
	require.NoError(t, err)
	assert.JSONEq(t, string(want), string(got))
}

func TestNullPolicyTypeIsUnset(t *testing.T) {
	t.Parallel()
	var p Policy
	require.NoError(t, yaml.Unmarshal([]byte("spec:\n  rateLimit: null\n  ingressMTLS: {}\n"), &p))
	assert.Nil(t, p.Spec.RateLimit)
	assert.Equal(t, []string{TypeIngressMTLS}, p.Spec.SetTypes())
}

// SetTypes must know every policy field of PolicySpec: set each one through
// JSON and check SetTypes reports exactly it.
func TestSetTypesCoversEveryField(t *testing.T) {
	t.Parallel()
	for _, typ := range PolicyTypes {
		t.Run(typ, func(t *testing.T) {
			t.Parallel()
			var s PolicySpec
			require.NoError(t, json.Unmarshal([]byte(`{"`+typ+`":{}}`), &s))
			assert.Equal(t, []string{typ}, s.SetTypes())
		})
	}
	var s PolicySpec
	assert.Empty(t, s.SetTypes())
}

func TestScheme(t *testing.T) {
	t.Parallel()
	s := runtime.NewScheme()
	require.NoError(t, AddToScheme(s))

	gvks, _, err := s.ObjectKinds(&Policy{})
	require.NoError(t, err)
	assert.Equal(t, PolicyGroupVersionKind, gvks[0])
	assert.Equal(t, "k8s.nginx.org/v1, Kind=Policy", gvks[0].String())

	gvks, _, err = s.ObjectKinds(&PolicyList{})
	require.NoError(t, err)
	assert.Equal(t, ListKind, gvks[0].Kind)

	obj, err := s.New(PolicyGroupVersionKind)
	require.NoError(t, err)
	assert.IsType(t, &Policy{}, obj)
	assert.Equal(t, "policies", PolicyGroupVersionResource.Resource)
	assert.Equal(t, SchemeGroupVersion, GroupVersion)
}

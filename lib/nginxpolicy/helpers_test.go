package nginxpolicy

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"sigs.k8s.io/yaml"

	v1 "github.com/seed-d040b84d/portcullis/lib/apis/k8snginx/v1"
	"github.com/seed-d040b84d/portcullis/lib/findings"
)

// NGINX's documented Policies (docs/content/configuration/policy-resource.md
// and examples/custom-resources/egress-mtls), as written there.
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
	nginxIngressMTLSCRLExample = `
apiVersion: k8s.nginx.org/v1
kind: Policy
metadata:
  name: ingress-mtls-policy
spec:
  ingressMTLS:
    clientCertSecret: ingress-mtls-secret
    crlFileName: webapp.crl
    verifyClient: "on"
    verifyDepth: 1
`
	nginxEgressMTLSDocExample = `
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

// policy decodes a Policy whose spec is the given YAML (flow or block).
func policy(t *testing.T, spec string) *v1.Policy {
	t.Helper()
	doc := "apiVersion: k8s.nginx.org/v1\nkind: Policy\nmetadata: {name: p, namespace: ns}\nspec:\n  " +
		strings.ReplaceAll(strings.TrimSpace(spec), "\n", "\n  ") + "\n"
	var p v1.Policy
	require.NoError(t, yaml.UnmarshalStrict([]byte(doc), &p), doc)
	return &p
}

func decode(t *testing.T, doc string) *v1.Policy {
	t.Helper()
	var p v1.Policy
	require.NoError(t, yaml.UnmarshalStrict([]byte(doc), &p))
	return &p
}

// finding is an expected finding: its field path and a substring of its message.
type finding struct{ field, msg string }

// assertFindings checks that errs are exactly the expected ones (one per
// expectation, same field, message containing the substring), and likewise
// for warnings.
func assertFindings(t *testing.T, f findings.Set, wantErrs, wantWarns []finding) {
	t.Helper()
	var gotErrs, gotWarns []finding
	for _, e := range f.ErrorEntries() {
		gotErrs = append(gotErrs, finding{e.Field, e.Message})
	}
	for _, w := range f.WarningEntries() {
		gotWarns = append(gotWarns, finding{w.Field, w.Message})
	}
	matchFindings(t, "error", gotErrs, wantErrs)
	matchFindings(t, "warning", gotWarns, wantWarns)
}

func matchFindings(t *testing.T, kind string, got, want []finding) {
	t.Helper()
	if !assert.Len(t, got, len(want), "%ss: got %q", kind, got) {
		return
	}
	for i, w := range want {
		assert.Equal(t, w.field, got[i].field, "%s %d: %q", kind, i, got[i].msg)
		assert.Contains(t, got[i].msg, w.msg, "%s %d on %s", kind, i, got[i].field)
	}
}

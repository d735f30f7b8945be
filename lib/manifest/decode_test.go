package manifest

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"

	nginxv1 "github.com/seed-d040b84d/portcullis/lib/apis/k8snginx/v1"
)

const multi = `
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: web
spec:
  ingressClassName: portcullis
---
# a comment-only document is skipped
---
apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: Secret
  metadata: {name: web-tls, namespace: team-a}
  type: kubernetes.io/tls
  data: {}
- apiVersion: k8s.nginx.org/v1
  kind: Policy
  metadata: {name: mtls}
  spec:
    ingressMTLS:
      clientCertSecret: ca
- apiVersion: v1
  kind: Namespace
  metadata: {name: team-a}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: app}
`

func TestDecodeMultiDocumentAndLists(t *testing.T) {
	t.Parallel()
	objs, err := Decode(strings.NewReader(multi))
	require.NoError(t, err)
	require.Len(t, objs, 5)

	ing, ok := objs[0].Typed.(*networkingv1.Ingress)
	require.True(t, ok)
	assert.Equal(t, "default", ing.Namespace, "no namespace means default")
	assert.Equal(t, 1, objs[0].Doc)

	sec, ok := objs[1].Typed.(*corev1.Secret)
	require.True(t, ok)
	assert.Equal(t, "team-a", sec.Namespace)

	pol, ok := objs[2].Typed.(*nginxv1.Policy)
	require.True(t, ok)
	assert.Equal(t, "default", pol.Namespace)
	require.NotNil(t, pol.Spec.IngressMTLS)
	assert.Equal(t, "ca", pol.Spec.IngressMTLS.ClientCertSecret)

	ns, ok := objs[3].Typed.(*corev1.Namespace)
	require.True(t, ok)
	assert.Empty(t, ns.Namespace, "namespaces are cluster-scoped")

	assert.Nil(t, objs[4].Typed, "kinds lib does not read stay untyped")
	assert.Equal(t, "Deployment", objs[4].GVK.Kind)
	assert.Equal(t, "app", objs[4].Meta.GetName())
}

func TestDecodeErrorsNameTheDocument(t *testing.T) {
	t.Parallel()
	cases := map[string]struct{ in, want string }{
		"not yaml":        {"a: [unterminated\n", "document 1"},
		"no kind":         {"---\napiVersion: v1\nkind: Secret\nmetadata: {name: a}\n---\nfoo: bar\n", "document 2"},
		"unknown field":   {"apiVersion: v1\nkind: Secret\nmetadata: {name: a}\nsecretname: x\n", `unknown field "secretname"`},
		"wrong type":      {"apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: a}\nspec: {rules: 3}\n", "Ingress a"},
		"scalar document": {"just a string\n", "document 1"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			_, err := Decode(strings.NewReader(c.in))
			require.Error(t, err)
			assert.Contains(t, err.Error(), c.want)
		})
	}
}

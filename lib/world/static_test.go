package world

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed-d040b84d/portcullis/lib/manifest"
)

// multi is a world of an Ingress, a List of a Secret, a Policy and a
// Namespace, and a kind no Resolver serves.
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

func TestStaticResolver(t *testing.T) {
	t.Parallel()
	objs, err := manifest.Decode(strings.NewReader(multi))
	require.NoError(t, err)
	s := NewStatic()
	for _, o := range objs {
		s.Add(o.Typed)
	}
	_, ok := s.Secret("team-a", "web-tls")
	assert.True(t, ok)
	_, ok = s.Secret("default", "web-tls")
	assert.False(t, ok, "lookups are per namespace")
	_, ok = s.Policy("default", "mtls")
	assert.True(t, ok)
	_, ok = s.Namespace("team-a")
	assert.True(t, ok)
	assert.Len(t, s.Ingresses(), 1)
}

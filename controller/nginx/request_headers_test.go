package nginx

import (
	"net/netip"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed-d040b84d/portcullis/controller/dataplane"
	"github.com/seed-d040b84d/portcullis/lib/annotations/grammar"
	"github.com/seed-d040b84d/portcullis/lib/intent"
)

// TestOwnRequestHeadersAreReserved: every request header portcullis sets on
// a proxied request (forwarding, upgrade, client certificate identity, the
// trusted load balancer's X-Forwarded-For, upstream-vhost,
// x-forwarded-prefix) is one lib refuses in nginx.org/proxy-set-headers and
// auth-response-headers, so an Ingress can never send a second copy of one;
// an Ingress's own headers follow them.
func TestOwnRequestHeadersAreReserved(t *testing.T) {
	r := &renderer{forwardedFrom: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}}
	own := []intent.Header{{Name: "X-Tenant", Value: `blue "team"`}}
	for _, set := range []string{"proxy_set_header", "grpc_set_header"} {
		nodes := r.proxyHeaders(set, true, &dataplane.ClientAuth{PassCertificate: true},
			&dataplane.Forwarding{Host: "backend.internal", Prefix: "/shop"}, own)
		require.NotEmpty(t, nodes)
		last := nodes[len(nodes)-1]
		assert.Equal(t, []string{"X-Tenant", `blue "team"`}, []string{last.Args[0].s, last.Args[1].s}, "the Ingress's header comes last")
		for _, n := range nodes[:len(nodes)-1] {
			require.Equal(t, set, n.Name)
			name := n.Args[0].s
			assert.NotEmpty(t, grammar.ReservedRequestHeader(name), "%s %s is set by portcullis but not reserved", set, name)
		}
	}
}

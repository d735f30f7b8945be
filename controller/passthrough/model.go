package passthrough

import (
	"github.com/go-logr/logr"

	"github.com/seed-d040b84d/portcullis/controller/dataplane"
)

// Upstream modes (--passthrough-upstream): how the model addresses a
// passthrough host's Service.
const (
	// UpstreamService sends a host to its Service's ClusterIP (or an
	// ExternalName Service's external name).
	UpstreamService = "service"
	// UpstreamEndpoints sends a host to the ready addresses of its Service's
	// EndpointSlices.
	UpstreamEndpoints = "endpoints"
)

// RoutesFrom is the routing table the model asks for: its passthrough hosts
// to their servers (refused when they have none), and every host nginx
// serves, refused ones included, and its www. redirect name, to nginx, so
// that a name nginx terminates is never captured by a passthrough wildcard
// above it.
func RoutesFrom(m *dataplane.Model) *Routes {
	r := &Routes{exact: make(map[string]route, len(m.Servers)+len(m.Passthrough)), wildcard: map[string]route{}}
	for _, s := range m.Servers {
		r.set(s.Host, route{})
		if s.WWWRedirect != "" {
			r.set(s.WWWRedirect, route{}) // nginx's www. redirect server
		}
	}
	for _, p := range m.Passthrough {
		r.set(p.Host, route{backends: p.Servers, refuse: len(p.Servers) == 0})
	}
	return r
}

// Observer keeps the proxy's routing table equal to the model in force: the
// reconciler hands it every model nginx has taken (or, without nginx, every
// model built). It judges nothing and resolves nothing itself.
type Observer struct {
	Proxy *Proxy
	Log   logr.Logger
}

// OnChange swaps in the routes of m.
func (o Observer) OnChange(m *dataplane.Model) {
	routes := RoutesFrom(m)
	o.Proxy.SetRoutes(routes)
	for _, p := range m.Passthrough {
		if len(p.Servers) == 0 {
			o.Log.Info("passthrough host cannot be served; its connections are refused", "host", p.Host, "ingress", p.Source.String(), "reason", p.Reason)
		}
	}
	o.Log.V(1).Info("passthrough routes", "hosts", routes.Hosts())
}

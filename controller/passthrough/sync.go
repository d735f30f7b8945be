package passthrough

import (
	"context"

	"github.com/go-logr/logr"

	"github.com/seed-d040b84d/portcullis/controller/watch"
	"github.com/seed-d040b84d/portcullis/lib/intent"
	"github.com/seed-d040b84d/portcullis/lib/validate"
	"github.com/seed-d040b84d/portcullis/lib/world"
)

// Syncer keeps the proxy's routing table equal to what lib decides for the
// Ingresses in the cluster: every Ingress is validated again (the webhook may
// have been bypassed), and a passthrough host that lib fails closed gets no
// route.
type Syncer struct {
	Proxy    *Proxy
	Resolver world.Resolver
	// Validator is the Validator for the ConfigMap in force.
	Validator func() *validate.Validator
	// Build chooses how backends are addressed.
	Build BuildOptions
	Log   logr.Logger
}

// Sync rebuilds and swaps the routing table once.
func (s *Syncer) Sync() {
	v := s.Validator()
	var intents []*intent.Ingress
	for _, ing := range s.Resolver.Ingresses() {
		if verdict := v.Ingress(ing, s.Resolver); verdict.Ours && verdict.Intent != nil {
			intents = append(intents, verdict.Intent)
		}
	}
	routes, problems := BuildRoutes(intents, s.Resolver, s.Build)
	s.Proxy.SetRoutes(routes)
	for _, p := range problems {
		s.Log.Info("passthrough host has no route; its connections go to nginx", "host", p.Host, "reason", p.Reason)
	}
	s.Log.V(1).Info("passthrough routes", "hosts", routes.Hosts())
}

// Run syncs once the caches are synced and again after every change to the
// watched kinds (a burst of events makes one sync), until ctx ends.
func (s *Syncer) Run(ctx context.Context, synced func(context.Context) bool, sources ...watch.Source) error {
	return watch.Run(ctx, synced, 0, func(context.Context) bool { s.Sync(); return true }, sources...)
}

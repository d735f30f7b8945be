package passthrough

import (
	"context"
	"time"

	"github.com/go-logr/logr"
	toolscache "k8s.io/client-go/tools/cache"

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

// EventSource is an informer that takes event handlers.
type EventSource interface {
	AddEventHandler(toolscache.ResourceEventHandler) (toolscache.ResourceEventHandlerRegistration, error)
}

// Run syncs once the caches are synced and again after every change to the
// watched kinds (a burst of events makes one sync), until ctx ends.
func (s *Syncer) Run(ctx context.Context, synced func(context.Context) bool, sources ...EventSource) error {
	wake := make(chan struct{}, 1)
	poke := func(any) {
		select {
		case wake <- struct{}{}:
		default:
		}
	}
	for _, src := range sources {
		if _, err := src.AddEventHandler(toolscache.ResourceEventHandlerFuncs{
			AddFunc: poke, UpdateFunc: func(_, obj any) { poke(obj) }, DeleteFunc: poke,
		}); err != nil {
			return err
		}
	}
	if !synced(ctx) {
		return nil
	}
	poke(nil)
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-wake:
			s.Sync()
			select {
			case <-ctx.Done():
				return nil
			case <-time.After(100 * time.Millisecond):
			}
		}
	}
}

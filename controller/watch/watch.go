// Package watch runs a function after every change to a set of informers,
// coalescing a burst of changes into one run: how the controller's loops
// (nginx, the passthrough routes) follow the cluster.
package watch

import (
	"context"
	"time"

	toolscache "k8s.io/client-go/tools/cache"
)

// Source is an informer that takes event handlers.
type Source interface {
	AddEventHandler(toolscache.ResourceEventHandler) (toolscache.ResourceEventHandlerRegistration, error)
}

// Coalesce is how long a run waits before the next, so that a burst of
// events makes one run.
const Coalesce = 100 * time.Millisecond

// Run calls fn once synced reports the caches synced, and again after every
// add, update or delete on the sources, until ctx ends. When fn returns
// false it is called again after retry even without a change (retry 0: only
// on changes).
func Run(ctx context.Context, synced func(context.Context) bool, retry time.Duration, fn func(context.Context) bool, sources ...Source) error {
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
	var again <-chan time.Time
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-again:
		case <-wake:
		}
		again = nil
		if !fn(ctx) && retry > 0 {
			again = time.After(retry)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(Coalesce):
		}
	}
}

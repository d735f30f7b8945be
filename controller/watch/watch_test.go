package watch

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	toolscache "k8s.io/client-go/tools/cache"
)

// source records its handler so the test can fire events.
type source struct {
	mu sync.Mutex
	h  toolscache.ResourceEventHandler
}

func (s *source) AddEventHandler(h toolscache.ResourceEventHandler) (toolscache.ResourceEventHandlerRegistration, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.h = h
	return nil, nil
}

func (s *source) handler() toolscache.ResourceEventHandler {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.h
}

func TestRunCoalescesAndRetries(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	src := &source{}
	var runs atomic.Int32
	var fail atomic.Bool
	// state is what the cluster looks like: each event of the burst changes
	// it; seen is the state the last run read.
	var state, seen atomic.Int32
	done := make(chan error, 1)
	go func() {
		done <- Run(ctx, func(context.Context) bool { return true }, 50*time.Millisecond, func(context.Context) bool {
			runs.Add(1)
			seen.Store(state.Load())
			return !fail.Load()
		}, src)
	}()
	require.Eventually(t, func() bool { return runs.Load() == 1 }, time.Second, 5*time.Millisecond, "one run once synced")
	require.Eventually(t, func() bool { return src.handler() != nil }, time.Second, 5*time.Millisecond)
	// A burst: 25 events a millisecond apart, well within one Coalesce, so
	// that without coalescing each would make a run of its own.
	const burst = 25
	tick := time.NewTicker(time.Millisecond)
	start := time.Now()
	for i := int32(1); i <= burst; i++ {
		<-tick.C
		state.Store(i)
		src.handler().OnAdd(nil, false)
	}
	took := time.Since(start)
	tick.Stop()
	require.Eventually(t, func() bool { return seen.Load() == burst }, 2*time.Second, 5*time.Millisecond,
		"the burst is delivered: a run after it reads the state its last event left")
	assert.GreaterOrEqual(t, runs.Load(), int32(2), "the synced run, then at least one for the burst")
	// The synced run, one at the burst's first event, one per Coalesce the
	// burst lasted (one when the machine keeps the pace), one after its end.
	most := int32(3 + took/Coalesce)
	assert.Never(t, func() bool { return runs.Load() > most }, 3*Coalesce, 5*time.Millisecond,
		"a burst of 25 events over %s makes at most %d runs, not 25", took, most-1)
	before := runs.Load()
	fail.Store(true)
	src.handler().OnDelete(nil)
	require.Eventually(t, func() bool { return runs.Load() >= before+3 }, 2*time.Second, 5*time.Millisecond, "a failed run is retried without new events")
	cancel()
	require.NoError(t, <-done)
}

func TestRunWaitsForTheCaches(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	called := false
	require.NoError(t, Run(ctx, func(context.Context) bool { return false }, 0, func(context.Context) bool { called = true; return true }))
	assert.False(t, called, "nothing runs when the caches never sync")
}

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
	done := make(chan error, 1)
	go func() {
		done <- Run(ctx, func(context.Context) bool { return true }, 50*time.Millisecond, func(context.Context) bool {
			runs.Add(1)
			return !fail.Load()
		}, src)
	}()
	require.Eventually(t, func() bool { return runs.Load() == 1 }, time.Second, 5*time.Millisecond, "one run once synced")
	require.Eventually(t, func() bool { return src.handler() != nil }, time.Second, 5*time.Millisecond)
	for i := 0; i < 50; i++ { // a burst
		src.handler().OnAdd(nil, false)
	}
	time.Sleep(3 * Coalesce)
	assert.LessOrEqual(t, runs.Load(), int32(3), "a burst of 50 events makes one or two runs, not 50")
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

package dataplane

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed-d040b84d/portcullis/lib/config"
	"github.com/seed-d040b84d/portcullis/lib/intent"
)

// TestTrafficIsCheckedAgain: the model takes only sizes and timeouts the
// renderer can write as plain nginx values, whatever the intent says.
func TestTrafficIsCheckedAgain(t *testing.T) {
	t.Parallel()
	size := func(n int64) *int64 { return &n }
	dur := func(d time.Duration) *time.Duration { return &d }
	got, err := traffic(&intent.Traffic{BodySize: size(0), ReadTimeout: dur(1500 * time.Millisecond)})
	require.NoError(t, err)
	assert.Equal(t, &Traffic{BodySize: size(0), ReadTimeout: 1500 * time.Millisecond}, got)

	for name, bad := range map[string]intent.Traffic{
		"negative body size":   {BodySize: size(-1)},
		"body size over 1 PiB": {BodySize: size(1<<50 + 1)},
		"zero timeout":         {ConnectTimeout: dur(0)},
		"negative timeout":     {SendTimeout: dur(-time.Second)},
		"sub-millisecond":      {ReadTimeout: dur(time.Second + time.Microsecond)},
		"over 2^31-1 ms":       {ReadTimeout: dur((1 << 31) * time.Millisecond)},
	} {
		_, err := traffic(&bad)
		assert.Error(t, err, name)
	}
}

// TestGlobalTrafficIsTheConfigMaps: the http level carries the ConfigMap's
// values; an unset timeout stays unset.
func TestGlobalTrafficIsTheConfigMaps(t *testing.T) {
	t.Parallel()
	cfg := config.Default()
	g := globalTraffic(cfg)
	require.NotNil(t, g.BodySize)
	assert.Equal(t, int64(1<<20), *g.BodySize)
	assert.Equal(t, 5*time.Second, g.ConnectTimeout)
	assert.Equal(t, time.Minute, g.ReadTimeout)
	assert.Equal(t, time.Minute, g.SendTimeout)

	cfg.ProxySendTimeout = 0
	assert.Zero(t, globalTraffic(cfg).SendTimeout)
}

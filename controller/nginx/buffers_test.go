package nginx

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed-d040b84d/portcullis/controller/dataplane"
	"github.com/seed-d040b84d/portcullis/lib/intent"
)

// TestBufferDirectives: the response buffers and retries render as plain
// nginx values, the header buffer and retries for each module and the
// other buffers for the proxy module only; values the model should never
// hold are refused by the writer itself.
func TestBufferDirectives(t *testing.T) {
	t.Parallel()
	size := func(n int64) *int64 { return &n }
	num := func(n int) *int { return &n }
	dur := func(d time.Duration) *time.Duration { return &d }
	render := func(tr *dataplane.Traffic, module string) (string, error) {
		nodes, err := bufferDirectives(tr, []string{module})
		if err != nil {
			return "", err
		}
		out, err := Render([]*Node{blk("http", nil, blk("server", nil, blk("location", []Arg{lit("/")}, nodes...)))})
		return string(out), err
	}
	all := &dataplane.Traffic{BufferSize: size(16 << 10), Buffers: &intent.Buffers{Number: 8, Size: 16 << 10},
		BusyBuffersSize: size(64 << 10), MaxTempFileSize: size(0), NextUpstream: []string{"error", "http_502"},
		NextUpstreamTimeout: dur(1500 * time.Millisecond), NextUpstreamTries: num(0)}
	got, err := render(all, "proxy")
	require.NoError(t, err)
	for _, want := range []string{`proxy_buffer_size "16k";`, `proxy_buffers "8" "16k";`, `proxy_busy_buffers_size "64k";`,
		`proxy_max_temp_file_size "0";`, `proxy_next_upstream "error" "http_502";`, `proxy_next_upstream_timeout "1500ms";`, `proxy_next_upstream_tries "0";`} {
		assert.Contains(t, got, want)
	}
	got, err = render(all, "grpc")
	require.NoError(t, err)
	assert.Contains(t, got, `grpc_buffer_size "16k";`)
	assert.Contains(t, got, `grpc_next_upstream "error" "http_502";`)
	assert.NotContains(t, got, "proxy_", "nginx's gRPC proxy has no proxy_buffers")

	for name, bad := range map[string]*dataplane.Traffic{
		"zero buffer size":   {BufferSize: size(0)},
		"one buffer":         {Buffers: &intent.Buffers{Number: 1, Size: 4096}},
		"buffers over 16m":   {Buffers: &intent.Buffers{Number: 2, Size: 16<<20 + 1}},
		"negative busy size": {BusyBuffersSize: size(-1)},
		"negative temp file": {MaxTempFileSize: size(-1)},
		"unknown condition":  {NextUpstream: []string{"error;"}},
		"a directive as one": {NextUpstream: []string{"error", "timeout\"; return 200; #"}},
		"no conditions":      {NextUpstream: []string{}},
		"negative timeout":   {NextUpstreamTimeout: dur(-time.Second)},
		"sub-millisecond":    {NextUpstreamTimeout: dur(time.Microsecond)},
		"too many tries":     {NextUpstreamTries: num(1001)},
		"negative tries":     {NextUpstreamTries: num(-1)},
	} {
		_, err := render(bad, "proxy")
		assert.Error(t, err, name)
	}
}

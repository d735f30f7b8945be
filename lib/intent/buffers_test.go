package intent

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestResponseBufferRules: the rules of nginx's ngx_http_proxy_merge_loc_conf,
// at their edges (nginx -t reads the admitted edges: controller/nginx's
// buffers golden).
func TestResponseBufferRules(t *testing.T) {
	t.Parallel()
	const k = 1 << 10
	ok := []ResponseBuffers{
		{BufferSize: 4 * k, Buffers: Buffers{4, 4 * k}, MaxTempFileSize: DefaultMaxTempFileSize}, // default busy 8k <= 12k
		{BufferSize: 4 * k, Buffers: Buffers{3, 4 * k}},                                          // default busy 8k == all but one
		{BufferSize: 4 * k, Buffers: Buffers{2, 4 * k}, BusySize: 4 * k},                         // busy == one buffer == all but one
		{BufferSize: 16 * k, Buffers: Buffers{8, 4 * k}, BusySize: 16 * k, MaxTempFileSize: 16 * k},
		{BufferSize: 4 * k, Buffers: Buffers{8, 16 * k}, BusySize: 112 * k, MaxTempFileSize: 0},
	}
	for _, r := range ok {
		assert.Nil(t, r.Check(), "%+v", r)
	}
	bad := []struct {
		r    ResponseBuffers
		msg  string
		dirs []string
	}{
		{ResponseBuffers{BufferSize: 4 * k, Buffers: Buffers{1, 4 * k}, BusySize: 4 * k}, "at least 2 proxy_buffers", []string{"proxy_buffer_size", "proxy_buffers"}},
		{ResponseBuffers{BufferSize: 4 * k, Buffers: Buffers{2, 4 * k}}, "nginx's default proxy_busy_buffers_size, twice 4k", []string{"proxy_buffer_size", "proxy_buffers"}},
		{ResponseBuffers{BufferSize: 16 * k, Buffers: Buffers{4, 4 * k}}, "is more than 12k, the size of all proxy_buffers (4 4k) but one", []string{"proxy_buffer_size", "proxy_buffers"}},
		{ResponseBuffers{BufferSize: 4 * k, Buffers: Buffers{4, 4 * k}, BusySize: 12*k + 1}, "proxy_busy_buffers_size 12289 must be at most 12k", []string{"proxy_busy_buffers_size", "proxy_buffers"}},
		{ResponseBuffers{BufferSize: 8 * k, Buffers: Buffers{4, 4 * k}, BusySize: 8*k - 1}, "must be at least 8k, the larger of proxy_buffer_size (8k)", []string{"proxy_busy_buffers_size", "proxy_buffer_size", "proxy_buffers"}},
		{ResponseBuffers{BufferSize: 4 * k, Buffers: Buffers{4, 8 * k}, MaxTempFileSize: 8*k - 1}, "proxy_max_temp_file_size 8191 must be 0 (no temporary files) or at least 8k", []string{"proxy_max_temp_file_size", "proxy_buffer_size", "proxy_buffers"}},
	}
	for _, c := range bad {
		p := c.r.Check()
		require.NotNil(t, p, "%+v", c.r)
		assert.Contains(t, p.Message, c.msg)
		assert.Equal(t, c.dirs, p.Directives)
	}
}

//go:build e2e

package nginx

import (
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed-d040b84d/portcullis/lib/intent"
)

// TestBufferRulesMatchNginx: for response buffer settings at their edges
// and at random, lib's rules (intent.ResponseBuffers.Check) refuse exactly
// what the real nginx -t refuses (docs/reference.md#response-buffers): an
// admitted value never fails nginx's check, and nothing nginx accepts is
// refused.
func TestBufferRulesMatchNginx(t *testing.T) {
	bin, err := FindBinary()
	require.NoError(t, err)
	const k = 1 << 10
	cases := []intent.ResponseBuffers{
		{BufferSize: 4 * k, Buffers: intent.Buffers{Number: 4, Size: 4 * k}, MaxTempFileSize: intent.DefaultMaxTempFileSize},
		{BufferSize: 4 * k, Buffers: intent.Buffers{Number: 3, Size: 4 * k}, MaxTempFileSize: intent.DefaultMaxTempFileSize},
		{BufferSize: 4 * k, Buffers: intent.Buffers{Number: 2, Size: 4 * k}, MaxTempFileSize: intent.DefaultMaxTempFileSize},
		{BufferSize: 4 * k, Buffers: intent.Buffers{Number: 2, Size: 4 * k}, BusySize: 4 * k, MaxTempFileSize: intent.DefaultMaxTempFileSize},
		{BufferSize: 16 * k, Buffers: intent.Buffers{Number: 4, Size: 4 * k}, MaxTempFileSize: intent.DefaultMaxTempFileSize},
		{BufferSize: 4 * k, Buffers: intent.Buffers{Number: 4, Size: 4 * k}, BusySize: 12 * k, MaxTempFileSize: intent.DefaultMaxTempFileSize},
		{BufferSize: 4 * k, Buffers: intent.Buffers{Number: 4, Size: 4 * k}, BusySize: 12*k + 1, MaxTempFileSize: intent.DefaultMaxTempFileSize},
		{BufferSize: 8 * k, Buffers: intent.Buffers{Number: 4, Size: 4 * k}, BusySize: 8*k - 1, MaxTempFileSize: intent.DefaultMaxTempFileSize},
		{BufferSize: 4 * k, Buffers: intent.Buffers{Number: 4, Size: 8 * k}, MaxTempFileSize: 8*k - 1},
		{BufferSize: 4 * k, Buffers: intent.Buffers{Number: 4, Size: 8 * k}, MaxTempFileSize: 8 * k},
		{BufferSize: 4 * k, Buffers: intent.Buffers{Number: 4, Size: 8 * k}, MaxTempFileSize: 0},
	}
	r := rand.New(rand.NewPCG(5, 6))
	sizes := []int64{1, 1000, 4 * k, 5000, 8 * k, 16 * k, 64 * k}
	for range 60 {
		c := intent.ResponseBuffers{
			BufferSize: sizes[r.IntN(len(sizes))],
			Buffers:    intent.Buffers{Number: 2 + r.IntN(7), Size: sizes[r.IntN(len(sizes))]},
		}
		if r.IntN(2) == 0 {
			c.BusySize = sizes[r.IntN(len(sizes))] * int64(1+r.IntN(4))
		}
		switch r.IntN(3) {
		case 0:
			c.MaxTempFileSize = intent.DefaultMaxTempFileSize
		case 1:
			c.MaxTempFileSize = sizes[r.IntN(len(sizes))]
		}
		cases = append(cases, c)
	}
	admitted, refused := 0, 0
	for _, c := range cases {
		busy := ""
		if c.BusySize != 0 {
			busy = fmt.Sprintf("proxy_busy_buffers_size %d;", c.BusySize)
		}
		dir := t.TempDir()
		conf := fmt.Sprintf(`%s
pid %s/nginx.pid;
events {}
http {
    proxy_temp_path %s/proxy_temp;
    client_body_temp_path %s/client_body_temp;
    server {
        listen 127.0.0.1:1;
        location / {
            proxy_pass http://127.0.0.1:1;
            proxy_buffer_size %d;
            proxy_buffers %d %d;
            %s
            proxy_max_temp_file_size %d;
        }
    }
}
`, userLine(), dir, dir, dir, c.BufferSize, c.Buffers.Number, c.Buffers.Size, busy, c.MaxTempFileSize)
		path := filepath.Join(dir, "nginx.conf")
		require.NoError(t, os.WriteFile(path, []byte(conf), 0o600))
		out, err := exec.Command(bin, "-t", "-q", "-p", dir, "-e", filepath.Join(dir, "error.log"), "-c", path).CombinedOutput()
		p := c.Check()
		if p == nil {
			admitted++
			assert.NoError(t, err, "lib admits %+v, nginx -t refuses it: %s", c, out)
		} else {
			refused++
			assert.Error(t, err, "lib refuses %+v (%s), nginx -t accepts it", c, p.Message)
		}
	}
	assert.Greater(t, admitted, 10, "too few admitted cases to say anything")
	assert.Greater(t, refused, 10, "too few refused cases to say anything")
}

// userLine lets nginx -t run as root, where it would switch to nobody.
func userLine() string {
	if os.Geteuid() == 0 {
		return "user root;"
	}
	return ""
}

package nginx

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestRefusalIsTheMasters: a reload's verdict is the master's [emerg] line;
// a worker's is not.
func TestRefusalIsTheMasters(t *testing.T) {
	log := []byte(`2026/12/07 03:16:12 [notice] 20152#20152: signal 1 (SIGHUP) received from 20145, reconfiguring
2026/12/07 03:16:12 [emerg] 20160#20160: accept4() failed (24: Too many open files)
2026/12/07 03:16:12 [emerg] 20152#20152: host not found in upstream "no-such-host.invalid:80" in /state/nginx.conf:90
`)
	assert.Equal(t, `[emerg] host not found in upstream "no-such-host.invalid:80" in /state/nginx.conf:90`, refusalIn(log, 20152))
	assert.Equal(t, "", refusalIn(log[:150], 20152), "a worker's line is no refusal")
	assert.Equal(t, "", refusalIn(nil, 20152))
}

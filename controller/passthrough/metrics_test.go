package passthrough

import (
	"net"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMetrics(t *testing.T) {
	fallback := startBackend(t, "nginx", true, "x.example.com")
	p, addr := startProxy(t, Options{Fallback: fallback.addr, HelloTimeout: 200 * time.Millisecond})
	reg := prometheus.NewPedanticRegistry()
	require.NoError(t, reg.Register(p))

	dialTLS(t, addr, "x.example.com", fallback.ca, "counted", nil)
	c, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	_, _ = c.Write([]byte("GET / HTTP/1.1\r\n\r\n"))
	_, _ = c.Read(make([]byte, 1))
	_ = c.Close()
	require.Eventually(t, func() bool { return p.Stats().HelloFailures == 1 && p.Stats().Active == 0 }, 2*time.Second, 10*time.Millisecond)

	err = testutil.GatherAndCompare(reg, strings.NewReader(`
# HELP portcullis_passthrough_connections_total Connections accepted by the passthrough proxy, by where they went: passthrough (a backend), fallback (nginx), refused (over the connection cap).
# TYPE portcullis_passthrough_connections_total counter
portcullis_passthrough_connections_total{route="fallback"} 1
portcullis_passthrough_connections_total{route="passthrough"} 0
portcullis_passthrough_connections_total{route="refused"} 0
# HELP portcullis_passthrough_failures_total Connections closed by the passthrough proxy before routing (clienthello: no valid ClientHello in time) or after (dial: the backend did not answer).
# TYPE portcullis_passthrough_failures_total counter
portcullis_passthrough_failures_total{stage="clienthello"} 1
portcullis_passthrough_failures_total{stage="dial"} 0
`), "portcullis_passthrough_connections_total", "portcullis_passthrough_failures_total")
	assert.NoError(t, err)
	n, err := testutil.GatherAndCount(reg, "portcullis_passthrough_bytes_total")
	require.NoError(t, err)
	assert.Equal(t, 2, n)
}

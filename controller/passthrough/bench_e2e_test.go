//go:build e2e

package passthrough

import (
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"runtime"
	"sort"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seed-d040b84d/portcullis/test/certgen"
	"github.com/seed-d040b84d/portcullis/test/harness"
)

// bulkSize is what one transfer moves.
const bulkSize = 256 << 20

// startSink is a backend that reads the ClientHello (helloLen bytes), then
// sends bulkSize bytes and closes.
func startSink(b *testing.B, helloLen int) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(b, err)
	b.Cleanup(func() { _ = l.Close() })
	buf := make([]byte, 256<<10)
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func(c net.Conn) {
				defer c.Close()
				if _, err := io.ReadFull(c, make([]byte, helloLen)); err != nil {
					return
				}
				for sent := 0; sent < bulkSize; sent += len(buf) {
					if _, err := c.Write(buf); err != nil {
						return
					}
				}
			}(c)
		}
	}()
	return l.Addr().String()
}

// startPrereadNginx runs nginx's stream module routing by SNI with
// ssl_preread to backend, the way ingress-nginx-style controllers pass
// through; it returns nginx's address.
func startPrereadNginx(b *testing.B, name, backend string) string {
	prefix := b.TempDir()
	addr := "127.0.0.1:" + strconv.Itoa(harness.FreePort(b))
	conf := harness.NginxMain(b, prefix, true) + fmt.Sprintf(`stream {
  map $ssl_preread_server_name $upstream {
    %s %s;
    default 127.0.0.1:1;
  }
  server {
    listen %s;
    ssl_preread on;
    proxy_pass $upstream;
  }
}
`, name, backend, addr)
	harness.StartNginx(b, prefix, conf, addr)
	return addr
}

// transfer sends hello to addr and reads until EOF, returning the time.
func transfer(b *testing.B, addr string, hello []byte) time.Duration {
	start := time.Now()
	c, err := net.Dial("tcp", addr)
	require.NoError(b, err)
	defer c.Close()
	_, err = c.Write(hello)
	require.NoError(b, err)
	n, err := io.Copy(io.Discard, c)
	require.NoError(b, err)
	require.Equal(b, int64(bulkSize), n)
	return time.Since(start)
}

// BenchmarkPassthroughBulk moves 256 MiB per transfer over loopback from a
// backend to a client three ways in each iteration: directly, through the
// proxy, and through nginx's stream module with ssl_preread routing by the
// same SNI:
//
//	go test -tags e2e ./controller/passthrough -run '^$' -bench PassthroughBulk
//
// Reported: proxy-MiB/s, x-direct (the proxy's throughput over the direct
// one) and x-nginx (over nginx's).
func BenchmarkPassthroughBulk(b *testing.B) {
	hello := clientHello(b, &tls.Config{ServerName: "bulk.example.com"})
	sink := startSink(b, len(hello))
	nginx := startPrereadNginx(b, "bulk.example.com", sink)
	p := New(Options{Fallback: "127.0.0.1:1"})
	p.SetRoutes(NewRoutes(map[string]string{"bulk.example.com": sink}))
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(b, err)
	go func() { _ = p.Serve(l) }()
	b.Cleanup(func() { _ = l.Close() })
	proxy := l.Addr().String()

	var direct, ours, theirs time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		direct += transfer(b, sink, hello)
		ours += transfer(b, proxy, hello)
		theirs += transfer(b, nginx, hello)
	}
	b.StopTimer()
	mibps := func(d time.Duration) float64 { return float64(b.N) * bulkSize / (1 << 20) / d.Seconds() }
	b.ReportMetric(mibps(ours), "proxy-MiB/s")
	b.ReportMetric(mibps(ours)/mibps(direct), "x-direct")
	b.ReportMetric(mibps(ours)/mibps(theirs), "x-nginx")
}

// BenchmarkPassthroughConnect measures a TLS handshake (ECDSA P-256, TLS 1.3)
// with a backend directly and through the proxy, in the same run:
//
//	go test -tags e2e ./controller/passthrough -run '^$' -bench PassthroughConnect
//
// Reported: direct-p50-us, proxy-p50-us and overhead-us (their difference);
// and KiB/conn, the memory 2,000 idle connections through the proxy hold
// beyond the same connections made directly.
func BenchmarkPassthroughConnect(b *testing.B) {
	ca, err := certgen.NewCA()
	require.NoError(b, err)
	leaf, err := ca.NewLeaf(certgen.DNSNames("tls.example.com"))
	require.NoError(b, err)
	cert, err := tls.X509KeyPair(leaf.ChainPEM(), leaf.KeyPEM())
	require.NoError(b, err)
	backend, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS13})
	require.NoError(b, err)
	b.Cleanup(func() { _ = backend.Close() })
	go func() {
		for {
			c, err := backend.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				_ = c.(*tls.Conn).Handshake()
				_, _ = io.Copy(io.Discard, c)
			}()
		}
	}()
	p := New(Options{Fallback: "127.0.0.1:1"})
	p.SetRoutes(NewRoutes(map[string]string{"tls.example.com": backend.Addr().String()}))
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(b, err)
	go func() { _ = p.Serve(l) }()
	b.Cleanup(func() { _ = l.Close() })

	cfg := &tls.Config{ServerName: "tls.example.com", RootCAs: ca.Pool(), MinVersion: tls.VersionTLS13}
	handshake := func(addr string) time.Duration {
		start := time.Now()
		c, err := tls.DialWithDialer(&net.Dialer{Timeout: 10 * time.Second}, "tcp", addr, cfg)
		require.NoError(b, err)
		d := time.Since(start)
		_ = c.Close()
		return d
	}
	var direct, proxied []time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		direct = append(direct, handshake(backend.Addr().String()))
		proxied = append(proxied, handshake(l.Addr().String()))
	}
	b.StopTimer()
	p50 := func(d []time.Duration) float64 {
		sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
		return float64(d[len(d)/2].Nanoseconds()) / 1e3
	}
	dp, pp := p50(direct), p50(proxied)
	b.ReportMetric(dp, "direct-p50-us")
	b.ReportMetric(pp, "proxy-p50-us")
	b.ReportMetric(pp-dp, "overhead-us")
	b.ReportMetric(idleCost(b, backend.Addr().String(), l.Addr().String(), cfg), "KiB/conn")
}

// idleCost opens n idle TLS connections directly, then n through the proxy,
// and returns the extra memory per proxied connection in KiB.
func idleCost(b *testing.B, direct, proxied string, cfg *tls.Config) float64 {
	const n = 2000
	measure := func(addr string) uint64 {
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		conns := make([]net.Conn, 0, n)
		for i := 0; i < n; i++ {
			c, err := tls.DialWithDialer(&net.Dialer{Timeout: 10 * time.Second}, "tcp", addr, cfg)
			require.NoError(b, err)
			conns = append(conns, c)
		}
		time.Sleep(200 * time.Millisecond)
		runtime.GC()
		runtime.ReadMemStats(&after)
		for _, c := range conns {
			_ = c.Close()
		}
		time.Sleep(200 * time.Millisecond)
		return (after.HeapInuse + after.StackInuse) - (before.HeapInuse + before.StackInuse)
	}
	d := measure(direct)
	p := measure(proxied)
	if p < d {
		return 0
	}
	return float64(p-d) / n / 1024
}

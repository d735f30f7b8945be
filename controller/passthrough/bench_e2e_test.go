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
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seed-d040b84d/portcullis/test/certgen"
	"github.com/seed-d040b84d/portcullis/test/harness"
)

// bulkSize is what one transfer moves.
const bulkSize = 1 << 30

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
func startPrereadNginx(b *testing.B, name, backend string) (string, *harness.Nginx) {
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
	return addr, harness.StartNginx(b, prefix, conf, addr)
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

// BenchmarkPassthroughBulk moves 1 GiB per transfer over loopback from a
// backend to a client three ways in each iteration: directly, through the
// proxy, and through nginx's stream module with ssl_preread routing by the
// same SNI:
//
//	go test -tags e2e ./controller/passthrough -run '^$' -bench PassthroughBulk
//
// Reported: proxy-MiB/s, x-direct (the proxy's throughput over the direct
// one), x-nginx (over nginx's) and cpu-x-nginx: the CPU the proxy spent per
// byte over what nginx's processes spent. The client and the backend run in
// this process in all three transfers, so the proxy's CPU is this process's
// CPU during the proxied transfer less its CPU during the direct one.
func BenchmarkPassthroughBulk(b *testing.B) {
	hello := clientHello(b, &tls.Config{ServerName: "bulk.example.com"})
	sink := startSink(b, len(hello))
	nginx, ngx := startPrereadNginx(b, "bulk.example.com", sink)
	p := New(Options{Fallback: "127.0.0.1:1"})
	p.SetRoutes(NewRoutes(map[string]string{"bulk.example.com": sink}))
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(b, err)
	go func() { _ = p.Serve(l) }()
	b.Cleanup(func() { _ = l.Close() })
	proxy := l.Addr().String()

	var direct, ours, theirs, directCPU, oursCPU, nginxCPU time.Duration
	nginxCPUOf := func() time.Duration {
		d, err := ngx.CPU()
		require.NoError(b, err)
		return d
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		c0 := harness.ProcessCPU()
		direct += transfer(b, sink, hello)
		c1 := harness.ProcessCPU()
		ours += transfer(b, proxy, hello)
		c2 := harness.ProcessCPU()
		n0 := nginxCPUOf()
		theirs += transfer(b, nginx, hello)
		nginxCPU += nginxCPUOf() - n0
		directCPU += c1 - c0
		oursCPU += c2 - c1
	}
	b.StopTimer()
	mibps := func(d time.Duration) float64 { return float64(b.N) * bulkSize / (1 << 20) / d.Seconds() }
	b.ReportMetric(mibps(ours), "proxy-MiB/s")
	b.ReportMetric(mibps(ours)/mibps(direct), "x-direct")
	b.ReportMetric(mibps(ours)/mibps(theirs), "x-nginx")
	if nginxCPU > 0 {
		b.ReportMetric(max(oursCPU-directCPU, 0).Seconds()/nginxCPU.Seconds(), "cpu-x-nginx")
	}
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
	b.ReportMetric(idleCost(b, p, l.Addr().String()), "KiB/conn")
}

// idleConns is how many idle connections idleCost holds at once.
const idleConns = 10000

// startHolder is a backend that reads whatever it is sent and holds the
// connection until the client closes it; held counts the connections it has
// received bytes on and still holds.
func startHolder(b *testing.B, held *atomic.Int64) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(b, err)
	b.Cleanup(func() { _ = l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				buf := make([]byte, 512)
				if _, err := c.Read(buf); err != nil {
					return
				}
				held.Add(1)
				defer held.Add(-1)
				_, _ = io.CopyBuffer(io.Discard, c, buf)
			}()
		}
	}()
	return l.Addr().String()
}

// idleCost opens idleConns connections to a holding backend directly, then
// as many through the proxy, each sending one ClientHello (the proxy routes
// it and splices both ways, then waits), and returns the Go heap and stacks
// per proxied connection beyond a direct one, in KiB. Each proxied
// connection holds eight descriptors in this process (the client's and the
// backend's sockets, the proxy's two, and a pipe for each direction's splice,
// which Go keeps while the splice waits), so the open-file limit is raised
// first; where the hard limit stops that, fewer connections are held and the
// count is reported as idle-conns.
func idleCost(b *testing.B, p *Proxy, proxied string) float64 {
	var held atomic.Int64
	holder := startHolder(b, &held)
	p.SetRoutes(NewRoutes(map[string]string{"idle.example.com": holder}))
	hello := clientHello(b, &tls.Config{ServerName: "idle.example.com"})
	n := idleConns
	const perConn, spare = 8, 500
	if limit := harness.RaiseOpenFiles(perConn*idleConns + spare); limit < perConn*idleConns+spare {
		n = int(limit-spare) / perConn
		b.Logf("open-file limit %d: holding %d connections, not %d", limit, n, idleConns)
	}
	measure := func(addr string) uint64 {
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		conns := make([]net.Conn, 0, n)
		defer func() {
			for _, c := range conns {
				_ = c.Close()
			}
			require.Eventually(b, func() bool { return held.Load() == 0 }, 60*time.Second, 50*time.Millisecond)
		}()
		for i := 0; i < n; i++ {
			c, err := net.DialTimeout("tcp", addr, 10*time.Second)
			require.NoError(b, err)
			conns = append(conns, c)
			_, err = c.Write(hello)
			require.NoError(b, err)
		}
		// Every connection is through: the proxy has routed each and the
		// backend's reader holds it.
		require.Eventually(b, func() bool { return held.Load() == int64(n) }, 60*time.Second, 50*time.Millisecond)
		time.Sleep(500 * time.Millisecond)
		runtime.GC()
		runtime.ReadMemStats(&after)
		return (after.HeapInuse + after.StackInuse) - (before.HeapInuse + before.StackInuse)
	}
	d := measure(holder)
	pr := measure(proxied)
	b.ReportMetric(float64(n), "idle-conns")
	if pr < d {
		return 0
	}
	return float64(pr-d) / float64(n) / 1024
}

package passthrough

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/go-logr/logr/funcr"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed-d040b84d/portcullis/test/certgen"

	"github.com/seed-d040b84d/portcullis/controller/dataplane"
)

// backend is a TLS server with its own certificate. It answers each
// connection with its name and what it knows of the client, after reading
// the client's line (or, for "half-close", everything until EOF).
type backend struct {
	name string
	addr string
	ca   *certgen.Cert
}

func startBackend(t *testing.T, name string, proxyProtocol bool, hosts ...string) *backend {
	t.Helper()
	ca, err := certgen.NewCA()
	require.NoError(t, err)
	leaf, err := ca.NewLeaf(certgen.DNSNames(hosts...))
	require.NoError(t, err)
	cert, err := tls.X509KeyPair(leaf.ChainPEM(), leaf.KeyPEM())
	require.NoError(t, err)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { _ = l.Close() })
	cfg := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func(c net.Conn) {
				defer c.Close()
				from := c.RemoteAddr().String()
				var raw io.Reader = c
				if proxyProtocol {
					br := bufio.NewReader(c)
					addr, err := ReadProxyHeader(br)
					if err != nil {
						return
					}
					from = addr.String()
					raw = br
				}
				tc := tls.Server(&readerConn{Conn: c, r: raw}, cfg)
				line, err := bufio.NewReader(tc).ReadString('\n')
				if err != nil && line == "" {
					return
				}
				_, _ = fmt.Fprintf(tc, "%s saw %q from %s\n", name, strings.TrimSpace(line), from)
				_ = tc.CloseWrite()
				_, _ = io.Copy(io.Discard, tc)
			}(c)
		}
	}()
	return &backend{name: name, addr: l.Addr().String(), ca: ca}
}

// readerConn reads from r (which may hold bytes already buffered).
type readerConn struct {
	net.Conn
	r io.Reader
}

func (c *readerConn) Read(b []byte) (int, error) { return c.r.Read(b) }

// startProxy serves a proxy on a loopback port.
func startProxy(t *testing.T, o Options) (*Proxy, string) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	p := New(o)
	go func() { _ = p.Serve(l) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = p.Shutdown(ctx)
	})
	return p, l.Addr().String()
}

// dialTLS connects through addr with SNI name, trusting ca, sends line and
// returns the answer and the certificate seen.
func dialTLS(t *testing.T, addr, name string, ca *certgen.Cert, line string, wrap func(net.Conn) net.Conn) (string, *x509.Certificate) {
	t.Helper()
	raw, err := net.DialTimeout("tcp", addr, 5*time.Second)
	require.NoError(t, err)
	defer raw.Close()
	_ = raw.SetDeadline(time.Now().Add(10 * time.Second))
	var c net.Conn = raw
	if wrap != nil {
		c = wrap(raw)
	}
	tc := tls.Client(c, &tls.Config{ServerName: name, RootCAs: ca.Pool(), MinVersion: tls.VersionTLS12})
	require.NoError(t, tc.Handshake(), "handshake for %s", name)
	_, err = fmt.Fprintln(tc, line)
	require.NoError(t, err)
	answer, err := bufio.NewReader(tc).ReadString('\n')
	require.NoError(t, err)
	return strings.TrimSpace(answer), tc.ConnectionState().PeerCertificates[0]
}

// byteWriter writes one byte per TCP segment.
type byteWriter struct{ net.Conn }

func (w byteWriter) Write(b []byte) (int, error) {
	for i := range b {
		if _, err := w.Conn.Write(b[i : i+1]); err != nil {
			return i, err
		}
	}
	return len(b), nil
}

func TestPassthroughAndFallback(t *testing.T) {
	pass := startBackend(t, "pass", false, "pass.example.com", "a.apps.example.com")
	fallback := startBackend(t, "nginx", true, "other.example.com", "b.a.apps.example.com")
	p, addr := startProxy(t, Options{Fallback: fallback.addr})
	p.SetRoutes(NewRoutes(map[string]string{"pass.example.com": pass.addr, "*.apps.example.com": pass.addr}))

	answer, cert := dialTLS(t, addr, "pass.example.com", pass.ca, "hello", nil)
	assert.Contains(t, answer, `pass saw "hello"`, "the backend terminates TLS itself")
	assert.Equal(t, []string{"pass.example.com", "a.apps.example.com"}, cert.DNSNames)

	answer, _ = dialTLS(t, addr, "PASS.example.com", pass.ca, "upper", nil)
	assert.Contains(t, answer, "pass saw")
	answer, _ = dialTLS(t, addr, "a.apps.example.com", pass.ca, "wild", nil)
	assert.Contains(t, answer, "pass saw")
	answer, _ = dialTLS(t, addr, "pass.example.com", pass.ca, "one byte at a time", func(c net.Conn) net.Conn { return byteWriter{c} })
	assert.Contains(t, answer, `pass saw "one byte at a time"`)

	raw, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	local := raw.LocalAddr().String()
	_ = raw.Close()
	answer, cert = dialTLS(t, addr, "other.example.com", fallback.ca, "fallback", nil)
	assert.Contains(t, answer, `nginx saw "fallback" from 127.0.0.1:`, "the fallback gets the client's address in a PROXY v2 header")
	assert.NotContains(t, answer, local)
	assert.Equal(t, []string{"other.example.com", "b.a.apps.example.com"}, cert.DNSNames)
	answer, _ = dialTLS(t, addr, "b.a.apps.example.com", fallback.ca, "two labels", nil)
	assert.Contains(t, answer, "nginx saw", "a wildcard covers one label only")

	s := p.Stats()
	assert.Equal(t, int64(4), s.Passthrough)
	assert.Equal(t, int64(2), s.Fallback)
}

func TestNoSNIGoesToTheFallback(t *testing.T) {
	fallback := startBackend(t, "nginx", true, "127.0.0.1")
	_, addr := startProxy(t, Options{Fallback: fallback.addr})
	raw, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	defer raw.Close()
	tc := tls.Client(raw, &tls.Config{InsecureSkipVerify: true}) //nolint:gosec // the fallback's certificate is not what is tested
	require.NoError(t, tc.Handshake())
	fmt.Fprintln(tc, "no sni")
	answer, err := bufio.NewReader(tc).ReadString('\n')
	require.NoError(t, err)
	assert.Contains(t, answer, "nginx saw")
}

func TestBadClientsAreClosedAndCounted(t *testing.T) {
	fallback := startBackend(t, "nginx", true, "x.example.com")
	p, addr := startProxy(t, Options{Fallback: fallback.addr, HelloTimeout: 300 * time.Millisecond})
	expectClosed := func(what string, send []byte) {
		t.Helper()
		c, err := net.Dial("tcp", addr)
		require.NoError(t, err)
		defer c.Close()
		if send != nil {
			_, _ = c.Write(send)
		}
		_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
		start := time.Now()
		n, err := c.Read(make([]byte, 1))
		assert.Equal(t, 0, n, what)
		assert.Error(t, err, what)
		assert.Less(t, time.Since(start), 4*time.Second, "%s: closed, not left hanging", what)
	}
	expectClosed("garbage", []byte{0xde, 0xad, 0xbe, 0xef, 0, 0, 0, 0})
	expectClosed("an HTTP request", []byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"))
	expectClosed("a stalled client", []byte{recordTypeHandshake, 3, 1})
	require.Eventually(t, func() bool { return p.Stats().HelloFailures == 3 }, 2*time.Second, 10*time.Millisecond)
	answer, _ := dialTLS(t, addr, "x.example.com", fallback.ca, "still serving", nil)
	assert.Contains(t, answer, "nginx saw", "the process is unharmed")
}

// TestRefusedNamesAreClosed: a server name that is an IP address, and a
// passthrough host the model cannot serve, end the connection: neither
// nginx nor any backend gets it.
func TestRefusedNamesAreClosed(t *testing.T) {
	fallback := startBackend(t, "nginx", true, "x.example.com")
	p, addr := startProxy(t, Options{Fallback: fallback.addr})
	p.SetRoutes(RoutesFrom(&dataplane.Model{Passthrough: []dataplane.PassthroughRoute{{Host: "broken.example.com", Reason: "no backend"}}}))
	named := clientHello(t, &tls.Config{ServerName: "abcdefgh"})
	ip := bytes.Replace(named, []byte("abcdefgh"), []byte("10.1.2.3"), 1)
	require.NotEqual(t, named, ip)
	closed := func(what string, hello []byte) bool {
		t.Helper()
		c, err := net.Dial("tcp", addr)
		require.NoError(t, err)
		defer c.Close()
		_, err = c.Write(hello)
		require.NoError(t, err)
		_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
		n, err := c.Read(make([]byte, 1))
		return n == 0 && err != nil
	}
	assert.False(t, closed("a name", named), "control: the same ClientHello with a DNS name reaches nginx")
	assert.True(t, closed("an IP address", ip), "a ClientHello naming 10.1.2.3 is closed")
	assert.True(t, closed("an unservable passthrough host", clientHello(t, &tls.Config{ServerName: "broken.example.com"})))
	s := p.Stats()
	assert.Equal(t, int64(1), s.Fallback, "only the control reached nginx")
	assert.Equal(t, int64(1), s.HelloFailures, "the IP address")
	assert.Equal(t, int64(1), s.Refused, "the unservable host")
}

func TestUnreachableBackendClosesTheClient(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	dead := l.Addr().String()
	_ = l.Close()
	p, addr := startProxy(t, Options{Fallback: dead, DialTimeout: time.Second})
	c, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	defer c.Close()
	_, err = c.Write(clientHello(t, &tls.Config{ServerName: "x.example.com"}))
	require.NoError(t, err)
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, err = c.Read(make([]byte, 1))
	assert.ErrorIs(t, err, io.EOF)
	assert.Equal(t, int64(1), p.Stats().DialFailures)
}

func TestRemovedRouteKeepsOpenConnections(t *testing.T) {
	pass := startEcho(t)
	fallback := startBackend(t, "nginx", true, "pass.example.com")
	p, addr := startProxy(t, Options{Fallback: fallback.addr})
	p.SetRoutes(NewRoutes(map[string]string{"pass.example.com": pass}))

	c, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	defer c.Close()
	hello := clientHello(t, &tls.Config{ServerName: "pass.example.com"})
	_, err = c.Write(hello)
	require.NoError(t, err)
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, err = io.ReadFull(c, make([]byte, len(hello))) // the echo: the connection is established
	require.NoError(t, err)

	p.SetRoutes(NewRoutes(nil))
	_, err = c.Write([]byte("still here\n"))
	require.NoError(t, err)
	got := make([]byte, len("still here\n"))
	_, err = io.ReadFull(c, got)
	require.NoError(t, err)
	assert.Equal(t, "still here\n", string(got), "the open connection continues")

	answer, _ := dialTLS(t, addr, "pass.example.com", fallback.ca, "new", nil)
	assert.Contains(t, answer, "nginx saw", "new connections follow the new table")
}

// startEcho is a plain TCP server that echoes everything back.
func startEcho(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { _ = l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() { defer c.Close(); _, _ = io.Copy(c, c) }()
		}
	}()
	return l.Addr().String()
}

func TestHalfCloseDeliversTheWholeResponse(t *testing.T) {
	// The backend reads until the client's EOF, then answers with 1 MiB.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	const size = 1 << 20
	go func() {
		c, err := l.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		n, _ := io.Copy(io.Discard, c)
		_, _ = c.Write([]byte(fmt.Sprintf("%08d", n)))
		_, _ = c.Write(make([]byte, size))
	}()
	p, addr := startProxy(t, Options{Fallback: "127.0.0.1:1"})
	p.SetRoutes(NewRoutes(map[string]string{"half.example.com": l.Addr().String()}))
	c, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	defer c.Close()
	hello := clientHello(t, &tls.Config{ServerName: "half.example.com"})
	_, err = c.Write(hello)
	require.NoError(t, err)
	require.NoError(t, c.(*net.TCPConn).CloseWrite())
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	got, err := io.ReadAll(c)
	require.NoError(t, err)
	require.Len(t, got, 8+size, "the whole response arrives after the client's half-close")
	assert.Equal(t, fmt.Sprintf("%08d", len(hello)), string(got[:8]), "the backend saw the client's EOF")
}

func TestConnectionCap(t *testing.T) {
	fallback := startBackend(t, "nginx", true, "x.example.com")
	p, addr := startProxy(t, Options{Fallback: fallback.addr, MaxConns: 1, HelloTimeout: 5 * time.Second})
	hold, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	defer hold.Close()
	require.Eventually(t, func() bool { return p.Stats().Active == 1 }, 2*time.Second, 5*time.Millisecond)
	c, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	defer c.Close()
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, err = c.Read(make([]byte, 1))
	assert.Error(t, err, "over the cap: closed at once")
	assert.Equal(t, int64(1), p.Stats().Refused)
}

func TestShutdownDrains(t *testing.T) {
	echo := startEcho(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	p := New(Options{Fallback: "127.0.0.1:1"})
	p.SetRoutes(NewRoutes(map[string]string{"drain.example.com": echo}))
	served := make(chan error, 1)
	go func() { served <- p.Serve(l) }()
	c, err := net.Dial("tcp", l.Addr().String())
	require.NoError(t, err)
	_, err = c.Write(clientHello(t, &tls.Config{ServerName: "drain.example.com"}))
	require.NoError(t, err)
	_, err = bufio.NewReader(c).Peek(1)
	require.NoError(t, err)

	var wg sync.WaitGroup
	var shutdownErr error
	wg.Add(1)
	go func() {
		defer wg.Done()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		shutdownErr = p.Shutdown(ctx)
	}()
	require.ErrorIs(t, <-served, ErrClosed, "Serve returns once shutdown begins")
	_, err = net.DialTimeout("tcp", l.Addr().String(), time.Second)
	assert.Error(t, err, "no new connections")
	_, err = c.Write([]byte("open connections still work\n"))
	assert.NoError(t, err)
	_ = c.Close()
	wg.Wait()
	assert.NoError(t, shutdownErr, "the drain ends when the last connection does")
}

func TestIncomingProxyProtocol(t *testing.T) {
	fallback := startBackend(t, "nginx", true, "x.example.com")
	_, addr := startProxy(t, Options{Fallback: fallback.addr, ProxyProtocol: true})
	wrap := func(c net.Conn) net.Conn {
		_, err := c.Write([]byte("PROXY TCP4 203.0.113.7 10.0.0.1 40000 443\r\n"))
		require.NoError(t, err)
		return c
	}
	answer, _ := dialTLS(t, addr, "x.example.com", fallback.ca, "via a load balancer", wrap)
	assert.Contains(t, answer, "from 203.0.113.7:40000", "the load balancer's client address is passed on")

	c, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	defer c.Close()
	_, _ = c.Write(clientHello(t, &tls.Config{ServerName: "x.example.com"}))
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, err = c.Read(make([]byte, 1))
	assert.Error(t, err, "without the header the connection is refused")
}

// TestProxyHeadersFromTrustedPeersOnly: with TrustedProxies, a peer outside
// them cannot name its own address in a PROXY header: it is closed.
func TestProxyHeadersFromTrustedPeersOnly(t *testing.T) {
	fallback := startBackend(t, "nginx", true, "x.example.com")
	p, addr := startProxy(t, Options{Fallback: fallback.addr, ProxyProtocol: true,
		TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.2/32")}})
	from := func(local string) bool {
		t.Helper()
		d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(local)}, Timeout: 2 * time.Second}
		c, err := d.Dial("tcp", addr)
		require.NoError(t, err)
		defer c.Close()
		_, err = c.Write(append([]byte("PROXY TCP4 10.0.0.5 10.0.0.1 40000 443\r\n"), clientHello(t, &tls.Config{ServerName: "x.example.com"})...))
		require.NoError(t, err)
		_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
		n, _ := c.Read(make([]byte, 1))
		return n == 1
	}
	assert.True(t, from("127.0.0.2"), "the load balancer's connection reaches nginx")
	assert.False(t, from("127.0.0.1"), "another peer's PROXY header is not believed: closed")
	assert.Equal(t, int64(1), p.Stats().Refused)
}

func TestIdleConnectionsAreClosed(t *testing.T) {
	echo := startEcho(t)
	p, addr := startProxy(t, Options{Fallback: "127.0.0.1:1", IdleTimeout: 400 * time.Millisecond})
	p.SetRoutes(NewRoutes(map[string]string{"idle.example.com": echo}))
	c, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	defer c.Close()
	_, err = c.Write(clientHello(t, &tls.Config{ServerName: "idle.example.com"}))
	require.NoError(t, err)
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	start := time.Now()
	_, err = io.ReadAll(c) // the echo, then EOF when the proxy closes the idle connection
	require.NoError(t, err)
	assert.Less(t, time.Since(start), 5*time.Second)
	assert.GreaterOrEqual(t, time.Since(start), 400*time.Millisecond)
}

// descriptorChildEnv marks the test binary re-executed by
// TestRunningOutOfDescriptorsDoesNotStopTheProxy: the child lowers its own
// open-file limit, so no other test of the package runs under it.
const descriptorChildEnv = "PORTCULLIS_TEST_OUT_OF_DESCRIPTORS"

// TestRunningOutOfDescriptorsDoesNotStopTheProxy: when accept fails for lack
// of file descriptors, the proxy waits and accepts again once there are some.
func TestRunningOutOfDescriptorsDoesNotStopTheProxy(t *testing.T) {
	if os.Getenv(descriptorChildEnv) != "" {
		runOutOfDescriptors(t)
		return
	}
	const name = "TestRunningOutOfDescriptorsDoesNotStopTheProxy"
	cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^"+name+"$", "-test.v", "-test.count=1", "-test.timeout=2m")
	cmd.Env = append(os.Environ(), descriptorChildEnv+"=1")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "the test under its own open-file limit failed:\n%s", out)
	require.Contains(t, string(out), "--- PASS: "+name, "the child ran the test:\n%s", out)
}

// runOutOfDescriptors is the child's part: it leaves the process one free
// descriptor, which a client's socket takes, so that the connection waits in
// the listener's backlog while the proxy's accept fails with EMFILE; then it
// gives the descriptors back and sees the proxy accept that connection and
// serve a new one.
func runOutOfDescriptors(t *testing.T) {
	fallback := startBackend(t, "nginx", true, "x.example.com")
	var mu sync.Mutex
	var logged []string
	log := funcr.New(func(_, args string) {
		mu.Lock()
		defer mu.Unlock()
		logged = append(logged, args)
	}, funcr.Options{Verbosity: 1})
	acceptFailed := func() bool {
		mu.Lock()
		defer mu.Unlock()
		for _, l := range logged {
			if strings.Contains(l, "accept failed") && strings.Contains(l, syscall.EMFILE.Error()) {
				return true
			}
		}
		return false
	}
	p, addr := startProxy(t, Options{Fallback: fallback.addr, HelloTimeout: 30 * time.Second, Log: log})
	openFiles := func() int {
		fds, err := os.ReadDir("/proc/self/fd")
		require.NoError(t, err)
		return len(fds)
	}
	// The backend answers once before the shortage, so that its accept loop
	// waits for connections instead of meeting EMFILE itself; then every
	// descriptor of that connection is closed before the count starts.
	before := openFiles()
	viaLoadBalancer := func(c net.Conn) net.Conn {
		_, err := c.Write([]byte("PROXY TCP4 203.0.113.7 10.0.0.1 40000 443\r\n"))
		require.NoError(t, err)
		return c
	}
	answer, _ := dialTLS(t, fallback.addr, "x.example.com", fallback.ca, "before the shortage", viaLoadBalancer)
	require.Contains(t, answer, "nginx saw")
	require.Eventually(t, func() bool { return openFiles() == before }, 5*time.Second, 5*time.Millisecond)

	var lim syscall.Rlimit
	require.NoError(t, syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim))
	low := lim
	low.Cur = uint64(before + 64)
	require.NoError(t, syscall.Setrlimit(syscall.RLIMIT_NOFILE, &low))
	var fillers []*os.File
	t.Cleanup(func() {
		for _, f := range fillers {
			_ = f.Close()
		}
		_ = syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim)
	})
	for {
		f, err := os.Open(os.DevNull)
		if err != nil {
			require.ErrorIs(t, err, syscall.EMFILE)
			break
		}
		fillers = append(fillers, f)
		require.Less(t, len(fillers), 1000, "the lowered limit is never reached")
	}
	require.NoError(t, fillers[len(fillers)-1].Close())
	fillers = fillers[:len(fillers)-1]

	waiting, err := net.DialTimeout("tcp", addr, 5*time.Second)
	require.NoError(t, err, "the client's socket takes the last descriptor")
	defer waiting.Close()
	_, err = os.Open(os.DevNull)
	require.ErrorIs(t, err, syscall.EMFILE, "the process is out of descriptors")
	assert.Eventually(t, acceptFailed, 5*time.Second, 5*time.Millisecond, "the proxy's accept failed for lack of descriptors")
	assert.Zero(t, p.Stats().Active, "the waiting connection was not accepted")

	for _, f := range fillers {
		require.NoError(t, f.Close())
	}
	fillers = nil
	require.NoError(t, syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim))
	require.Eventually(t, func() bool { return p.Stats().Active == 1 }, 5*time.Second, 5*time.Millisecond,
		"once there are descriptors the proxy accepts the connection that waited")
	answer, _ = dialTLS(t, addr, "x.example.com", fallback.ca, "after the shortage", nil)
	assert.Contains(t, answer, "nginx saw", "the proxy serves new connections")
}

// A client trickling its ClientHello one byte at a time, each byte well within
// any per-read timeout, is cut when the whole-hello deadline passes; one whose
// records run past MaxClientHello is refused without the proxy reading on.
func TestSlowLorisAndOversizedHellosAreCut(t *testing.T) {
	fallback := startBackend(t, "nginx", true, "x.example.com")
	p, addr := startProxy(t, Options{Fallback: fallback.addr, HelloTimeout: 400 * time.Millisecond})

	slow, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	defer slow.Close()
	hello := clientHello(t, &tls.Config{ServerName: "x.example.com"})
	start := time.Now()
	var sent int
	for ; sent < len(hello); sent++ {
		if _, err := slow.Write(hello[sent : sent+1]); err != nil {
			break
		}
		if time.Since(start) > 3*time.Second {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	cutAfter := time.Since(start)
	assert.Less(t, sent, len(hello), "the trickle never finished its hello")
	assert.Less(t, cutAfter, 2*time.Second, "cut near the 400ms deadline, not left to trickle")

	// Against a proxy whose deadline is far off, so that only the bound can
	// close the connection in time.
	p2, addr2 := startProxy(t, Options{Fallback: fallback.addr, HelloTimeout: 30 * time.Second})
	bigStart := time.Now()
	big, err := net.Dial("tcp", addr2)
	require.NoError(t, err)
	defer big.Close()
	// A ClientHello whose claimed length fits the bound, sent in one-byte
	// records: the records' headers carry it past the bound before it
	// completes.
	records := []byte{recordTypeHandshake, 3, 1, 0, 4, handshakeClientHello, 0, 0xff, 0xfc}
	for len(records) < MaxClientHello {
		records = append(records, recordTypeHandshake, 3, 1, 0, 1, 0)
	}
	var wrote int
	for wrote < 2*MaxClientHello {
		n, err := big.Write(records)
		wrote += n
		if err != nil {
			break
		}
	}
	_ = big.SetReadDeadline(time.Now().Add(5 * time.Second))
	n, err := big.Read(make([]byte, 1))
	assert.Equal(t, 0, n)
	assert.Error(t, err, "an oversized hello is closed")
	var ne net.Error
	assert.False(t, errors.As(err, &ne) && ne.Timeout(), "closed by the proxy, not by our read deadline: %v", err)
	assert.Less(t, time.Since(bigStart), 4*time.Second, "closed at the bound, not at the deadline")

	require.Eventually(t, func() bool { return p.Stats().HelloFailures == 1 && p2.Stats().HelloFailures == 1 }, 3*time.Second, 10*time.Millisecond)
	assert.Equal(t, int64(0), p.Stats().Fallback+p2.Stats().Fallback, "neither was routed")
	answer, _ := dialTLS(t, addr, "x.example.com", fallback.ca, "still serving", nil)
	assert.Contains(t, answer, "nginx saw")
}

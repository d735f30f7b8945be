package passthrough

import (
	"bufio"
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/go-logr/logr"
	"golang.org/x/sys/unix"
)

// Defaults of Options.
const (
	DefaultHelloTimeout = 5 * time.Second
	DefaultDialTimeout  = 5 * time.Second
	DefaultIdleTimeout  = 10 * time.Minute
	DefaultMaxConns     = 16384
)

// DescriptorsPerConn is how many file descriptors one proxied connection
// holds: the client's socket, the backend's, and for each direction a pipe
// (two descriptors) that the kernel's splice moves bytes through, kept while
// the copy waits for data.
const DescriptorsPerConn = 6

// OpenFilesNeeded is the open-file limit at which maxConns connections fit,
// with 1,024 to spare for the rest of the process.
func OpenFilesNeeded(maxConns int) uint64 {
	return uint64(DescriptorsPerConn*maxConns + 1024)
}

// Options configure a Proxy.
type Options struct {
	// Fallback is nginx's TLS listener (with proxy_protocol) for every
	// connection that is not passed through: "127.0.0.1:442".
	Fallback string
	// HelloTimeout bounds reading the PROXY header (when on) and the
	// ClientHello; a client that stalls longer is closed.
	HelloTimeout time.Duration
	// DialTimeout bounds connecting to a backend; on failure the client is
	// closed.
	DialTimeout time.Duration
	// IdleTimeout closes a connection on which neither side has sent data
	// for this long.
	IdleTimeout time.Duration
	// MaxConns caps the connections handled at once; more are closed at
	// accept.
	MaxConns int
	// ProxyProtocol requires a PROXY protocol v1 or v2 header first on every
	// connection (a load balancer in front, ConfigMap use-proxy-protocol).
	ProxyProtocol bool
	// TrustedProxies are the load balancers allowed to send that header
	// (ConfigMap proxy-real-ip-cidr): a connection from anywhere else is
	// closed, so no client can name its own address. Empty trusts every
	// peer.
	TrustedProxies []netip.Prefix
	Log            logr.Logger
}

// Stats are the proxy's counters since it started.
type Stats struct {
	Passthrough, Fallback, Refused int64 // connections by route
	HelloFailures, DialFailures    int64
	BytesIn, BytesOut              int64 // client → backend, backend → client
	Active                         int64
}

// Proxy is the SNI passthrough proxy. Serve it on the HTTPS listener; change
// routes with SetRoutes at any time.
type Proxy struct {
	o      Options
	routes atomic.Pointer[Routes]
	sem    chan struct{}

	mu        sync.Mutex
	listeners map[net.Listener]struct{}
	conns     map[net.Conn]struct{}
	closing   bool
	wg        sync.WaitGroup

	passthrough, fallback, refused atomic.Int64
	helloFailures, dialFailures    atomic.Int64
	bytesIn, bytesOut, active      atomic.Int64
}

// New returns a Proxy with an empty routing table: everything goes to the
// fallback until SetRoutes.
func New(o Options) *Proxy {
	if o.HelloTimeout <= 0 {
		o.HelloTimeout = DefaultHelloTimeout
	}
	if o.DialTimeout <= 0 {
		o.DialTimeout = DefaultDialTimeout
	}
	if o.IdleTimeout <= 0 {
		o.IdleTimeout = DefaultIdleTimeout
	}
	if o.MaxConns <= 0 {
		o.MaxConns = DefaultMaxConns
	}
	p := &Proxy{o: o, sem: make(chan struct{}, o.MaxConns), listeners: map[net.Listener]struct{}{}, conns: map[net.Conn]struct{}{}}
	p.routes.Store(NewRoutes(nil))
	return p
}

// SetRoutes swaps the routing table. Open connections keep their backends.
func (p *Proxy) SetRoutes(r *Routes) { p.routes.Store(r) }

// Stats returns the counters.
func (p *Proxy) Stats() Stats {
	return Stats{
		Passthrough: p.passthrough.Load(), Fallback: p.fallback.Load(), Refused: p.refused.Load(),
		HelloFailures: p.helloFailures.Load(), DialFailures: p.dialFailures.Load(),
		BytesIn: p.bytesIn.Load(), BytesOut: p.bytesOut.Load(), Active: p.active.Load(),
	}
}

// ErrClosed is returned by Serve after Shutdown.
var ErrClosed = errors.New("passthrough proxy closed")

// Serve accepts connections on l until Shutdown or an accept error.
func (p *Proxy) Serve(l net.Listener) error {
	p.mu.Lock()
	if p.closing {
		p.mu.Unlock()
		return ErrClosed
	}
	p.listeners[l] = struct{}{}
	p.mu.Unlock()
	defer func() {
		p.mu.Lock()
		delete(p.listeners, l)
		p.mu.Unlock()
	}()
	for {
		c, err := l.Accept()
		if err != nil {
			p.mu.Lock()
			closing := p.closing
			p.mu.Unlock()
			if closing {
				return ErrClosed
			}
			// Out of descriptors, or a timeout: wait and accept again, so a
			// flood of connections never stops the proxy for good.
			var ne net.Error
			if errors.Is(err, syscall.EMFILE) || errors.Is(err, syscall.ENFILE) || errors.Is(err, syscall.ECONNABORTED) ||
				(errors.As(err, &ne) && ne.Timeout()) {
				p.o.Log.V(1).Info("accept failed; retrying", "error", err.Error())
				time.Sleep(10 * time.Millisecond)
				continue
			}
			return err
		}
		select {
		case p.sem <- struct{}{}:
		default:
			p.refused.Add(1)
			_ = c.Close()
			continue
		}
		if !p.track(c, true) {
			<-p.sem
			_ = c.Close()
			return ErrClosed
		}
		p.wg.Add(1)
		go p.handle(c)
	}
}

// track adds or removes a connection; it refuses new ones once closing.
func (p *Proxy) track(c net.Conn, add bool) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if add {
		if p.closing {
			return false
		}
		p.conns[c] = struct{}{}
	} else {
		delete(p.conns, c)
	}
	return true
}

// Shutdown stops accepting, lets open connections finish, and when ctx ends
// first closes the rest.
func (p *Proxy) Shutdown(ctx context.Context) error {
	p.mu.Lock()
	p.closing = true
	for l := range p.listeners {
		_ = l.Close()
	}
	p.mu.Unlock()
	done := make(chan struct{})
	go func() { p.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		p.mu.Lock()
		for c := range p.conns {
			_ = c.Close()
		}
		p.mu.Unlock()
		<-done
		return ctx.Err()
	}
}

// handle routes one connection. A panic here closes the connection, never
// the process.
func (p *Proxy) handle(c net.Conn) {
	p.active.Add(1)
	defer func() {
		if r := recover(); r != nil {
			p.o.Log.Error(nil, "connection handler panicked", "panic", r, "client", c.RemoteAddr().String())
		}
		_ = c.Close()
		p.track(c, false)
		p.active.Add(-1)
		<-p.sem
		p.wg.Done()
	}()
	_ = c.SetDeadline(time.Now().Add(p.o.HelloTimeout))
	var in io.Reader = c
	var br *bufio.Reader
	src := c.RemoteAddr()
	if p.o.ProxyProtocol {
		if !p.trusted(c.RemoteAddr()) {
			p.refused.Add(1)
			return
		}
		br = bufio.NewReaderSize(c, 4096)
		addr, err := ReadProxyHeader(br)
		if err != nil {
			p.helloFailures.Add(1)
			return
		}
		if addr != nil {
			src = addr
		}
		in = br
	}
	hello, err := ReadClientHello(in)
	if err != nil {
		p.helloFailures.Add(1)
		return
	}
	first := hello.Raw
	if br != nil && br.Buffered() > 0 {
		rest, _ := br.Peek(br.Buffered())
		first = append(first, rest...)
	}
	decision, backends := p.routes.Load().Decide(hello.ServerName)
	if decision == Refuse {
		p.refused.Add(1)
		return
	}
	passthrough := decision == ToBackend
	if !passthrough {
		backends = []string{p.o.Fallback}
	}
	up, err := dialOne(backends, p.o.DialTimeout)
	if err != nil {
		p.dialFailures.Add(1)
		p.o.Log.V(1).Info("backend unreachable", "backends", backends, "server name", hello.ServerName, "error", err.Error())
		return
	}
	defer up.Close()
	if passthrough {
		p.passthrough.Add(1)
	} else {
		p.fallback.Add(1)
		first = append(AppendProxyV2(nil, src, c.LocalAddr()), first...)
	}
	_ = up.SetWriteDeadline(time.Now().Add(p.o.HelloTimeout))
	if _, err := up.Write(first); err != nil {
		return
	}
	_ = up.SetWriteDeadline(time.Time{})
	_ = c.SetDeadline(time.Time{})
	p.pipe(c, up)
}

// trusted reports whether a peer may send a PROXY header.
func (p *Proxy) trusted(peer net.Addr) bool {
	if len(p.o.TrustedProxies) == 0 {
		return true
	}
	tcp, ok := peer.(*net.TCPAddr)
	if !ok {
		return false
	}
	a, ok := netip.AddrFromSlice(tcp.IP)
	if !ok {
		return false
	}
	a = a.Unmap()
	for _, pfx := range p.o.TrustedProxies {
		if pfx.Contains(a) {
			return true
		}
	}
	return false
}

// dialOne connects to one of the backends, starting at a random one and
// trying the next while they do not answer, within timeout in all.
func dialOne(backends []string, timeout time.Duration) (net.Conn, error) {
	deadline := time.Now().Add(timeout)
	start := rand.IntN(len(backends))
	var errs []error
	for i := range backends {
		left := time.Until(deadline)
		if left <= 0 {
			break
		}
		c, err := net.DialTimeout("tcp", backends[(start+i)%len(backends)], left)
		if err == nil {
			return c, nil
		}
		errs = append(errs, err)
	}
	if len(errs) == 0 {
		return nil, errors.New("dial timeout")
	}
	return nil, errors.Join(errs...)
}

// pipe copies both ways until both directions end, passing each half-close
// on. Between TCP connections io.Copy uses splice(2): the bytes never enter
// user space. The idle watchdog reads the kernel's own last-data times, so it
// needs no hook in the copy.
func (p *Proxy) pipe(client, up net.Conn) {
	stop := make(chan struct{})
	defer close(stop)
	go p.watchIdle(client, up, stop)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		n, _ := io.Copy(up, client)
		p.bytesIn.Add(n)
		closeWrite(up)
	}()
	n, _ := io.Copy(client, up)
	p.bytesOut.Add(n)
	closeWrite(client)
	wg.Wait()
}

func closeWrite(c net.Conn) {
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.CloseWrite()
		return
	}
	_ = c.Close()
}

// watchIdle closes both connections once neither has received data for the
// idle timeout.
func (p *Proxy) watchIdle(client, up net.Conn, stop <-chan struct{}) {
	tick := p.o.IdleTimeout / 4
	if tick > 10*time.Second {
		tick = 10 * time.Second
	}
	t := time.NewTicker(tick)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			ci, cok := idleFor(client)
			ui, uok := idleFor(up)
			if cok && uok && ci >= p.o.IdleTimeout && ui >= p.o.IdleTimeout {
				_ = client.Close()
				_ = up.Close()
				return
			}
		}
	}
}

// idleFor is how long ago the connection last received data, from the
// kernel's TCP_INFO.
func idleFor(c net.Conn) (time.Duration, bool) {
	sc, ok := c.(syscall.Conn)
	if !ok {
		return 0, false
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return 0, false
	}
	var info *unix.TCPInfo
	var gerr error
	if err := raw.Control(func(fd uintptr) { info, gerr = unix.GetsockoptTCPInfo(int(fd), unix.IPPROTO_TCP, unix.TCP_INFO) }); err != nil || gerr != nil {
		return 0, false
	}
	return time.Duration(info.Last_data_recv) * time.Millisecond, true
}

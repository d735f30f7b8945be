package passthrough

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed-d040b84d/portcullis/controller/dataplane"
)

// errCaptured stops a handshake once the ClientHello is written.
var errCaptured = errors.New("captured")

// captureConn records what a TLS client writes and fails the first write, so
// the handshake stops right after the ClientHello.
type captureConn struct {
	net.Conn
	buf bytes.Buffer
}

func (c *captureConn) Write(b []byte) (int, error) { c.buf.Write(b); return 0, errCaptured }
func (c *captureConn) Read([]byte) (int, error)    { return 0, io.EOF }
func (c *captureConn) Close() error                { return nil }
func (c *captureConn) SetDeadline(time.Time) error { return nil }
func (c *captureConn) SetWriteDeadline(time.Time) error {
	return nil
}
func (c *captureConn) SetReadDeadline(time.Time) error { return nil }

// clientHello returns the bytes Go's TLS client sends first with cfg.
func clientHello(t testing.TB, cfg *tls.Config) []byte {
	t.Helper()
	c := &captureConn{}
	err := tls.Client(c, cfg).Handshake()
	require.ErrorIs(t, err, errCaptured)
	return bytes.Clone(c.buf.Bytes())
}

// reRecord splits the handshake message of a single-record ClientHello into
// records of at most size bytes each.
func reRecord(t testing.TB, hello []byte, size int) []byte {
	t.Helper()
	require.Equal(t, byte(recordTypeHandshake), hello[0])
	msg := hello[recordHeaderLen:]
	require.Equal(t, int(binary.BigEndian.Uint16(hello[3:5])), len(msg), "one record")
	var out []byte
	for len(msg) > 0 {
		n := min(size, len(msg))
		out = append(out, recordTypeHandshake, 3, 1)
		out = binary.BigEndian.AppendUint16(out, uint16(n))
		out = append(out, msg[:n]...)
		msg = msg[n:]
	}
	return out
}

// oneByteReader returns its data one byte per Read, as a client writing one
// byte per TCP segment would arrive.
type oneByteReader struct{ b []byte }

func (r *oneByteReader) Read(p []byte) (int, error) {
	if len(r.b) == 0 {
		return 0, io.EOF
	}
	if len(p) == 0 {
		return 0, nil
	}
	p[0] = r.b[0]
	r.b = r.b[1:]
	return 1, nil
}

func TestClientHelloFromGo(t *testing.T) {
	cases := []struct {
		name string
		cfg  *tls.Config
		sni  string
	}{
		{"TLS 1.3 default (post-quantum key share)", &tls.Config{ServerName: "shop.example.com"}, "shop.example.com"},
		{"upper case", &tls.Config{ServerName: "Shop.Example.COM"}, "shop.example.com"},
		{"TLS 1.2 only, ALPN", &tls.Config{ServerName: "api.example.com", MaxVersion: tls.VersionTLS12, NextProtos: []string{"h2", "http/1.1"}}, "api.example.com"},
		{"no SNI", &tls.Config{InsecureSkipVerify: true}, ""}, //nolint:gosec // only the ClientHello is made
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			raw := clientHello(t, c.cfg)
			for _, variant := range []struct {
				name string
				in   []byte
				r    func([]byte) io.Reader
			}{
				{"as sent", raw, func(b []byte) io.Reader { return bytes.NewReader(b) }},
				{"one byte per read", raw, func(b []byte) io.Reader { return &oneByteReader{b: b} }},
				{"split across records", reRecord(t, raw, 100), func(b []byte) io.Reader { return bytes.NewReader(b) }},
				{"one byte records", reRecord(t, raw, 1), func(b []byte) io.Reader { return bytes.NewReader(b) }},
			} {
				trailing := []byte("after the hello")
				r := variant.r(append(bytes.Clone(variant.in), trailing...))
				h, err := ReadClientHello(r)
				require.NoError(t, err, variant.name)
				assert.Equal(t, c.sni, h.ServerName, variant.name)
				assert.Equal(t, variant.in, h.Raw, "%s: exactly the records, nothing more", variant.name)
				rest, _ := io.ReadAll(r)
				assert.Equal(t, trailing, rest, "%s: nothing read past the ClientHello", variant.name)
			}
		})
	}
}

func TestClientHelloIsLargerThanOneSegment(t *testing.T) {
	raw := clientHello(t, &tls.Config{ServerName: "pq.example.com", CurvePreferences: []tls.CurveID{tls.X25519MLKEM768, tls.X25519}})
	assert.Greater(t, len(raw), 1200, "a post-quantum key share makes the hello larger than a typical segment")
	h, err := ReadClientHello(&oneByteReader{b: raw})
	require.NoError(t, err)
	assert.Equal(t, "pq.example.com", h.ServerName)
}

func TestClientHelloRefusals(t *testing.T) {
	good := clientHello(t, &tls.Config{ServerName: "shop.example.com"})
	huge := []byte{recordTypeHandshake, 3, 1, 0, 4, handshakeClientHello, 0x02, 0, 0} // claims 128 KiB
	var many []byte
	for len(many) < MaxClientHello {
		many = append(many, reRecord(t, good, 1)...)
	}
	many = append([]byte{recordTypeHandshake, 3, 1, 0, 4, handshakeClientHello, 0, 0xff, 0xff}, many[9:]...)
	cases := []struct {
		name string
		in   []byte
		want error
	}{
		{"HTTP request", []byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"), ErrNotTLS},
		{"alert record", []byte{21, 3, 1, 0, 2, 2, 40}, ErrNotTLS},
		{"ServerHello", []byte{recordTypeHandshake, 3, 3, 0, 4, 2, 0, 0, 0}, ErrNotHello},
		{"claims more than the bound", huge, ErrTooLarge},
		{"records past the bound", many, ErrTooLarge},
		{"empty record", []byte{recordTypeHandshake, 3, 1, 0, 0}, ErrMalformed},
		{"truncated", good[:len(good)/2], io.ErrUnexpectedEOF},
		{"nothing", nil, io.EOF},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h, err := ReadClientHello(bytes.NewReader(c.in))
			assert.ErrorIs(t, err, c.want)
			assert.Nil(t, h)
		})
	}
}

func TestCanonicalName(t *testing.T) {
	for in, want := range map[string]string{
		"shop.example.com": "shop.example.com", "SHOP.Example.com.": "shop.example.com", "a": "a", "_acme.example.com": "_acme.example.com",
	} {
		got, err := canonicalName(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got)
	}
	for _, bad := range []string{"", ".", "a..b", "-a.com", "a-.com", "a b.com", "a/b", "127.0.0.1:443", "x\x00y", string(make([]byte, 254)),
		"10.1.2.3", "10.1.2.3.", "1234", "shop.example.123", "::1", "[::1]", "2001:db8::1"} {
		_, err := canonicalName(bad)
		assert.ErrorIs(t, err, ErrInvalidName, "%q", bad)
	}
}

func TestRoutes(t *testing.T) {
	r := NewRoutes(map[string]string{"Shop.example.com.": "10.0.0.1:443", "*.apps.example.com": "10.0.0.2:443"})
	for name, want := range map[string]string{
		"shop.example.com": "10.0.0.1:443", "a.apps.example.com": "10.0.0.2:443",
		"a.b.apps.example.com": "", "apps.example.com": "", "example.com": "", "": "",
	} {
		got, ok := r.Lookup(name)
		assert.Equal(t, want, got, name)
		assert.Equal(t, want != "", ok, name)
	}
	assert.Equal(t, []string{"*.apps.example.com", "shop.example.com"}, r.Hosts())
	var none *Routes
	_, ok := none.Lookup("x")
	assert.False(t, ok)
}

// TestRoutesFromModelPrecedence: names nginx terminates win over a
// passthrough wildcard above them, exactly as nginx's server_name would
// choose (the exact name, then the wildcard); a passthrough host the model
// cannot serve is refused.
func TestRoutesFromModelPrecedence(t *testing.T) {
	m := &dataplane.Model{
		Servers: []dataplane.Server{{Host: "dash.apps.example.com"}, {Host: "*.web.example.com"}, {Host: "refused.apps.example.com", Reject: true},
			{Host: "apps.example.com", WWWRedirect: "www.apps.example.com"}},
		Passthrough: []dataplane.PassthroughRoute{
			{Host: "*.apps.example.com", Servers: []string{"10.0.0.2:443"}},
			{Host: "pt.web.example.com", Servers: []string{"10.0.0.3:443", "10.0.0.4:443"}},
			{Host: "broken.example.com", Reason: "service not found"},
		},
	}
	r := RoutesFrom(m)
	for name, want := range map[string]Decision{
		"x.apps.example.com":       ToBackend,
		"dash.apps.example.com":    ToNginx, // terminated exact beats the passthrough wildcard
		"www.apps.example.com":     ToNginx, // so does a www. redirect server's name
		"refused.apps.example.com": ToNginx, // nginx refuses its handshakes itself
		"a.b.apps.example.com":     ToNginx, // one label only
		"pt.web.example.com":       ToBackend,
		"x.web.example.com":        ToNginx,
		"broken.example.com":       Refuse,
		"unknown.example.com":      ToNginx,
		"":                         ToNginx,
	} {
		got, backends := r.Decide(name)
		assert.Equal(t, want, got, name)
		assert.Equal(t, want == ToBackend, len(backends) > 0, name)
	}
	_, b := r.Decide("pt.web.example.com")
	assert.Equal(t, []string{"10.0.0.3:443", "10.0.0.4:443"}, b)
	assert.Equal(t, []string{"*.apps.example.com", "broken.example.com", "pt.web.example.com"}, r.Hosts())
}

func TestProxyV2Header(t *testing.T) {
	src := &net.TCPAddr{IP: net.ParseIP("192.0.2.10"), Port: 51234}
	dst := &net.TCPAddr{IP: net.ParseIP("127.0.0.1"), Port: 443}
	got := AppendProxyV2(nil, src, dst)
	want := append([]byte("\r\n\r\n\x00\r\nQUIT\n"), 0x21, 0x11, 0, 12, 192, 0, 2, 10, 127, 0, 0, 1, 0xc8, 0x22, 0x01, 0xbb)
	assert.Equal(t, want, got, "byte-exact against haproxy's proxy-protocol.txt §2.2")

	addr, err := ReadProxyHeader(bufio.NewReader(bytes.NewReader(got)))
	require.NoError(t, err)
	assert.Equal(t, "192.0.2.10:51234", addr.String())

	v6 := AppendProxyV2(nil, &net.TCPAddr{IP: net.ParseIP("2001:db8::1"), Port: 1}, &net.TCPAddr{IP: net.ParseIP("::1"), Port: 443})
	assert.Len(t, v6, 16+36)
	assert.Equal(t, byte(0x21), v6[13])
	addr, err = ReadProxyHeader(bufio.NewReader(bytes.NewReader(v6)))
	require.NoError(t, err)
	assert.Equal(t, "[2001:db8::1]:1", addr.String())

	mapped := AppendProxyV2(nil, &net.TCPAddr{IP: net.ParseIP("::ffff:192.0.2.1"), Port: 1}, dst)
	assert.Equal(t, byte(0x11), mapped[13], "an IPv4-mapped address is sent as IPv4")
}

func TestProxyV1Header(t *testing.T) {
	for line, want := range map[string]string{
		"PROXY TCP4 203.0.113.7 10.0.0.1 40000 443\r\n":    "203.0.113.7:40000",
		"PROXY TCP6 2001:db8::7 2001:db8::1 40000 443\r\n": "[2001:db8::7]:40000",
		"PROXY UNKNOWN\r\n": "",
	} {
		br := bufio.NewReader(bytes.NewReader(append([]byte(line), 0x16)))
		addr, err := ReadProxyHeader(br)
		require.NoError(t, err, line)
		if want == "" {
			assert.Nil(t, addr)
		} else {
			assert.Equal(t, want, addr.String())
		}
		next, _ := br.ReadByte()
		assert.Equal(t, byte(0x16), next, "%q: the header is consumed exactly", line)
	}
	for _, bad := range []string{
		"PROXY TCP4 203.0.113.7 10.0.0.1 40000\r\n", "PROXY TCP4 2001:db8::7 10.0.0.1 1 2\r\n", "PROXY TCP4 1.2.3.4 5.6.7.8 070000 1\r\n",
		"PROXY TCP4 1.2.3.4 5.6.7.8 1 2\n", "\x16\x03\x01\x00\x10 not a header", "PROXY " + string(bytes.Repeat([]byte("x"), 200)),
	} {
		_, err := ReadProxyHeader(bufio.NewReader(bytes.NewReader([]byte(bad))))
		assert.Error(t, err, "%q", bad)
	}
}

// FuzzClientHello: whatever arrives, the reader never panics, never keeps
// more than MaxClientHello bytes, and a name it returns is canonical and was
// in the input.
func FuzzClientHello(f *testing.F) {
	for _, cfg := range []*tls.Config{
		{ServerName: "shop.example.com"},
		{ServerName: "api.example.com", MaxVersion: tls.VersionTLS12, NextProtos: []string{"h2"}},
		{InsecureSkipVerify: true}, //nolint:gosec // only the ClientHello is made
	} {
		h := clientHello(f, cfg)
		f.Add(h)
		f.Add(reRecord(f, h, 64))
	}
	f.Add([]byte("GET / HTTP/1.1\r\n\r\n"))
	f.Fuzz(func(t *testing.T, in []byte) {
		h, err := ReadClientHello(bytes.NewReader(in))
		if err != nil {
			return
		}
		if len(h.Raw) > MaxClientHello || !bytes.HasPrefix(in, h.Raw) {
			t.Fatalf("kept %d bytes that are not a prefix of the input", len(h.Raw))
		}
		if h.ServerName != "" {
			if c, err := canonicalName(h.ServerName); err != nil || c != h.ServerName {
				t.Fatalf("name %q is not canonical", h.ServerName)
			}
		}
	})
}

// TestClientHelloFromCurlAndOpenSSL reads the ClientHellos captured from
// curl 7.88 and OpenSSL 3.0 (testdata/fuzz/FuzzClientHello, also the fuzz
// seeds): other TLS stacks than Go's are read the same way.
func TestClientHelloFromCurlAndOpenSSL(t *testing.T) {
	for file, want := range map[string]string{
		"curl-sni-alpn":             "shop.example.com",
		"curl-tls12-no-sni":         "",
		"openssl-tls13-sni":         "api.example.com",
		"openssl-tls12-no-sni-alpn": "",
	} {
		raw, err := os.ReadFile(filepath.Join("testdata", "fuzz", "FuzzClientHello", file))
		require.NoError(t, err)
		lines := strings.SplitN(string(raw), "\n", 3)
		require.Equal(t, "go test fuzz v1", lines[0])
		quoted := strings.TrimSuffix(strings.TrimPrefix(lines[1], "[]byte("), ")")
		hello, err := strconv.Unquote(quoted)
		require.NoError(t, err)
		h, err := ReadClientHello(bytes.NewReader([]byte(hello)))
		require.NoError(t, err, file)
		assert.Equal(t, want, h.ServerName, file)
		assert.Equal(t, []byte(hello), h.Raw, file)
	}
}

// FuzzProxyHeader: whatever a load balancer (or anyone) sends first, the
// PROXY header parser never panics, never reads past its bound, and an
// address it accepts survives a round trip through the v2 encoder.
func FuzzProxyHeader(f *testing.F) {
	f.Add([]byte("PROXY TCP4 203.0.113.7 10.0.0.1 40000 443\r\n"))
	f.Add([]byte("PROXY TCP6 2001:db8::7 2001:db8::1 40000 443\r\n"))
	f.Add([]byte("PROXY UNKNOWN\r\n"))
	f.Add(AppendProxyV2(nil, &net.TCPAddr{IP: net.ParseIP("192.0.2.10"), Port: 1}, &net.TCPAddr{IP: net.ParseIP("127.0.0.1"), Port: 443}))
	f.Add(AppendProxyV2(nil, &net.TCPAddr{IP: net.ParseIP("2001:db8::1"), Port: 2}, &net.TCPAddr{IP: net.ParseIP("::1"), Port: 443}))
	f.Fuzz(func(t *testing.T, in []byte) {
		r := bytes.NewReader(in)
		br := bufio.NewReaderSize(r, 4096)
		addr, err := ReadProxyHeader(br)
		if err != nil || addr == nil {
			return
		}
		consumed := len(in) - r.Len() - br.Buffered()
		if consumed > 16+maxProxyV2Payload && consumed > maxProxyV1 {
			t.Fatalf("read %d bytes for one header", consumed)
		}
		again, err := ReadProxyHeader(bufio.NewReader(bytes.NewReader(AppendProxyV2(nil, addr, addr))))
		if err != nil || again.String() != addr.String() {
			t.Fatalf("%v did not survive a round trip: %v, %v", addr, again, err)
		}
	})
}

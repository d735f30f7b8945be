package passthrough

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"strconv"
	"strings"
)

// proxyV2Signature starts every PROXY protocol v2 header.
var proxyV2Signature = []byte("\r\n\r\n\x00\r\nQUIT\n")

// PROXY v2 fields (haproxy's proxy-protocol.txt §2.2).
const (
	proxyV2VersionProxy = 0x21 // version 2, command PROXY
	proxyV2VersionLocal = 0x20 // version 2, command LOCAL
	proxyV2TCP4         = 0x11
	proxyV2TCP6         = 0x21
	proxyV2Unspec       = 0x00
	maxProxyV1          = 107 // the longest v1 line, CRLF included
	maxProxyV2Payload   = 2048
)

// AppendProxyV2 appends a PROXY protocol v2 header saying the connection came
// from src to dst (TCP over IPv4 or IPv6; an IPv4-mapped IPv6 address counts
// as IPv4). Addresses that are not TCP give a LOCAL header.
func AppendProxyV2(b []byte, src, dst net.Addr) []byte {
	s, sok := src.(*net.TCPAddr)
	d, dok := dst.(*net.TCPAddr)
	b = append(b, proxyV2Signature...)
	if !sok || !dok {
		return append(b, proxyV2VersionLocal, proxyV2Unspec, 0, 0)
	}
	sa, _ := netip.AddrFromSlice(s.IP)
	da, _ := netip.AddrFromSlice(d.IP)
	sa, da = sa.Unmap(), da.Unmap()
	if sa.Is4() && da.Is4() {
		b = append(b, proxyV2VersionProxy, proxyV2TCP4, 0, 12)
		b = append(b, sa.AsSlice()...)
		b = append(b, da.AsSlice()...)
	} else {
		s16, d16 := sa.As16(), da.As16()
		b = append(b, proxyV2VersionProxy, proxyV2TCP6, 0, 36)
		b = append(b, s16[:]...)
		b = append(b, d16[:]...)
	}
	b = binary.BigEndian.AppendUint16(b, uint16(s.Port))
	return binary.BigEndian.AppendUint16(b, uint16(d.Port))
}

// ErrProxyHeader is a PROXY protocol header that does not parse.
var ErrProxyHeader = errors.New("malformed PROXY protocol header")

// ReadProxyHeader reads a PROXY protocol v1 or v2 header from br and returns
// the source address it carries (nil for LOCAL/UNKNOWN: the connection's own
// address applies). Anything else first is an error: with PROXY protocol on,
// every connection must start with a header.
func ReadProxyHeader(br *bufio.Reader) (net.Addr, error) {
	peek, err := br.Peek(len(proxyV2Signature))
	if err != nil {
		return nil, fmt.Errorf("read PROXY header: %w", err)
	}
	if bytes.Equal(peek, proxyV2Signature) {
		return readProxyV2(br)
	}
	if bytes.HasPrefix(peek, []byte("PROXY ")) {
		return readProxyV1(br)
	}
	return nil, ErrProxyHeader
}

func readProxyV2(br *bufio.Reader) (net.Addr, error) {
	var hdr [16]byte
	if _, err := io.ReadFull(br, hdr[:]); err != nil {
		return nil, fmt.Errorf("read PROXY v2 header: %w", err)
	}
	n := int(binary.BigEndian.Uint16(hdr[14:16]))
	if n > maxProxyV2Payload {
		return nil, ErrProxyHeader
	}
	payload := make([]byte, n)
	if _, err := io.ReadFull(br, payload); err != nil {
		return nil, fmt.Errorf("read PROXY v2 addresses: %w", err)
	}
	switch hdr[12] {
	case proxyV2VersionLocal:
		return nil, nil
	case proxyV2VersionProxy:
	default:
		return nil, ErrProxyHeader
	}
	switch hdr[13] {
	case proxyV2TCP4:
		if n < 12 {
			return nil, ErrProxyHeader
		}
		ip, _ := netip.AddrFromSlice(payload[0:4])
		return &net.TCPAddr{IP: ip.AsSlice(), Port: int(binary.BigEndian.Uint16(payload[8:10]))}, nil
	case proxyV2TCP6:
		if n < 36 {
			return nil, ErrProxyHeader
		}
		ip, _ := netip.AddrFromSlice(payload[0:16])
		return &net.TCPAddr{IP: ip.AsSlice(), Port: int(binary.BigEndian.Uint16(payload[32:34]))}, nil
	case proxyV2Unspec:
		return nil, nil
	}
	return nil, ErrProxyHeader // UDP, unix sockets: not for an HTTPS port
}

func readProxyV1(br *bufio.Reader) (net.Addr, error) {
	var line []byte
	for len(line) < maxProxyV1 {
		c, err := br.ReadByte()
		if err != nil {
			return nil, fmt.Errorf("read PROXY v1 header: %w", err)
		}
		line = append(line, c)
		if c == '\n' {
			break
		}
	}
	text, ok := strings.CutSuffix(string(line), "\r\n")
	if !ok {
		return nil, ErrProxyHeader
	}
	f := strings.Split(text, " ")
	if len(f) >= 2 && f[0] == "PROXY" && f[1] == "UNKNOWN" {
		return nil, nil
	}
	if len(f) != 6 || f[0] != "PROXY" || (f[1] != "TCP4" && f[1] != "TCP6") {
		return nil, ErrProxyHeader
	}
	ip, err := netip.ParseAddr(f[2])
	if err != nil || ip.Is4() != (f[1] == "TCP4") {
		return nil, ErrProxyHeader
	}
	if _, err := netip.ParseAddr(f[3]); err != nil {
		return nil, ErrProxyHeader
	}
	port, err := strconv.ParseUint(f[4], 10, 16)
	if err != nil || f[4] != strconv.FormatUint(port, 10) {
		return nil, ErrProxyHeader
	}
	if _, err := strconv.ParseUint(f[5], 10, 16); err != nil {
		return nil, ErrProxyHeader
	}
	return &net.TCPAddr{IP: ip.AsSlice(), Port: int(port)}, nil
}

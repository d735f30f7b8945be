// Package passthrough is the SNI passthrough proxy: it reads each TLS
// ClientHello on the HTTPS port, sends connections for passthrough hosts to
// their backends untouched, and everything else to nginx's fallback port
// with a PROXY protocol v2 header carrying the client's address.
package passthrough

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strings"
)

// MaxClientHello bounds the bytes read before routing: the records carrying
// one ClientHello (post-quantum key shares make it span several segments).
const MaxClientHello = 64 << 10

// TLS record and handshake constants (RFC 8446 §5.1, §4).
const (
	recordHeaderLen      = 5
	recordTypeHandshake  = 22
	maxRecordPayload     = 1<<14 + 2048 // TLSPlaintext limit with slack for old clients
	handshakeHeaderLen   = 4
	handshakeClientHello = 1
	extServerName        = 0
	serverNameTypeHost   = 0
)

// Errors the reader returns; the proxy counts them.
var (
	ErrNotTLS      = errors.New("not a TLS handshake record")
	ErrNotHello    = errors.New("the first handshake message is not a ClientHello")
	ErrTooLarge    = fmt.Errorf("ClientHello larger than %d bytes", MaxClientHello)
	ErrMalformed   = errors.New("malformed ClientHello")
	ErrInvalidName = errors.New("server name is not a valid DNS name")
)

// Hello is what the proxy learned from a ClientHello.
type Hello struct {
	// Raw are the bytes read from the client (whole records), to be written
	// to whichever backend the connection goes to.
	Raw []byte
	// ServerName is the SNI host name, lower-cased and without a trailing
	// dot; empty when the client sent none.
	ServerName string
}

// ReadClientHello reads whole TLS records from r until they hold one complete
// ClientHello handshake message, however it is split across records and
// reads, and never more than MaxClientHello bytes. A ClientHello that is
// malformed or whose server name is not a DNS name is an error: no routing
// decision is made on a partial or doubtful name.
func ReadClientHello(r io.Reader) (*Hello, error) {
	var raw, msg []byte
	need := -1 // handshake message length, once known
	for need < 0 || len(msg) < handshakeHeaderLen+need {
		var hdr [recordHeaderLen]byte
		if _, err := io.ReadFull(r, hdr[:]); err != nil {
			if len(raw) == 0 && errors.Is(err, io.EOF) {
				return nil, io.EOF
			}
			return nil, fmt.Errorf("read record header: %w", err)
		}
		if hdr[0] != recordTypeHandshake || hdr[1] != 3 {
			return nil, ErrNotTLS
		}
		n := int(binary.BigEndian.Uint16(hdr[3:5]))
		if n == 0 || n > maxRecordPayload {
			return nil, ErrMalformed
		}
		if len(raw)+recordHeaderLen+n > MaxClientHello {
			return nil, ErrTooLarge
		}
		raw = append(raw, hdr[:]...)
		start := len(raw)
		raw = append(raw, make([]byte, n)...)
		if _, err := io.ReadFull(r, raw[start:]); err != nil {
			return nil, fmt.Errorf("read record: %w", err)
		}
		msg = append(msg, raw[start:]...)
		if need < 0 && len(msg) >= handshakeHeaderLen {
			if msg[0] != handshakeClientHello {
				return nil, ErrNotHello
			}
			need = int(msg[1])<<16 | int(msg[2])<<8 | int(msg[3])
			if handshakeHeaderLen+need > MaxClientHello {
				return nil, ErrTooLarge
			}
		}
	}
	name, err := serverName(msg[handshakeHeaderLen : handshakeHeaderLen+need])
	if err != nil {
		return nil, err
	}
	return &Hello{Raw: raw, ServerName: name}, nil
}

// reader walks a byte slice with bounds checks.
type reader struct {
	b   []byte
	bad bool
}

func (r *reader) take(n int) []byte {
	if r.bad || n < 0 || n > len(r.b) {
		r.bad = true
		return nil
	}
	out := r.b[:n]
	r.b = r.b[n:]
	return out
}

func (r *reader) u8() int {
	b := r.take(1)
	if b == nil {
		return 0
	}
	return int(b[0])
}

func (r *reader) u16() int {
	b := r.take(2)
	if b == nil {
		return 0
	}
	return int(binary.BigEndian.Uint16(b))
}

// vector reads a length-prefixed vector (lenBytes of 1 or 2).
func (r *reader) vector(lenBytes int) *reader {
	n := r.u8()
	if lenBytes == 2 {
		n = n<<8 | r.u8()
	}
	return &reader{b: r.take(n), bad: r.bad}
}

// serverName finds the host_name of the server_name extension (RFC 6066 §3)
// in a ClientHello body.
func serverName(body []byte) (string, error) {
	r := &reader{b: body}
	r.take(2)  // legacy_version
	r.take(32) // random
	if sid := r.vector(1); sid.bad || len(sid.b) > 32 {
		return "", ErrMalformed
	}
	if cs := r.vector(2); cs.bad || len(cs.b) == 0 || len(cs.b)%2 != 0 {
		return "", ErrMalformed
	}
	if cm := r.vector(1); cm.bad || len(cm.b) == 0 {
		return "", ErrMalformed
	}
	if r.bad {
		return "", ErrMalformed
	}
	if len(r.b) == 0 {
		return "", nil // no extensions (an old client): no SNI
	}
	exts := r.vector(2)
	if exts.bad || len(r.b) != 0 {
		return "", ErrMalformed
	}
	name, found := "", false
	for len(exts.b) > 0 {
		typ := exts.u16()
		data := exts.vector(2)
		if exts.bad || data.bad {
			return "", ErrMalformed
		}
		if typ != extServerName {
			continue
		}
		if found {
			return "", ErrMalformed // a duplicated extension is illegal
		}
		found = true
		list := data.vector(2)
		if list.bad || len(data.b) != 0 {
			return "", ErrMalformed
		}
		for len(list.b) > 0 {
			nameType := list.u8()
			host := list.vector(2)
			if list.bad || host.bad {
				return "", ErrMalformed
			}
			if nameType == serverNameTypeHost && name == "" {
				n, err := canonicalName(string(host.b))
				if err != nil {
					return "", err
				}
				name = n
			}
		}
	}
	return name, nil
}

// canonicalName lower-cases a host name and removes one trailing dot, and
// refuses anything that is not a DNS name: an IP address is not allowed in
// SNI (RFC 6066 §3), and no top-level domain is all digits, so a name whose
// last label is numeric ("10.1.2.3", "1234") is refused as one.
func canonicalName(s string) (string, error) {
	s = strings.TrimSuffix(strings.ToLower(s), ".")
	if s == "" || len(s) > 253 {
		return "", ErrInvalidName
	}
	last := s[strings.LastIndexByte(s, '.')+1:]
	if strings.Trim(last, "0123456789") == "" {
		return "", ErrInvalidName
	}
	for _, label := range strings.Split(s, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return "", ErrInvalidName
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
				return "", ErrInvalidName
			}
		}
	}
	return s, nil
}

package dataplane

import (
	"fmt"
	"time"

	"github.com/seed-d040b84d/portcullis/lib/annotations/grammar"
	"github.com/seed-d040b84d/portcullis/lib/config"
	"github.com/seed-d040b84d/portcullis/lib/intent"
)

// Traffic is a request body limit and backend timeouts. A nil BodySize and
// a zero timeout are unset (the http level's, or nginx's own there).
type Traffic struct {
	// BodySize is the largest request body in bytes; 0: no limit.
	BodySize *int64
	// Timeouts are whole milliseconds, at most grammar.MaxProxyTimeout.
	ConnectTimeout, ReadTimeout, SendTimeout time.Duration
	// Buffering and RequestBuffering, nil when unset; BodyBufferSize in
	// bytes; HTTPVersion "1.0" or "1.1", "" when unset.
	Buffering, RequestBuffering *bool
	BodyBufferSize              *int64
	HTTPVersion                 string
	// Response buffers in bytes and retries, nil when unset (see
	// intent.Traffic); checked with the http level's by location.
	BufferSize, BusyBuffersSize, MaxTempFileSize *int64
	Buffers                                      *intent.Buffers
	NextUpstream                                 []string
	NextUpstreamTimeout                          *time.Duration
	NextUpstreamTries                            *int
}

// maxBodySize is the largest body limit the model holds (grammar.BodySize's).
const maxBodySize = 1 << 50

// traffic checks a path's traffic settings again: what lib admitted, and
// nothing the renderer could not write as a plain nginx size or time.
func traffic(t *intent.Traffic) (*Traffic, error) {
	out := &Traffic{}
	if t.BodySize != nil {
		if n := *t.BodySize; n < 0 || n > maxBodySize {
			return nil, fmt.Errorf("body size %d is out of range", n)
		}
		n := *t.BodySize
		out.BodySize = &n
	}
	if t.BodyBufferSize != nil {
		if n := *t.BodyBufferSize; n < 0 || n > maxBodySize {
			return nil, fmt.Errorf("body buffer size %d is out of range", n)
		}
		n := *t.BodyBufferSize
		out.BodyBufferSize = &n
	}
	switch t.HTTPVersion {
	case "", "1.0", "1.1":
		out.HTTPVersion = t.HTTPVersion
	default:
		return nil, fmt.Errorf("HTTP version %q is not 1.0 or 1.1", t.HTTPVersion)
	}
	out.Buffering, out.RequestBuffering = copyBool(t.Buffering), copyBool(t.RequestBuffering)
	if err := buffers(t, out); err != nil {
		return nil, err
	}
	for _, c := range []struct {
		name string
		in   *time.Duration
		out  *time.Duration
	}{
		{"connect", t.ConnectTimeout, &out.ConnectTimeout},
		{"read", t.ReadTimeout, &out.ReadTimeout},
		{"send", t.SendTimeout, &out.SendTimeout},
	} {
		if c.in == nil {
			continue
		}
		if d := *c.in; d < time.Millisecond || d > grammar.MaxProxyTimeout || d%time.Millisecond != 0 {
			return nil, fmt.Errorf("%s timeout %s is not a whole number of milliseconds from 1ms to %s", c.name, d, grammar.MaxProxyTimeout)
		}
		*c.out = *c.in
	}
	return out, nil
}

func copyBool(b *bool) *bool {
	if b == nil {
		return nil
	}
	v := *b
	return &v
}

// globalTraffic is the ConfigMap's http-level traffic settings; a zero
// timeout is unset. A value out of range (the ConfigMap parsed, so none
// should be) is left to nginx's default.
func globalTraffic(cfg config.Config) Traffic {
	g := globalBuffers(cfg)
	body := cfg.ProxyBodySize
	if t, err := traffic(&intent.Traffic{BodySize: &body}); err == nil {
		g.BodySize = t.BodySize
	}
	for _, c := range []struct {
		in  time.Duration
		out *time.Duration
	}{{cfg.ProxyConnectTimeout, &g.ConnectTimeout}, {cfg.ProxyReadTimeout, &g.ReadTimeout}, {cfg.ProxySendTimeout, &g.SendTimeout}} {
		if t, err := traffic(&intent.Traffic{ReadTimeout: &c.in}); err == nil && c.in != 0 {
			*c.out = t.ReadTimeout
		}
	}
	return g
}

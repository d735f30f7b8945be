package nginx

// Traffic: the request body limit and the backend timeouts, at the http
// level (the ConfigMap's) and in the locations of Ingresses that set their
// own, with their buffering, response buffers, retries and HTTP version
// (docs/controller.md#what-is-rendered).

import (
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/seed-d040b84d/portcullis/controller/dataplane"
	"github.com/seed-d040b84d/portcullis/lib/annotations/grammar"
)

// trafficDirectives writes t: client_max_body_size and
// client_body_buffer_size, and the timeouts of the proxy module (proxy_ or
// grpc_) that passes the requests, with the proxy module's buffering and
// HTTP version. http sets both modules' timeouts. Every argument is a number,
// on/off or a version the model checked; they are checked again here.
func trafficDirectives(t *dataplane.Traffic, modules ...string) ([]*Node, error) {
	if t == nil {
		return nil, nil
	}
	var out []*Node
	if t.BodySize != nil {
		n := *t.BodySize
		if n < 0 || n > 1<<50 {
			return nil, fmt.Errorf("body size %d", n)
		}
		out = append(out, d("client_max_body_size", lit(grammar.BodySize.Format(n))))
	}
	if t.BodyBufferSize != nil {
		n := *t.BodyBufferSize
		if n < 0 || n > 1<<50 {
			return nil, fmt.Errorf("body buffer size %d", n)
		}
		out = append(out, d("client_body_buffer_size", lit(grammar.NginxSize.Format(n))))
	}
	for _, m := range modules {
		if m != "proxy" {
			continue // nginx's gRPC proxy has no buffering or HTTP version to choose
		}
		if t.Buffering != nil {
			out = append(out, d("proxy_buffering", onOff(*t.Buffering)))
		}
		if t.RequestBuffering != nil {
			out = append(out, d("proxy_request_buffering", onOff(*t.RequestBuffering)))
		}
		switch t.HTTPVersion {
		case "":
		case "1.0", "1.1":
			out = append(out, d("proxy_http_version", lit(t.HTTPVersion)))
		default:
			return nil, fmt.Errorf("HTTP version %q", t.HTTPVersion)
		}
	}
	bufs, err := bufferDirectives(t, modules)
	if err != nil {
		return nil, err
	}
	out = append(out, bufs...)
	for _, m := range modules {
		for _, c := range []struct {
			name string
			v    time.Duration
		}{{"connect", t.ConnectTimeout}, {"read", t.ReadTimeout}, {"send", t.SendTimeout}} {
			if c.v == 0 {
				continue
			}
			arg, err := nginxTime(c.v)
			if err != nil {
				return nil, fmt.Errorf("%s timeout: %w", c.name, err)
			}
			out = append(out, d(m+"_"+c.name+"_timeout", arg))
		}
	}
	return out, nil
}

// nginxTime writes a timeout in whole seconds when it is one, else in
// milliseconds.
func nginxTime(v time.Duration) (Arg, error) {
	if v < time.Millisecond || v > grammar.MaxProxyTimeout || v%time.Millisecond != 0 {
		return Arg{}, fmt.Errorf("%s is not a whole number of milliseconds from 1ms to %s", v, grammar.MaxProxyTimeout)
	}
	if v%time.Second == 0 {
		return lit(strconv.FormatInt(int64(v/time.Second), 10) + "s"), nil
	}
	return lit(strconv.FormatInt(v.Milliseconds(), 10) + "ms"), nil
}

// bufferDirectives writes t's response buffers and retries: the header
// buffer and the retries for each module, the other buffers for the proxy
// module only (nginx's gRPC proxy sizes its own). Every argument is a size,
// count, time or retry condition the model checked; checked again here.
func bufferDirectives(t *dataplane.Traffic, modules []string) ([]*Node, error) {
	var out []*Node
	sizeArg := func(what string, n int64, lo, hi int64) (Arg, error) {
		if n < lo || n > hi {
			return Arg{}, fmt.Errorf("%s %d is out of range", what, n)
		}
		return lit(grammar.NginxSize.Format(n)), nil
	}
	for _, m := range modules {
		if t.BufferSize != nil {
			a, err := sizeArg("buffer size", *t.BufferSize, 1, grammar.MaxBufferSize)
			if err != nil {
				return nil, err
			}
			out = append(out, d(m+"_buffer_size", a))
		}
		if m == "proxy" {
			if b := t.Buffers; b != nil {
				if b.Number < grammar.MinBuffers || b.Number > grammar.MaxBuffers {
					return nil, fmt.Errorf("%d proxy buffers", b.Number)
				}
				a, err := sizeArg("proxy buffers size", b.Size, 1, grammar.MaxBufferSize)
				if err != nil {
					return nil, err
				}
				out = append(out, d("proxy_buffers", lit(strconv.Itoa(b.Number)), a))
			}
			if t.BusyBuffersSize != nil {
				a, err := sizeArg("busy buffers size", *t.BusyBuffersSize, 1, grammar.MaxBusyBuffersSize)
				if err != nil {
					return nil, err
				}
				out = append(out, d("proxy_busy_buffers_size", a))
			}
			if t.MaxTempFileSize != nil {
				a, err := sizeArg("max temp file size", *t.MaxTempFileSize, 0, grammar.MaxTempFileSize)
				if err != nil {
					return nil, err
				}
				out = append(out, d("proxy_max_temp_file_size", a))
			}
		}
		if t.NextUpstream != nil {
			if len(t.NextUpstream) == 0 {
				return nil, fmt.Errorf("no next upstream conditions")
			}
			args := make([]Arg, 0, len(t.NextUpstream))
			for _, c := range t.NextUpstream {
				if !slices.Contains(grammar.NextUpstreamConditions, c) {
					return nil, fmt.Errorf("next upstream condition %q", c)
				}
				args = append(args, lit(c))
			}
			out = append(out, d(m+"_next_upstream", args...))
		}
		if v := t.NextUpstreamTimeout; v != nil {
			a := lit("0")
			if *v != 0 {
				var err error
				if a, err = nginxTime(*v); err != nil {
					return nil, fmt.Errorf("next upstream timeout: %w", err)
				}
			}
			out = append(out, d(m+"_next_upstream_timeout", a))
		}
		if v := t.NextUpstreamTries; v != nil {
			if *v < 0 || *v > grammar.MaxNextUpstreamTries {
				return nil, fmt.Errorf("next upstream tries %d", *v)
			}
			out = append(out, d(m+"_next_upstream_tries", lit(strconv.Itoa(*v))))
		}
	}
	return out, nil
}

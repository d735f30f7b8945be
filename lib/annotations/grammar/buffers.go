package grammar

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Response buffers and retries to the next backend (nginx's proxy_buffer_size,
// proxy_buffers, proxy_busy_buffers_size, proxy_max_temp_file_size and
// proxy_next_upstream*; docs/annotations.md).

// Bounds of the buffer grammars: each buffer is allocated per request, so a
// value far beyond any response header or body chunk is refused rather than
// written.
const (
	// MaxBufferSize is the largest proxy_buffer_size and proxy_buffers size.
	MaxBufferSize = 16 << 20
	// MinBuffers and MaxBuffers bound the number of proxy_buffers: nginx
	// needs at least 2; NGINX Inc caps it at 1024.
	MinBuffers, MaxBuffers = 2, 1024
	// MaxBusyBuffersSize is the largest proxy_busy_buffers_size: never more
	// than all buffers but one (nginx's rule), so at most 1023 × 16m.
	MaxBusyBuffersSize = (MaxBuffers - 1) * MaxBufferSize
	// MaxTempFileSize is the largest proxy_max_temp_file_size: 1 TiB.
	MaxTempFileSize = 1 << 40
	// MaxNextUpstreamTries is the most tries of a request across backends.
	MaxNextUpstreamTries = 1000
)

// sizeIn is NginxSize from lo to hi bytes.
func sizeIn(lo, hi int64, name string) Grammar[int64] {
	return Grammar[int64]{
		Name: name,
		Parse: func(s string, c Context) (int64, error) {
			n, err := NginxSize.Parse(s, c)
			if err != nil {
				return 0, err
			}
			if n < lo || n > hi {
				return 0, errorf("must be from %s to %s, got %q", NginxSize.Format(lo), NginxSize.Format(hi), s)
			}
			return n, nil
		},
		Format: NginxSize.Format,
	}
}

// BufferSize is one response buffer (proxy_buffer_size, a proxy_buffers
// buffer): an nginx size from 1 byte to 16m.
var BufferSize = sizeIn(1, MaxBufferSize, "nginx size 1–16m (e.g. 4k, 16k)")

// BusyBuffersSize is proxy_busy_buffers_size: an nginx size from 1 byte to
// MaxBusyBuffersSize; how it relates to the buffers is checked with them.
var BusyBuffersSize = sizeIn(1, MaxBusyBuffersSize, "nginx size (e.g. 8k, 16k)")

// TempFileSize is proxy_max_temp_file_size: 0 (no temporary files) or an
// nginx size up to 1 TiB; how it relates to the buffers is checked with them.
var TempFileSize = sizeIn(0, MaxTempFileSize, "nginx size (e.g. 1024m; 0 = no temporary files)")

// BuffersNumber is ingress-nginx's proxy-buffers-number: 2 to 1024.
var BuffersNumber = IntRange(MinBuffers, MaxBuffers)

// Buffers is nginx's proxy_buffers: how many buffers of which size.
type Buffers struct {
	Number int
	Size   int64
}

// ProxyBuffers is NGINX Inc's nginx.org/proxy-buffers: "<number> <size>"
// with one space, the number 2 to 1024 and the size as BufferSize.
var ProxyBuffers = Grammar[Buffers]{
	Name: `"<number> <size>" (e.g. "8 4k")`,
	Parse: func(s string, c Context) (Buffers, error) {
		num, size, ok := strings.Cut(s, " ")
		if !ok || strings.Contains(size, " ") {
			return Buffers{}, errorf(`must be "<number> <size>" with one space, such as "8 4k", got %q`, s)
		}
		n, err := BuffersNumber.Parse(num, c)
		if err != nil {
			return Buffers{}, errorf("number of buffers in %q: %v", s, err)
		}
		sz, err := BufferSize.Parse(size, c)
		if err != nil {
			return Buffers{}, errorf("buffer size in %q: %v", s, err)
		}
		return Buffers{Number: n, Size: sz}, nil
	},
	Format: func(v Buffers) string { return strconv.Itoa(v.Number) + " " + NginxSize.Format(v.Size) },
}

// NextUpstreamConditions are the cases nginx's proxy_next_upstream (and
// grpc_next_upstream) passes a request to the next backend in, as
// ingress-nginx and NGINX Inc accept them ("updating" is for caches only).
var NextUpstreamConditions = []string{"error", "timeout", "invalid_header", "http_500", "http_502",
	"http_503", "http_504", "http_403", "http_404", "http_429", "non_idempotent", "off"}

// NextUpstream is proxy_next_upstream: conditions from NextUpstreamConditions
// separated by single spaces, each at most once; "off" alone.
var NextUpstream = Grammar[[]string]{
	Name: "space-separated conditions (e.g. error timeout http_502; off)",
	Parse: func(s string, _ Context) ([]string, error) {
		words := strings.Split(s, " ")
		for i, w := range words {
			if w == "" {
				return nil, errorf("must be conditions separated by single spaces, such as %q, got %q", "error timeout http_502", s)
			}
			if !slices.Contains(NextUpstreamConditions, w) {
				return nil, errorf("%q in %q is not a condition; allowed: %s%s", w, s, strings.Join(NextUpstreamConditions, ", "), Suggest(w, NextUpstreamConditions))
			}
			if slices.Contains(words[:i], w) {
				return nil, errorf("%q is listed twice in %q", w, s)
			}
		}
		if len(words) > 1 && slices.Contains(words, "off") {
			return nil, errorf(`"off" turns retries off and cannot be combined with other conditions, got %q`, s)
		}
		return words, nil
	},
	Format: func(v []string) string { return strings.Join(v, " ") },
}

// SecondsOrZero is ingress-nginx's proxy-next-upstream-timeout: a decimal
// number of seconds, 0 (no limit) to 2147483 (MaxProxyTimeout).
var SecondsOrZero = Grammar[time.Duration]{
	Name: "seconds 0–2147483 (0 = no limit)",
	Parse: func(s string, c Context) (time.Duration, error) {
		if s == "0" {
			return 0, nil
		}
		v, err := Seconds.Parse(s, c)
		if err != nil {
			return 0, errorf("%s", strings.Replace(err.Error(), "from 1 to", "from 0 (no limit) to", 1))
		}
		return v, nil
	},
	Format: Seconds.Format,
}

// TimeOrZero is NGINX Inc's nginx.org/proxy-next-upstream-timeout: an
// nginx time, 0 (no limit) to MaxProxyTimeout.
var TimeOrZero = Grammar[time.Duration]{
	Name: "nginx time (e.g. 10s, 1m; 0 = no limit)",
	Parse: func(s string, c Context) (time.Duration, error) {
		v, err := NginxTime.Parse(s, c)
		if err != nil {
			return 0, err
		}
		if v > MaxProxyTimeout || v%time.Millisecond != 0 {
			return 0, errorf("must be at most 24d20h31m23s647ms (2^31-1 ms, the longest timer nginx keeps on every platform), got %q", s)
		}
		return v, nil
	},
	Format: NginxTime.Format,
}

// NextUpstreamTries is proxy_next_upstream_tries: 0 (no limit) to 1000.
var NextUpstreamTries = IntRange(0, MaxNextUpstreamTries).Named(fmt.Sprintf("integer 0–%d (0 = no limit)", MaxNextUpstreamTries))

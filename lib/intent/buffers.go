package intent

import (
	"fmt"
	"strconv"
)

// Buffers is nginx's proxy_buffers: Number buffers of Size bytes each.
type Buffers struct {
	Number int   `json:"number"`
	Size   int64 `json:"size"`
}

// DefaultMaxTempFileSize is nginx's proxy_max_temp_file_size when none is set.
const DefaultMaxTempFileSize = 1 << 30

// ResponseBuffers are the response buffer settings in force at one nginx
// location: its own, else those it inherits from the http level.
type ResponseBuffers struct {
	// BufferSize is proxy_buffer_size (the response header's buffer).
	BufferSize int64
	Buffers    Buffers
	// BusySize is proxy_busy_buffers_size; 0: nginx's default, twice the
	// larger of BufferSize and one of Buffers.
	BusySize int64
	// MaxTempFileSize is proxy_max_temp_file_size; 0: no temporary files.
	MaxTempFileSize int64
}

// BufferProblem is a rule of nginx's (ngx_http_proxy_merge_loc_conf) that
// response buffer settings break: nginx -t would refuse the configuration.
type BufferProblem struct {
	// Directives are the nginx directives whose values break the rule.
	Directives []string
	Message    string
}

// Check returns the first rule of nginx's the settings break, or nil. The
// rules: at least 2 buffers; proxy_busy_buffers_size (or its default) at
// least the larger of proxy_buffer_size and one buffer, and at most all
// buffers but one; proxy_max_temp_file_size 0 or at least that larger size.
func (r ResponseBuffers) Check() *BufferProblem {
	const bs, bufs, busy, tmp = "proxy_buffer_size", "proxy_buffers", "proxy_busy_buffers_size", "proxy_max_temp_file_size"
	if r.Buffers.Number < 2 || r.Buffers.Size < 1 || r.BufferSize < 1 {
		return &BufferProblem{[]string{bs, bufs}, fmt.Sprintf("nginx needs at least 2 proxy_buffers and sizes of at least 1 byte, got proxy_buffers %s and proxy_buffer_size %s", r.Buffers, size(r.BufferSize))}
	}
	larger := max(r.BufferSize, r.Buffers.Size)
	largerIs := fmt.Sprintf("%s, the larger of proxy_buffer_size (%s) and one of proxy_buffers (%s)", size(larger), size(r.BufferSize), r.Buffers)
	allButOne := int64(r.Buffers.Number-1) * r.Buffers.Size
	allButOneIs := fmt.Sprintf("%s, the size of all proxy_buffers (%s) but one", size(allButOne), r.Buffers)
	switch {
	case r.BusySize != 0 && r.BusySize < larger:
		return &BufferProblem{[]string{busy, bs, bufs}, fmt.Sprintf("proxy_busy_buffers_size %s must be at least %s", size(r.BusySize), largerIs)}
	case r.BusySize != 0 && r.BusySize > allButOne:
		return &BufferProblem{[]string{busy, bufs}, fmt.Sprintf("proxy_busy_buffers_size %s must be at most %s", size(r.BusySize), allButOneIs)}
	case r.BusySize == 0 && 2*larger > allButOne:
		return &BufferProblem{[]string{bs, bufs}, fmt.Sprintf("nginx's default proxy_busy_buffers_size, twice %s, is more than %s: set more or larger proxy_buffers, or a proxy_busy_buffers_size", largerIs, allButOneIs)}
	case r.MaxTempFileSize != 0 && r.MaxTempFileSize < larger:
		return &BufferProblem{[]string{tmp, bs, bufs}, fmt.Sprintf("proxy_max_temp_file_size %s must be 0 (no temporary files) or at least %s", size(r.MaxTempFileSize), largerIs)}
	}
	return nil
}

// String is b as nginx's proxy_buffers arguments, e.g. "8 4k".
func (b Buffers) String() string { return strconv.Itoa(b.Number) + " " + size(b.Size) }

// size writes n bytes with the largest exact k or m suffix, as nginx reads it.
func size(n int64) string {
	switch {
	case n != 0 && n%(1<<20) == 0:
		return strconv.FormatInt(n>>20, 10) + "m"
	case n != 0 && n%(1<<10) == 0:
		return strconv.FormatInt(n>>10, 10) + "k"
	}
	return strconv.FormatInt(n, 10)
}

package config

import (
	"time"

	"github.com/seed-d040b84d/portcullis/lib/annotations"
	"github.com/seed-d040b84d/portcullis/lib/annotations/grammar"
	"github.com/seed-d040b84d/portcullis/lib/findings"
	"github.com/seed-d040b84d/portcullis/lib/intent"
)

// bufferRows are the http level's response buffers and retries: every
// path's, unless its Ingress sets its own (docs/annotations.md). The names
// and defaults are ingress-nginx's.
var bufferRows = []Row{
	{
		Key: "proxy-buffer-size", Default: "4k",
		Doc:      "Size of the buffer a backend's response header is read into (nginx `proxy_buffer_size`, and `grpc_buffer_size`), and of each of the `proxy-buffers-number` response buffers (as ingress-nginx writes `proxy_buffers`). With the other buffer keys it must satisfy nginx (docs/reference.md#response-buffers). The annotations `proxy-buffer-size` and `nginx.org/proxy-buffer-size` override it.",
		Value:    grammar.Bind(grammar.BufferSize, func(c *Config, v int64) { c.ProxyBufferSize = v }),
		Examples: annotations.Examples{Good: good("4k", "16k"), Bad: bad("0", "from 1 to 16m", "16kb", "must be an nginx size")},
	},
	{
		Key: "proxy-buffers-number", Default: "4",
		Doc:      "How many response buffers of `proxy-buffer-size` (nginx `proxy_buffers`): 2 to 1024, at least 3 unless `proxy-busy-buffers-size` is set. The annotations `proxy-buffers-number` and `nginx.org/proxy-buffers` override it.",
		Value:    grammar.Bind(grammar.BuffersNumber, func(c *Config, v int) { c.ProxyBuffersNumber = v }),
		Examples: annotations.Examples{Good: good("4", "8"), Bad: bad("1", "an integer from 2 to 1024")},
	},
	{
		Key:      "proxy-busy-buffers-size",
		Doc:      "How much of the response buffers may be busy sending to the client (nginx `proxy_busy_buffers_size`); unset: nginx's default, twice `proxy-buffer-size`. The annotations `proxy-busy-buffers-size` and `nginx.org/proxy-busy-buffers-size` override it.",
		Value:    grammar.Bind(grammar.BusyBuffersSize, func(c *Config, v int64) { c.ProxyBusyBuffersSize = v }),
		Examples: annotations.Examples{Good: good("8k", "12k"), Bad: bad("0", "from 1 to", "16k", "must be at most 12k, the size of all proxy_buffers (4 4k) but one", "2k", "must be at least 4k")},
	},
	{
		Key: "proxy-max-temp-file-size", Default: "1024m",
		Doc:      "Largest temporary file a response that does not fit the buffers is written to (nginx `proxy_max_temp_file_size`); `0`: none. The annotations `proxy-max-temp-file-size` and `nginx.org/proxy-max-temp-file-size` override it.",
		Value:    grammar.Bind(grammar.TempFileSize, func(c *Config, v int64) { c.ProxyMaxTempFileSize = v }),
		Examples: annotations.Examples{Good: good("1024m", "0"), Bad: bad("1g", "must be an nginx size", "1k", "must be 0 (no temporary files) or at least 4k")},
	},
	{
		Key: "proxy-next-upstream", Default: "error timeout",
		Doc:      "When a request is passed to the next backend (nginx `proxy_next_upstream` and `grpc_next_upstream`): conditions separated by single spaces, or `off`. The annotations `proxy-next-upstream` and `nginx.org/proxy-next-upstream` override it.",
		Value:    grammar.Bind(grammar.NextUpstream, func(c *Config, v []string) { c.ProxyNextUpstream = v }),
		Examples: annotations.Examples{Good: good("error timeout", "off", "error timeout http_502 http_503"), Bad: bad("error timeout off", `"off" turns retries off`, "error,timeout", "is not a condition")},
	},
	{
		Key: "proxy-next-upstream-timeout", Default: "0",
		Doc:      "How long a request may be passed from backend to backend, in seconds; `0`: no limit. The annotations `proxy-next-upstream-timeout` and `nginx.org/proxy-next-upstream-timeout` override it.",
		Value:    grammar.Bind(grammar.SecondsOrZero, func(c *Config, v time.Duration) { c.ProxyNextUpstreamTimeout = v }),
		Examples: annotations.Examples{Good: good("0", "30"), Bad: bad("30s", "plain seconds")},
	},
	{
		Key: "proxy-next-upstream-tries", Default: "3",
		Doc:      "How many backends a request may be tried on, the first included; `0`: no limit (nginx's default; 3 is ingress-nginx's). The annotations `proxy-next-upstream-tries` and `nginx.org/proxy-next-upstream-tries` override it.",
		Value:    grammar.Bind(grammar.NextUpstreamTries, func(c *Config, v int) { c.ProxyNextUpstreamTries = v }),
		Examples: annotations.Examples{Good: good("3", "0"), Bad: bad("-1", "an integer from 0 to 1000")},
	},
}

// ResponseBuffers are the http level's response buffers, as nginx reads
// them: proxy_buffers are ProxyBuffersNumber buffers of ProxyBufferSize (as
// ingress-nginx writes them).
func (c Config) ResponseBuffers() intent.ResponseBuffers {
	return intent.ResponseBuffers{
		BufferSize:      c.ProxyBufferSize,
		Buffers:         intent.Buffers{Number: c.ProxyBuffersNumber, Size: c.ProxyBufferSize},
		BusySize:        c.ProxyBusyBuffersSize,
		MaxTempFileSize: c.ProxyMaxTempFileSize,
	}
}

// BufferKeys name the ConfigMap key each response buffer directive of the
// http level comes from.
var BufferKeys = map[string]string{
	"proxy_buffer_size": "proxy-buffer-size", "proxy_buffers": "proxy-buffers-number",
	"proxy_busy_buffers_size": "proxy-busy-buffers-size", "proxy_max_temp_file_size": "proxy-max-temp-file-size",
}

// checkBuffers refuses http-level response buffers nginx would refuse, on
// the key set last in nginx's rule that the ConfigMap sets.
func checkBuffers(c Config, data map[string]string, s *findings.Set) {
	p := c.ResponseBuffers().Check()
	if p == nil {
		return
	}
	key := ""
	for _, d := range p.Directives {
		if _, set := data[BufferKeys[d]]; set && key == "" {
			key = BufferKeys[d]
		}
	}
	if key == "" {
		key = BufferKeys[p.Directives[0]]
	}
	s.Errorf(Path(key), data[key], "nginx would refuse the response buffers: %s (docs/reference.md#response-buffers)", p.Message)
}

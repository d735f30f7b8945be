package annotations

import (
	"slices"
	"time"

	"github.com/seed-d040b84d/portcullis/lib/annotations/grammar"
)

// Buffer and retry keys: a path's response buffers and when a request is
// passed to the next backend (docs/annotations.md). Both dialects set the
// same Traffic fields; how the buffers relate to each other and to the
// ConfigMap's is checked where the effective values are known (lib/validate,
// docs/reference.md#response-buffers).
const (
	KeyProxyBufferSize          = "proxy-buffer-size"
	KeyProxyBuffersNumber       = "proxy-buffers-number"
	KeyProxyBusyBuffersSize     = "proxy-busy-buffers-size"
	KeyProxyMaxTempFileSize     = "proxy-max-temp-file-size"
	KeyProxyNextUpstream        = "proxy-next-upstream"
	KeyProxyNextUpstreamTimeout = "proxy-next-upstream-timeout"
	KeyProxyNextUpstreamTries   = "proxy-next-upstream-tries"

	KeyOrgProxyBuffers             = "nginx.org/proxy-buffers"
	KeyOrgProxyBufferSize          = "nginx.org/proxy-buffer-size"
	KeyOrgProxyBusyBuffersSize     = "nginx.org/proxy-busy-buffers-size"
	KeyOrgProxyMaxTempFileSize     = "nginx.org/proxy-max-temp-file-size"
	KeyOrgProxyNextUpstream        = "nginx.org/proxy-next-upstream"
	KeyOrgProxyNextUpstreamTimeout = "nginx.org/proxy-next-upstream-timeout"
	KeyOrgProxyNextUpstreamTries   = "nginx.org/proxy-next-upstream-tries"
)

// Documentation shared by the two dialects' rows.
const (
	docBufferSize = "Size of the buffer the backend's response header is read into (nginx `proxy_buffer_size`; `grpc_buffer_size` on gRPC backends); a larger header is answered 502."
	docBusy       = "How much of the response buffers may be busy sending to the client while the response is still being read (nginx `proxy_busy_buffers_size`): at least the larger of the buffer size and one buffer, at most all buffers but one (docs/reference.md#response-buffers). No effect on gRPC backends."
	docTempFile   = "Largest temporary file a response that does not fit the buffers is written to (nginx `proxy_max_temp_file_size`); `0`: none, the rest is passed to the client as it is sent. Otherwise at least the larger of the buffer size and one buffer. No effect on gRPC backends."
	docNext       = "When a request is passed to the next backend of the Service (nginx `proxy_next_upstream`, `grpc_next_upstream` on gRPC backends): conditions separated by single spaces from `error`, `timeout`, `invalid_header`, `http_500`, `http_502`, `http_503`, `http_504`, `http_403`, `http_404`, `http_429`, `non_idempotent` (retry POST and the like too), or `off` alone."
	docNextTime   = "How long a request may be passed from backend to backend (nginx `proxy_next_upstream_timeout`); `0`: no limit."
	docNextTries  = "How many backends a request may be tried on (nginx `proxy_next_upstream_tries`, the first try included); `0`: no limit."
	// docNotOnMaster: NGINX Inc does not pass the retry keys to minions.
	docNotOnMaster = " Refused on a mergeable master: NGINX Inc does not pass it to the minions."
)

var (
	bufferSizeBad = bad("4kb", "must be an nginx size", "0", "from 1 to 16m", "32m", "from 1 to 16m", "1g", "must be an nginx size", "4k;", "must be an nginx size")
	nextBad       = bad("error timeout off", `"off" turns retries off`, "error error", "listed twice", "http_501", `"http_501" in "http_501" is not a condition`,
		"Error", `did you mean "error"?`, "error  timeout", "single spaces", "error,timeout", "is not a condition", "updating", "is not a condition")
)

// ingressNginxBufferRows are ingress-nginx's buffer and retry rows.
var ingressNginxBufferRows = []Row{
	{
		Key: KeyProxyBufferSize, Default: "ConfigMap `proxy-buffer-size` (4k)", Scope: ScopePath,
		Doc:      docBufferSize + " As in ingress-nginx, each of the `proxy-buffers-number` response buffers has this size too.",
		Value:    grammar.Bind(grammar.BufferSize, func(p *Parsed, v int64) { p.Nginx.Traffic.BufferSize = &v }),
		Examples: Examples{Good: good("16k", "4k", "1m", "8192"), Bad: bufferSizeBad},
	},
	{
		Key: KeyProxyBuffersNumber, Default: "ConfigMap `proxy-buffers-number` (4)", Scope: ScopePath,
		Doc:      "How many response buffers (nginx `proxy_buffers`), each of `proxy-buffer-size`; 2 to 1024, and with nginx's default busy size at least 3. No effect on gRPC backends.",
		Value:    grammar.Bind(grammar.BuffersNumber, func(p *Parsed, v int) { p.Nginx.Traffic.BuffersNumber = &v }),
		Examples: Examples{Good: good("4", "8", "2"), Bad: bad("1", "an integer from 2 to 1024", "1025", "an integer from 2 to 1024", "8 4k", "an integer from 2 to 1024")},
	},
	{
		Key: KeyProxyBusyBuffersSize, Default: "ConfigMap `proxy-busy-buffers-size` (nginx's: twice the buffer size)", Scope: ScopePath,
		Doc:      docBusy,
		Value:    grammar.Bind(grammar.BusyBuffersSize, func(p *Parsed, v int64) { p.Nginx.Traffic.BusyBuffersSize = &v }),
		Examples: Examples{Good: good("8k", "64k"), Bad: bad("0", "from 1 to", "8 k", "must be an nginx size")},
	},
	{
		Key: KeyProxyMaxTempFileSize, Default: "ConfigMap `proxy-max-temp-file-size` (1024m)", Scope: ScopePath,
		Doc:      docTempFile,
		Value:    grammar.Bind(grammar.TempFileSize, func(p *Parsed, v int64) { p.Nginx.Traffic.MaxTempFileSize = &v }),
		Examples: Examples{Good: good("0", "1024m", "100m"), Bad: bad("1g", "must be an nginx size", "2000000m", "from 0 to 1048576m")},
	},
	{
		Key: KeyProxyNextUpstream, Default: "ConfigMap `proxy-next-upstream` (error timeout)", Scope: ScopePath,
		Doc:      docNext,
		Value:    grammar.Bind(grammar.NextUpstream, func(p *Parsed, v []string) { p.Nginx.Traffic.NextUpstream = v }),
		Examples: Examples{Good: good("error timeout http_502", "off", "error timeout non_idempotent", "http_429"), Bad: nextBad},
	},
	{
		Key: KeyProxyNextUpstreamTimeout, Default: "ConfigMap `proxy-next-upstream-timeout` (0)", Scope: ScopePath,
		Doc:      docNextTime + " Plain seconds, as ingress-nginx reads them.",
		Value:    grammar.Bind(grammar.SecondsOrZero, func(p *Parsed, v time.Duration) { p.Nginx.Traffic.NextUpstreamTimeout = &v }),
		Examples: Examples{Good: good("0", "10", "600"), Bad: bad("10s", "takes plain seconds", "-1", "from 0 (no limit) to 2147483", "2147484", "from 0 (no limit) to 2147483")},
	},
	{
		Key: KeyProxyNextUpstreamTries, Default: "ConfigMap `proxy-next-upstream-tries` (3)", Scope: ScopePath,
		Doc:      docNextTries,
		Value:    grammar.Bind(grammar.NextUpstreamTries, func(p *Parsed, v int) { p.Nginx.Traffic.NextUpstreamTries = &v }),
		Examples: Examples{Good: good("0", "2", "3"), Bad: bad("-1", "an integer from 0 to 1000", "1001", "an integer from 0 to 1000", "two", "an integer from 0 to 1000")},
	},
}

// nginxOrgBufferRows are NGINX Inc's buffer and retry rows.
var nginxOrgBufferRows = []Row{
	{
		Key: KeyOrgProxyBuffers, Default: "ConfigMap `proxy-buffers-number` × `proxy-buffer-size` (4 4k)", Scope: ScopePath,
		Doc:      "The response buffers, `<number> <size>` (nginx `proxy_buffers`): 2 to 1024 buffers of 1 byte to 16m. No effect on gRPC backends." + docMaster,
		Value:    grammar.Bind(grammar.ProxyBuffers, func(p *Parsed, v grammar.Buffers) { p.Org.Traffic.Buffers = &v }),
		Examples: Examples{Good: good("8 4k", "4 16k", "2 1m"), Bad: bad("8", `must be "<number> <size>"`, "8  4k", "with one space", "1 4k", "an integer from 2 to 1024", "8 4kb", "must be an nginx size", "8 0", "from 1 to 16m")},
	},
	{
		Key: KeyOrgProxyBufferSize, Default: "ConfigMap `proxy-buffer-size` (4k)", Scope: ScopePath,
		Doc:      docBufferSize + " Unlike ingress-nginx's key it leaves `nginx.org/proxy-buffers` alone." + docMaster,
		Value:    grammar.Bind(grammar.BufferSize, func(p *Parsed, v int64) { p.Org.Traffic.BufferSize = &v }),
		Examples: Examples{Good: good("16k", "4k"), Bad: bufferSizeBad},
	},
	{
		Key: KeyOrgProxyBusyBuffersSize, Default: "ConfigMap `proxy-busy-buffers-size` (nginx's: twice the buffer size)", Scope: ScopePath,
		Doc:      docBusy + docMaster,
		Value:    grammar.Bind(grammar.BusyBuffersSize, func(p *Parsed, v int64) { p.Org.Traffic.BusyBuffersSize = &v }),
		Examples: Examples{Good: good("8k", "16k"), Bad: bad("0", "from 1 to", "8K;", "must be an nginx size")},
	},
	{
		Key: KeyOrgProxyMaxTempFileSize, Default: "ConfigMap `proxy-max-temp-file-size` (1024m)", Scope: ScopePath,
		Doc:      docTempFile + docMaster,
		Value:    grammar.Bind(grammar.TempFileSize, func(p *Parsed, v int64) { p.Org.Traffic.MaxTempFileSize = &v }),
		Examples: Examples{Good: good("0", "1024m"), Bad: bad("1G", "must be an nginx size")},
	},
	{
		Key: KeyOrgProxyNextUpstream, Default: "ConfigMap `proxy-next-upstream` (error timeout)", Scope: ScopePath,
		Doc:      docNext + docNotOnMaster,
		Value:    grammar.Bind(grammar.NextUpstream, func(p *Parsed, v []string) { p.Org.Traffic.NextUpstream = v }),
		Examples: Examples{Good: good("error timeout", "off", "error timeout http_503"), Bad: nextBad},
	},
	{
		Key: KeyOrgProxyNextUpstreamTimeout, Default: "ConfigMap `proxy-next-upstream-timeout` (0)", Scope: ScopePath,
		Doc:      docNextTime + " An nginx time; a bare number is seconds." + docNotOnMaster,
		Value:    grammar.Bind(grammar.TimeOrZero, func(p *Parsed, v time.Duration) { p.Org.Traffic.NextUpstreamTimeout = &v }),
		Examples: Examples{Good: good("0", "10s", "1m30s", "500ms"), Bad: bad("10 s", "must be an nginx time", "25d", "2^31-1 ms", "-1s", "must be an nginx time")},
	},
	{
		Key: KeyOrgProxyNextUpstreamTries, Default: "ConfigMap `proxy-next-upstream-tries` (3)", Scope: ScopePath,
		Doc:      docNextTries + docNotOnMaster,
		Value:    grammar.Bind(grammar.NextUpstreamTries, func(p *Parsed, v int) { p.Org.Traffic.NextUpstreamTries = &v }),
		Examples: Examples{Good: good("0", "3"), Bad: bad("3.0", "an integer from 0 to 1000")},
	},
}

// checkBufferConflicts refuses ingress-nginx and NGINX Inc buffer and retry
// keys on one Ingress that disagree (called by checkTrafficConflicts). An
// ingress-nginx proxy-buffers-number disagrees with the number of
// nginx.org/proxy-buffers.
func checkBufferConflicts(p Parsed, conflict func(what, aKey, aVal string, aSet bool, bKey, bVal string, bSet bool)) {
	n, o := p.Nginx.Traffic, p.Org.Traffic
	for _, c := range []struct {
		what, short, org string
		a, b             *int64
	}{
		{"the response header buffer", KeyProxyBufferSize, KeyOrgProxyBufferSize, n.BufferSize, o.BufferSize},
		{"the busy buffers size", KeyProxyBusyBuffersSize, KeyOrgProxyBusyBuffersSize, n.BusyBuffersSize, o.BusyBuffersSize},
		{"the largest temporary file", KeyProxyMaxTempFileSize, KeyOrgProxyMaxTempFileSize, n.MaxTempFileSize, o.MaxTempFileSize},
	} {
		if c.a != nil && c.b != nil && *c.a != *c.b {
			conflict(c.what, p.NginxKey(c.short), grammar.NginxSize.Format(*c.a), true, c.org, grammar.NginxSize.Format(*c.b), true)
		}
	}
	if n.BuffersNumber != nil && o.Buffers != nil && *n.BuffersNumber != o.Buffers.Number {
		conflict("the number of response buffers", p.NginxKey(KeyProxyBuffersNumber), grammar.BuffersNumber.Format(*n.BuffersNumber), true,
			KeyOrgProxyBuffers, grammar.ProxyBuffers.Format(*o.Buffers), true)
	}
	if n.NextUpstream != nil && o.NextUpstream != nil && !sameConditions(n.NextUpstream, o.NextUpstream) {
		conflict("when a request is retried", p.NginxKey(KeyProxyNextUpstream), grammar.NextUpstream.Format(n.NextUpstream), true,
			KeyOrgProxyNextUpstream, grammar.NextUpstream.Format(o.NextUpstream), true)
	}
	if a, b := n.NextUpstreamTimeout, o.NextUpstreamTimeout; a != nil && b != nil && *a != *b {
		conflict("the retry time limit", p.NginxKey(KeyProxyNextUpstreamTimeout), grammar.SecondsOrZero.Format(*a), true,
			KeyOrgProxyNextUpstreamTimeout, grammar.TimeOrZero.Format(*b), true)
	}
	if a, b := n.NextUpstreamTries, o.NextUpstreamTries; a != nil && b != nil && *a != *b {
		conflict("the number of tries", p.NginxKey(KeyProxyNextUpstreamTries), grammar.NextUpstreamTries.Format(*a), true,
			KeyOrgProxyNextUpstreamTries, grammar.NextUpstreamTries.Format(*b), true)
	}
}

// sameConditions reports whether a and b list the same retry conditions, in
// any order.
func sameConditions(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for _, c := range a {
		if !slices.Contains(b, c) {
			return false
		}
	}
	return true
}

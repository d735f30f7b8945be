package annotations

import (
	"strconv"
	"time"

	"github.com/seed-d040b84d/portcullis/lib/annotations/grammar"
)

// Traffic keys: the request body limit, proxy timeouts and buffering of a path
// (docs/annotations.md). Both dialects set the same Traffic fields;
// CheckDialectConflicts refuses the two disagreeing on one Ingress.
const (
	KeyProxyBodySize       = "proxy-body-size"
	KeyProxyConnectTimeout = "proxy-connect-timeout"
	KeyProxyReadTimeout    = "proxy-read-timeout"
	KeyProxySendTimeout    = "proxy-send-timeout"

	KeyClientBodyBufferSize  = "client-body-buffer-size"
	KeyProxyBuffering        = "proxy-buffering"
	KeyProxyRequestBuffering = "proxy-request-buffering"
	KeyProxyHTTPVersion      = "proxy-http-version"

	KeyOrgClientMaxBodySize    = "nginx.org/client-max-body-size"
	KeyOrgProxyConnectTimeout  = "nginx.org/proxy-connect-timeout"
	KeyOrgProxyReadTimeout     = "nginx.org/proxy-read-timeout"
	KeyOrgProxySendTimeout     = "nginx.org/proxy-send-timeout"
	KeyOrgClientBodyBufferSize = "nginx.org/client-body-buffer-size"
	KeyOrgProxyBuffering       = "nginx.org/proxy-buffering"
)

// InheritedByMinions are the path-level NGINX Inc keys a mergeable master
// passes to its minions, which may set their own (NGINX Inc's mergeable
// Ingresses): allowed on a master, unlike the other path-level keys.
var InheritedByMinions = map[string]bool{
	KeyOrgClientMaxBodySize: true, KeyOrgProxyConnectTimeout: true, KeyOrgProxyReadTimeout: true,
	KeyOrgProxySendTimeout: true, KeyOrgProxyBuffering: true, KeyOrgCustomHTTPErrors: true,
	KeyOrgProxyBuffers: true, KeyOrgProxyBufferSize: true, KeyOrgProxyBusyBuffersSize: true, KeyOrgProxyMaxTempFileSize: true,
	KeyOrgAddHeader: true, KeyOrgAddHeaderInherit: true, KeyOrgProxyHideHeaders: true, KeyOrgProxyPassHeaders: true,
	KeyOrgProxySetHeaders: true,
}

// Documentation shared by the two dialects' rows.
const (
	docBodySize       = "Largest request body accepted on this Ingress's paths; a larger one is answered 413. `0`: no limit."
	docConnectTimeout = "How long to wait for a backend to accept the connection; then the next backend is tried, or 504."
	docReadTimeout    = "How long to wait between two reads from the backend (not the whole response); then 504."
	docBodyBuffer     = "Size of the buffer a request body is read into; a larger body is written to a temporary file first."
	docBuffering      = "Buffer the backend's responses (nginx `proxy_buffering`); off passes each part to the client as it arrives (server-sent events, long polls). No effect on gRPC backends."
	docMaster         = " On a mergeable master: the default of its minions."
	docSendTimeout    = "How long to wait between two writes to the backend (not the whole request); then 504."
)

var bodySizeBad = bad("1mb", "must be an nginx size", "-1", "must be an nginx size", "8 m", "must be an nginx size",
	"1m;", "must be an nginx size", "2000000g", "more than 1024 terabytes")

func nginxSeconds(key, def, doc string, set func(t *Traffic, v time.Duration)) Row {
	return Row{
		Key: key, Default: "ConfigMap `" + key + "` (" + def + ")", Scope: ScopePath, Doc: doc + " Plain seconds, as ingress-nginx reads them.",
		Value: grammar.Bind(grammar.Seconds, func(p *Parsed, v time.Duration) { set(&p.Nginx.Traffic, v) }),
		Examples: Examples{Good: good("5", "60", "3600"), Bad: bad("60s", "takes plain seconds, without a unit", "0", "from 1 to 2147483",
			"2147484", "from 1 to 2147483", "1.5", "number of seconds", "60;", "number of seconds")},
	}
}

func orgTimeout(key, cmKey, def, doc string, set func(t *Traffic, v time.Duration)) Row {
	return Row{
		Key: key, Default: "ConfigMap `" + cmKey + "` (" + def + ")", Scope: ScopePath, Doc: doc + " An nginx time; a bare number is seconds." + docMaster,
		Value: grammar.Bind(grammar.ProxyTimeout, func(p *Parsed, v time.Duration) { set(&p.Org.Traffic, v) }),
		Examples: Examples{Good: good("60s", "1m30s", "500ms", "90"), Bad: bad("0s", "must be more than 0", "30d", "the longest timer nginx keeps",
			"1 m", "must be an nginx time", "30s1m", "largest first", "60s;", "must be an nginx time")},
	}
}

// ingressNginxTrafficRows are ingress-nginx's traffic rows.
var ingressNginxTrafficRows = []Row{
	{
		Key: KeyProxyBodySize, Default: "ConfigMap `proxy-body-size` (1m)", Scope: ScopePath,
		Doc:      docBodySize,
		Value:    grammar.Bind(grammar.BodySize, func(p *Parsed, v int64) { p.Nginx.Traffic.BodySize = &v }),
		Examples: Examples{Good: good("8m", "512k", "1G", "0", "1048576"), Bad: bodySizeBad},
	},
	nginxSeconds(KeyProxyConnectTimeout, "5", docConnectTimeout, func(t *Traffic, v time.Duration) { t.ConnectTimeout = &v }),
	nginxSeconds(KeyProxyReadTimeout, "60", docReadTimeout, func(t *Traffic, v time.Duration) { t.ReadTimeout = &v }),
	nginxSeconds(KeyProxySendTimeout, "60", docSendTimeout, func(t *Traffic, v time.Duration) { t.SendTimeout = &v }),
	{
		Key: KeyClientBodyBufferSize, Default: "nginx's (8k or 16k, by platform)", Scope: ScopePath,
		Doc:      docBodyBuffer,
		Value:    grammar.Bind(grammar.NginxSize, func(p *Parsed, v int64) { p.Nginx.Traffic.ClientBodyBufferSize = &v }),
		Examples: Examples{Good: good("16k", "1m", "1000"), Bad: bad("1g", "must be an nginx size", "16 k", "must be an nginx size", "16k;", "must be an nginx size")},
	},
	{
		Key: KeyProxyBuffering, Default: "on", Scope: ScopePath,
		Doc:      docBuffering + " Exactly `on` or `off`.",
		Value:    grammar.Bind(grammar.OnOff, func(p *Parsed, v bool) { p.Nginx.Traffic.Buffering = &v }),
		Examples: Examples{Good: good("on", "off"), Bad: bad("false", `did you mean "off"?`, "Off", `did you mean "off"?`)},
	},
	{
		Key: KeyProxyRequestBuffering, Default: "on", Scope: ScopePath,
		Doc:      "Read the whole request body before passing it to the backend (nginx `proxy_request_buffering`); off streams it (the request can then not be retried on another backend). No effect on gRPC backends. Exactly `on` or `off`.",
		Value:    grammar.Bind(grammar.OnOff, func(p *Parsed, v bool) { p.Nginx.Traffic.RequestBuffering = &v }),
		Examples: Examples{Good: good("off", "on"), Bad: bad("no", `must be "on" or "off"`)},
	},
	{
		Key: KeyProxyHTTPVersion, Default: "1.1", Scope: ScopePath,
		Doc:      "HTTP version spoken to the backends: `1.1` (keep-alive connections, WebSockets) or `1.0`. No effect on gRPC backends.",
		Value:    grammar.Bind(grammar.HTTPVersion, func(p *Parsed, v string) { p.Nginx.Traffic.HTTPVersion = v }),
		Examples: Examples{Good: good("1.0", "1.1"), Bad: bad("2.0", `allowed: "1.0" or "1.1"`, "HTTP/1.0", `allowed: "1.0" or "1.1"`)},
	},
}

// nginxOrgTrafficRows are NGINX Inc's traffic rows.
var nginxOrgTrafficRows = []Row{
	{
		Key: KeyOrgClientMaxBodySize, Default: "ConfigMap `proxy-body-size` (1m)", Scope: ScopePath,
		Doc:      docBodySize + docMaster,
		Value:    grammar.Bind(grammar.BodySize, func(p *Parsed, v int64) { p.Org.Traffic.BodySize = &v }),
		Examples: Examples{Good: good("8m", "512k", "1g", "0"), Bad: bodySizeBad},
	},
	orgTimeout(KeyOrgProxyConnectTimeout, KeyProxyConnectTimeout, "5", docConnectTimeout, func(t *Traffic, v time.Duration) { t.ConnectTimeout = &v }),
	orgTimeout(KeyOrgProxyReadTimeout, KeyProxyReadTimeout, "60", docReadTimeout, func(t *Traffic, v time.Duration) { t.ReadTimeout = &v }),
	orgTimeout(KeyOrgProxySendTimeout, KeyProxySendTimeout, "60", docSendTimeout, func(t *Traffic, v time.Duration) { t.SendTimeout = &v }),
	{
		Key: KeyOrgClientBodyBufferSize, Default: "nginx's (8k or 16k, by platform)", Scope: ScopePath,
		Doc:      docBodyBuffer,
		Value:    grammar.Bind(grammar.NginxSize, func(p *Parsed, v int64) { p.Org.Traffic.ClientBodyBufferSize = &v }),
		Examples: Examples{Good: good("16k", "1m"), Bad: bad("16kb", "must be an nginx size")},
	},
	{
		Key: KeyOrgProxyBuffering, Default: "True", Scope: ScopePath,
		Doc:      docBuffering + " `true` or `false`, or NGINX's capitalised `True` or `False`." + docMaster,
		Value:    grammar.Bind(grammar.NGINXBool, func(p *Parsed, v bool) { p.Org.Traffic.Buffering = &v }),
		Examples: Examples{Good: good("False", "True", "false"), Bad: bad("off", `allowed: "true", "false", "True" or "False"`, "FALSE", `did you mean "false"?`)},
	},
}

// checkTrafficConflicts refuses ingress-nginx and NGINX Inc traffic keys on
// one Ingress that disagree; conflict is CheckDialectConflicts's reporter.
func checkTrafficConflicts(p Parsed, conflict func(what, aKey, aVal string, aSet bool, bKey, bVal string, bSet bool)) {
	n, o := p.Nginx.Traffic, p.Org.Traffic
	size := func(v *int64) string {
		if v == nil {
			return ""
		}
		return grammar.BodySize.Format(*v)
	}
	conflict("the request body limit", p.NginxKey(KeyProxyBodySize), size(n.BodySize), n.BodySize != nil,
		KeyOrgClientMaxBodySize, size(o.BodySize), o.BodySize != nil)
	conflict("the request body buffer", p.NginxKey(KeyClientBodyBufferSize), size(n.ClientBodyBufferSize), n.ClientBodyBufferSize != nil,
		KeyOrgClientBodyBufferSize, size(o.ClientBodyBufferSize), o.ClientBodyBufferSize != nil)
	if n.Buffering != nil && o.Buffering != nil && *n.Buffering != *o.Buffering {
		onOff := map[bool]string{true: "on", false: "off"}
		conflict("response buffering", p.NginxKey(KeyProxyBuffering), onOff[*n.Buffering], true,
			KeyOrgProxyBuffering, strconv.FormatBool(*o.Buffering), true)
	}
	for _, c := range []struct {
		what, short, org string
		a, b             *time.Duration
	}{
		{"the backend connect timeout", KeyProxyConnectTimeout, KeyOrgProxyConnectTimeout, n.ConnectTimeout, o.ConnectTimeout},
		{"the backend read timeout", KeyProxyReadTimeout, KeyOrgProxyReadTimeout, n.ReadTimeout, o.ReadTimeout},
		{"the backend send timeout", KeyProxySendTimeout, KeyOrgProxySendTimeout, n.SendTimeout, o.SendTimeout},
	} {
		if c.a != nil && c.b != nil && *c.a != *c.b {
			conflict(c.what, p.NginxKey(c.short), grammar.Seconds.Format(*c.a), true, c.org, grammar.ProxyTimeout.Format(*c.b), true)
		}
	}
	checkBufferConflicts(p, conflict)
}

package nginx

// What backends and the access log learn about a request: the forwarding
// headers, the client's real address, and the log format.

import (
	"fmt"
	"net/netip"
	"path/filepath"
	"strings"

	"github.com/seed-d040b84d/portcullis/controller/dataplane"
)

// forwardingMaps are the variables every proxied location sends: the
// Connection header for WebSockets, the request ID (the client's
// X-Request-ID, else one nginx makes), and the port the client connected
// to (the public HTTPS port behind the passthrough proxy).
func (r *renderer) forwardingMaps(g dataplane.Global) []*Node {
	https := cmpInt(r.o.PublicHTTPSPort, r.o.HTTPSPort)
	requestID := []*Node{entry(lit("default"), lit("$http_x_request_id")), entry(lit(""), lit("$request_id"))}
	if !g.GenerateRequestID {
		requestID = []*Node{entry(lit("default"), lit("$http_x_request_id"))}
	}
	out := []*Node{
		blk("map", []Arg{lit("$http_upgrade"), lit("$portcullis_connection")}, entry(lit("default"), lit("upgrade")), entry(lit(""), lit(""))),
		blk("map", []Arg{lit("$http_x_request_id"), lit("$portcullis_request_id")}, requestID...),
	}
	ownPort := blk("map", []Arg{lit("$scheme"), lit("$portcullis_forwarded_port")}, entry(lit("https"), num(https)), entry(lit("default"), num(r.o.HTTPPort)))
	if len(g.ForwardedFrom) == 0 {
		return append(out, ownPort,
			blk("map", []Arg{lit("$scheme"), lit("$portcullis_forwarded_proto")}, entry(lit("default"), lit("$scheme"))))
	}
	// Behind a trusted layer-7 load balancer (use-forwarded-headers), its
	// X-Forwarded-Proto and -Port are passed on; anyone else's are not.
	trusted := blk("geo", []Arg{lit("$realip_remote_addr"), lit("$portcullis_trusted_hop")}, entry(lit("default"), lit("0")))
	for _, p := range g.ForwardedFrom {
		trusted.add(entry(lit(p.String()), lit("1")))
	}
	ownPort.Args[1] = lit("$portcullis_own_port")
	if !r.o.Passthrough {
		// The load balancer's header, then the load balancer itself: real
		// IP has already made the client the remote address.
		out = append(out, blk("map", []Arg{lit("$http_x_forwarded_for"), lit("$portcullis_forwarded_for")},
			entry(lit(""), lit("$realip_remote_addr")), entry(lit("default"), lit("$http_x_forwarded_for, $realip_remote_addr"))))
	}
	return append(out, trusted, ownPort,
		blk("map", []Arg{lit("$portcullis_trusted_hop:$http_x_forwarded_proto"), lit("$portcullis_forwarded_proto")},
			entry(lit("1:http"), lit("http")), entry(lit("1:https"), lit("https")), entry(lit("default"), lit("$scheme"))),
		blk("map", []Arg{lit("$portcullis_trusted_hop:$http_x_forwarded_port"), lit("$portcullis_forwarded_port")},
			entry(regex("~^1:(?<port>[0-9]{1,5})$"), lit("$port")), entry(lit("default"), lit("$portcullis_own_port"))),
	)
}

// forwardedFor is the X-Forwarded-For sent to backends: the client's header
// and the peer. Behind a trusted layer-7 load balancer the peer is the load
// balancer, not the client real IP found in its header.
func (r *renderer) forwardedFor() string {
	if len(r.forwardedFrom) > 0 && !r.o.Passthrough {
		return "$portcullis_forwarded_for"
	}
	return "$proxy_add_x_forwarded_for"
}

// realIP takes the client address from header (X-Forwarded-For, walked
// from the right past trusted hops, or the PROXY header) on connections from
// the trusted load balancers.
func (r *renderer) realIP(trusted []netip.Prefix, header string) []*Node {
	var out []*Node
	for _, p := range trusted {
		out = append(out, d("set_real_ip_from", lit(p.String())))
	}
	out = append(out, d("real_ip_header", lit(header)))
	if header == "X-Forwarded-For" {
		out = append(out, d("real_ip_recursive", lit("on")))
	}
	return out
}

// logVariables are the nginx variables of the access log's fields
// (config.LogFieldNames).
var logVariables = map[string]string{
	"time": "$time_iso8601", "remote_addr": "$remote_addr", "request_id": "$portcullis_request_id",
	"host": "$host", "method": "$request_method", "uri": "$request_uri", "protocol": "$server_protocol",
	"scheme": "$scheme", "server_port": "$server_port", "status": "$status", "bytes_sent": "$bytes_sent",
	"request_length": "$request_length", "request_time": "$request_time", "upstream_addr": "$upstream_addr",
	"upstream_status": "$upstream_status", "upstream_response_time": "$upstream_response_time",
	"upstream_connect_time": "$upstream_connect_time", "referer": "$http_referer", "user_agent": "$http_user_agent",
}

// accessLog is the log_format of the model's fields and the access_log
// that uses it, or access_log off.
func (r *renderer) accessLog(g dataplane.Global) ([]*Node, error) {
	if !g.AccessLog || len(g.LogFields) == 0 {
		return []*Node{d("access_log", lit("off"))}, nil
	}
	var b strings.Builder
	escape := "escape=default"
	if g.LogJSON {
		escape = "escape=json"
		b.WriteByte('{')
	}
	for i, f := range g.LogFields {
		v, ok := logVariables[f]
		if !ok {
			return nil, fmt.Errorf("nginx: log field %q", f)
		}
		switch {
		case g.LogJSON && i > 0:
			b.WriteByte(',')
		case i > 0:
			b.WriteByte(' ')
		}
		if g.LogJSON {
			fmt.Fprintf(&b, `"%s":"%s"`, f, v)
		} else {
			fmt.Fprintf(&b, `%s="%s"`, f, v)
		}
	}
	if g.LogJSON {
		b.WriteByte('}')
	}
	path := lit("/dev/stdout")
	if r.o.AccessLogPath != "" {
		if !filepath.IsAbs(r.o.AccessLogPath) || !dataplane.SafeText(r.o.AccessLogPath) || strings.ContainsAny(r.o.AccessLogPath, "\"\\") {
			return nil, fmt.Errorf("nginx: access log path %q", r.o.AccessLogPath)
		}
		path = lit(r.o.AccessLogPath)
	}
	return []*Node{
		d("log_format", lit("portcullis"), lit(escape), lit(b.String())),
		d("access_log", path, lit("portcullis")),
	}, nil
}

package config

import (
	"time"

	"github.com/seed-d040b84d/portcullis/lib/annotations"
	"github.com/seed-d040b84d/portcullis/lib/annotations/grammar"
)

// trafficRows are the http-level request body limit and proxy timeouts:
// every path's, unless its Ingress sets its own (docs/annotations.md).
var trafficRows = []Row{
	{
		Key: "proxy-body-size", Default: "1m",
		Doc:      "Largest request body accepted (nginx `client_max_body_size`); a larger one is answered 413. `0`: no limit. The annotations `proxy-body-size` and `nginx.org/client-max-body-size` override it per Ingress.",
		Value:    grammar.Bind(grammar.BodySize, func(c *Config, v int64) { c.ProxyBodySize = v }),
		Examples: annotations.Examples{Good: good("1m", "64m", "0"), Bad: bad("1MB", "must be an nginx size", "-1", "must be an nginx size")},
	},
	secondsRow("proxy-connect-timeout", "5", "How long to wait for a backend to accept the connection, in seconds.", func(c *Config, v time.Duration) { c.ProxyConnectTimeout = v }),
	secondsRow("proxy-read-timeout", "60", "How long to wait between two reads from a backend, in seconds; then 504.", func(c *Config, v time.Duration) { c.ProxyReadTimeout = v }),
	secondsRow("proxy-send-timeout", "60", "How long to wait between two writes to a backend, in seconds; then 504.", func(c *Config, v time.Duration) { c.ProxySendTimeout = v }),
}

func secondsRow(key, def, doc string, set func(c *Config, v time.Duration)) Row {
	return Row{
		Key: key, Default: def,
		Doc:      doc + " The annotations `" + key + "` and `nginx.org/" + key + "` override it per Ingress.",
		Value:    grammar.Bind(grammar.Seconds, set),
		Examples: annotations.Examples{Good: good("5", "600"), Bad: bad("60s", "plain seconds, without a unit", "0", "from 1 to 2147483")},
	}
}

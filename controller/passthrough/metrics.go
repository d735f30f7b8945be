package passthrough

import "github.com/prometheus/client_golang/prometheus"

var (
	connectionsDesc = prometheus.NewDesc("portcullis_passthrough_connections_total",
		"Connections accepted by the passthrough proxy, by where they went: passthrough (a backend), fallback (nginx), refused (over the connection cap).",
		[]string{"route"}, nil)
	failuresDesc = prometheus.NewDesc("portcullis_passthrough_failures_total",
		"Connections closed by the passthrough proxy before routing (clienthello: no valid ClientHello in time) or after (dial: the backend did not answer).",
		[]string{"stage"}, nil)
	bytesDesc = prometheus.NewDesc("portcullis_passthrough_bytes_total",
		"Bytes copied by the passthrough proxy, by direction (in: client to backend, out: backend to client).",
		[]string{"direction"}, nil)
	activeDesc = prometheus.NewDesc("portcullis_passthrough_active_connections",
		"Connections the passthrough proxy is handling now.", nil, nil)
)

// Describe implements prometheus.Collector.
func (p *Proxy) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{connectionsDesc, failuresDesc, bytesDesc, activeDesc} {
		ch <- d
	}
}

// Collect implements prometheus.Collector: the counters of Stats.
func (p *Proxy) Collect(ch chan<- prometheus.Metric) {
	s := p.Stats()
	counter := func(d *prometheus.Desc, v int64, label string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), label)
	}
	counter(connectionsDesc, s.Passthrough, "passthrough")
	counter(connectionsDesc, s.Fallback, "fallback")
	counter(connectionsDesc, s.Refused, "refused")
	counter(failuresDesc, s.HelloFailures, "clienthello")
	counter(failuresDesc, s.DialFailures, "dial")
	counter(bytesDesc, s.BytesIn, "in")
	counter(bytesDesc, s.BytesOut, "out")
	ch <- prometheus.MustNewConstMetric(activeDesc, prometheus.GaugeValue, float64(s.Active))
}

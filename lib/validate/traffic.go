package validate

import (
	"reflect"

	"github.com/seed-d040b84d/portcullis/lib/annotations"
	"github.com/seed-d040b84d/portcullis/lib/intent"
)

// traffic applies the request body limit, backend timeouts and buffering of
// either dialect to the Ingress's paths (docs/annotations.md). When both
// dialects set one and disagree, annotations.Parse has refused the Ingress
// already; ingress-nginx's value is taken.
func (b *builder) traffic() {
	n, o := b.ann.Nginx.Traffic, b.ann.Org.Traffic
	m := b.masterTraffic()
	o.BodySize = first(o.BodySize, m.BodySize)
	o.ConnectTimeout = first(o.ConnectTimeout, m.ConnectTimeout)
	o.ReadTimeout = first(o.ReadTimeout, m.ReadTimeout)
	o.SendTimeout = first(o.SendTimeout, m.SendTimeout)
	o.Buffering = first(o.Buffering, m.Buffering)
	o.Buffers = first(o.Buffers, m.Buffers)
	o.BufferSize = first(o.BufferSize, m.BufferSize)
	o.BusyBuffersSize = first(o.BusyBuffersSize, m.BusyBuffersSize)
	o.MaxTempFileSize = first(o.MaxTempFileSize, m.MaxTempFileSize)
	t := intent.Traffic{
		BodySize:       first(n.BodySize, o.BodySize),
		ConnectTimeout: first(n.ConnectTimeout, o.ConnectTimeout),
		ReadTimeout:    first(n.ReadTimeout, o.ReadTimeout),
		SendTimeout:    first(n.SendTimeout, o.SendTimeout),

		Buffering:        first(n.Buffering, o.Buffering),
		RequestBuffering: first(n.RequestBuffering, nil),
		BodyBufferSize:   first(n.ClientBodyBufferSize, o.ClientBodyBufferSize),
		HTTPVersion:      n.HTTPVersion,
	}
	b.buffers(&t, n, o)
	if reflect.ValueOf(t).IsZero() {
		return
	}
	grpc := b.onEachPath(func(p *intent.Path) {
		tt := t
		p.Traffic = &tt
	})
	if grpc {
		b.noEffectOnGRPC()
	}
}

// masterTraffic is what a mergeable minion inherits from its master: the
// master's annotations.InheritedByMinions keys, which the minion's own
// override (either dialect).
func (b *builder) masterTraffic() annotations.Traffic {
	return b.masterAnnotations().ann.Org.Traffic
}

// noEffectOnGRPC warns about the keys nginx's gRPC proxy does not read.
func (b *builder) noEffectOnGRPC() {
	for _, key := range []string{b.nkey(annotations.KeyProxyBuffering), annotations.KeyOrgProxyBuffering,
		b.nkey(annotations.KeyProxyRequestBuffering), b.nkey(annotations.KeyProxyHTTPVersion),
		b.nkey(annotations.KeyProxyBuffersNumber), b.nkey(annotations.KeyProxyBusyBuffersSize), b.nkey(annotations.KeyProxyMaxTempFileSize),
		annotations.KeyOrgProxyBuffers, annotations.KeyOrgProxyBusyBuffersSize, annotations.KeyOrgProxyMaxTempFileSize} {
		if b.ann.Has(key) {
			b.fs.Warn(annPath(key), "has no effect on this Ingress's gRPC backends (nginx's gRPC proxy streams, over HTTP/2)")
		}
	}
}

// first is a when it is set, else b; the value is copied.
func first[T any](a, b *T) *T {
	if a == nil {
		a = b
	}
	if a == nil {
		return nil
	}
	v := *a
	return &v
}

// onEachPath calls set with each path of the Ingress's hosts and reports
// whether any of them has a gRPC backend.
func (b *builder) onEachPath(set func(p *intent.Path)) (grpc bool) {
	for _, name := range b.order {
		h := b.hosts[name].host
		for i := range h.Paths {
			set(&h.Paths[i])
			p := h.Paths[i].Protocol
			grpc = grpc || p == intent.ProtocolGRPC || p == intent.ProtocolGRPCS
		}
	}
	return grpc
}

package validate

import (
	"github.com/seed-d040b84d/portcullis/lib/annotations"
	"github.com/seed-d040b84d/portcullis/lib/intent"
)

// traffic applies the request body limit, backend timeouts and buffering of
// either dialect to the Ingress's paths (docs/annotations.md). When both
// dialects set one and disagree, annotations.Parse has refused the Ingress
// already; ingress-nginx's value is taken.
func (b *builder) traffic() {
	n, o := b.ann.Nginx.Traffic, b.ann.Org.Traffic
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
	if t == (intent.Traffic{}) {
		return
	}
	grpc := false
	for _, name := range b.order {
		h := b.hosts[name].host
		for i := range h.Paths {
			tt := t
			h.Paths[i].Traffic = &tt
			p := h.Paths[i].Protocol
			grpc = grpc || p == intent.ProtocolGRPC || p == intent.ProtocolGRPCS
		}
	}
	if grpc {
		b.noEffectOnGRPC()
	}
}

// noEffectOnGRPC warns about the keys nginx's gRPC proxy does not read.
func (b *builder) noEffectOnGRPC() {
	for _, key := range []string{b.nkey(annotations.KeyProxyBuffering), annotations.KeyOrgProxyBuffering,
		b.nkey(annotations.KeyProxyRequestBuffering), b.nkey(annotations.KeyProxyHTTPVersion)} {
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

package validate

import (
	"strings"

	"github.com/seed-d040b84d/portcullis/lib/annotations"
	"github.com/seed-d040b84d/portcullis/lib/config"
	"github.com/seed-d040b84d/portcullis/lib/intent"
)

// buffers sets t's response buffers and retries from either dialect (o
// with what a mergeable minion inherits already in it), and refuses
// buffers nginx would refuse at the Ingress's paths, whose values are the
// Ingress's own where it sets them and the ConfigMap's elsewhere
// (docs/reference.md#response-buffers).
//
// ingress-nginx writes proxy_buffers as proxy-buffers-number buffers of
// proxy-buffer-size: either key on the Ingress sets both directives, the
// other from the ConfigMap. nginx.org/proxy-buffers, when set, is the
// buffers whatever the ingress-nginx keys say (a different number has been
// refused as a dialect conflict).
func (b *builder) buffers(t *intent.Traffic, n, o annotations.Traffic) {
	cfg := b.v.opts.Config
	src := map[string]string{}
	for d, k := range config.BufferKeys {
		src[d] = "ConfigMap " + k
	}
	set := func(dir string, keys ...string) {
		for _, k := range keys {
			if b.ann.Has(k) {
				src[dir] = k
				return
			}
		}
		src[dir] = keys[len(keys)-1] + " (on the mergeable master)"
	}
	nk := b.nkey
	t.BufferSize = first(n.BufferSize, o.BufferSize)
	if t.BufferSize != nil {
		set("proxy_buffer_size", nk(annotations.KeyProxyBufferSize), annotations.KeyOrgProxyBufferSize)
	}
	switch {
	case o.Buffers != nil:
		t.Buffers = &intent.Buffers{Number: o.Buffers.Number, Size: o.Buffers.Size}
		set("proxy_buffers", annotations.KeyOrgProxyBuffers)
	case n.BuffersNumber != nil || n.BufferSize != nil:
		bs := &intent.Buffers{Number: cfg.ProxyBuffersNumber, Size: cfg.ProxyBufferSize}
		parts := []string{"ConfigMap " + config.BufferKeys["proxy_buffers"], "ConfigMap proxy-buffer-size"}
		if n.BuffersNumber != nil {
			bs.Number, parts[0] = *n.BuffersNumber, nk(annotations.KeyProxyBuffersNumber)
		}
		if t.BufferSize != nil {
			bs.Size, parts[1] = *t.BufferSize, src["proxy_buffer_size"]
		}
		t.Buffers = bs
		src["proxy_buffers"] = strings.Join(parts, " × ")
	}
	t.BusyBuffersSize = first(n.BusyBuffersSize, o.BusyBuffersSize)
	if t.BusyBuffersSize != nil {
		set("proxy_busy_buffers_size", nk(annotations.KeyProxyBusyBuffersSize), annotations.KeyOrgProxyBusyBuffersSize)
	}
	t.MaxTempFileSize = first(n.MaxTempFileSize, o.MaxTempFileSize)
	if t.MaxTempFileSize != nil {
		set("proxy_max_temp_file_size", nk(annotations.KeyProxyMaxTempFileSize), annotations.KeyOrgProxyMaxTempFileSize)
	}
	t.NextUpstream = n.NextUpstream
	if t.NextUpstream == nil {
		t.NextUpstream = o.NextUpstream
	}
	t.NextUpstreamTimeout = first(n.NextUpstreamTimeout, o.NextUpstreamTimeout)
	t.NextUpstreamTries = first(n.NextUpstreamTries, o.NextUpstreamTries)

	if t.BufferSize == nil && t.Buffers == nil && t.BusyBuffersSize == nil && t.MaxTempFileSize == nil {
		return // the http level's, which the ConfigMap's own check admitted
	}
	p := EffectiveBuffers(cfg, t).Check()
	if p == nil {
		return
	}
	var from []string
	field := ""
	for _, d := range p.Directives {
		from = append(from, d+" from "+src[d])
		if field == "" && !strings.HasPrefix(src[d], "ConfigMap ") && b.ann.Has(strings.Fields(src[d])[0]) {
			field = strings.Fields(src[d])[0]
		}
	}
	if field == "" {
		field = annotations.KeyOrgMergeableIngressType // every value came from the master
	}
	b.fs.Errorf(annPath(field), b.ing.Annotations[field], "nginx would refuse this path's response buffers: %s (%s); docs/reference.md#response-buffers",
		p.Message, strings.Join(from, ", "))
}

// EffectiveBuffers are the response buffers nginx uses at a location with
// t's: its own where it sets them, the http level's (cfg's) elsewhere.
func EffectiveBuffers(cfg config.Config, t *intent.Traffic) intent.ResponseBuffers {
	r := cfg.ResponseBuffers()
	if t.BufferSize != nil {
		r.BufferSize = *t.BufferSize
	}
	if t.Buffers != nil {
		r.Buffers = *t.Buffers
	}
	if t.BusyBuffersSize != nil {
		r.BusySize = *t.BusyBuffersSize
	}
	if t.MaxTempFileSize != nil {
		r.MaxTempFileSize = *t.MaxTempFileSize
	}
	return r
}

package dataplane

import (
	"fmt"
	"slices"
	"time"

	"github.com/seed-d040b84d/portcullis/lib/annotations/grammar"
	"github.com/seed-d040b84d/portcullis/lib/config"
	"github.com/seed-d040b84d/portcullis/lib/intent"
	"github.com/seed-d040b84d/portcullis/lib/validate"
)

// buffers checks a path's response buffers and retries again into out:
// sizes, counts and times the renderer can write as plain nginx values,
// conditions nginx knows. How the buffers relate is checked with the http
// level's (checkBuffers).
func buffers(t *intent.Traffic, out *Traffic) error {
	sizes := []struct {
		name   string
		in     *int64
		lo, hi int64
		out    **int64
	}{
		{"buffer size", t.BufferSize, 1, grammar.MaxBufferSize, &out.BufferSize},
		{"busy buffers size", t.BusyBuffersSize, 1, grammar.MaxBusyBuffersSize, &out.BusyBuffersSize},
		{"max temp file size", t.MaxTempFileSize, 0, grammar.MaxTempFileSize, &out.MaxTempFileSize},
	}
	for _, c := range sizes {
		if c.in == nil {
			continue
		}
		if n := *c.in; n < c.lo || n > c.hi {
			return fmt.Errorf("%s %d is out of range", c.name, n)
		}
		n := *c.in
		*c.out = &n
	}
	if b := t.Buffers; b != nil {
		if b.Number < grammar.MinBuffers || b.Number > grammar.MaxBuffers || b.Size < 1 || b.Size > grammar.MaxBufferSize {
			return fmt.Errorf("proxy buffers %s are out of range", b)
		}
		v := *b
		out.Buffers = &v
	}
	if t.NextUpstream != nil {
		v, err := grammar.NextUpstream.Parse(grammar.NextUpstream.Format(t.NextUpstream), grammar.Context{})
		if err != nil || !slices.Equal(v, t.NextUpstream) {
			return fmt.Errorf("next upstream conditions %q: %v", t.NextUpstream, err)
		}
		out.NextUpstream = v
	}
	if d := t.NextUpstreamTimeout; d != nil {
		if *d < 0 || *d > grammar.MaxProxyTimeout || *d%time.Millisecond != 0 {
			return fmt.Errorf("next upstream timeout %s is not a whole number of milliseconds from 0 to %s", *d, grammar.MaxProxyTimeout)
		}
		v := *d
		out.NextUpstreamTimeout = &v
	}
	if n := t.NextUpstreamTries; n != nil {
		if *n < 0 || *n > grammar.MaxNextUpstreamTries {
			return fmt.Errorf("next upstream tries %d is out of range", *n)
		}
		v := *n
		out.NextUpstreamTries = &v
	}
	return nil
}

// checkBuffers refuses a path whose response buffers, with the http
// level's where it sets none, nginx would refuse: lib refuses them too, so
// this is the data plane not trusting lib.
func checkBuffers(cfg config.Config, t *intent.Traffic) error {
	if t.BufferSize == nil && t.Buffers == nil && t.BusyBuffersSize == nil && t.MaxTempFileSize == nil {
		return nil
	}
	if p := validate.EffectiveBuffers(httpBuffers(cfg), t).Check(); p != nil {
		return fmt.Errorf("response buffers: %s", p.Message)
	}
	return nil
}

// httpBuffers is cfg with the response buffers the http level writes: the
// ConfigMap's, or the defaults' should nginx refuse those (the ConfigMap
// parsed, so it should not).
func httpBuffers(cfg config.Config) config.Config {
	if cfg.ResponseBuffers().Check() != nil {
		d := config.Default()
		cfg.ProxyBufferSize, cfg.ProxyBuffersNumber = d.ProxyBufferSize, d.ProxyBuffersNumber
		cfg.ProxyBusyBuffersSize, cfg.ProxyMaxTempFileSize = d.ProxyBusyBuffersSize, d.ProxyMaxTempFileSize
	}
	return cfg
}

// globalBuffers is the ConfigMap's http-level response buffers and retries, checked as a location's are; should they not pass (the
// ConfigMap parsed, so they should), all are left to nginx's defaults.
func globalBuffers(cfg config.Config) Traffic {
	cfg = httpBuffers(cfg)
	timeout, tries := cfg.ProxyNextUpstreamTimeout, cfg.ProxyNextUpstreamTries
	size, maxTemp := cfg.ProxyBufferSize, cfg.ProxyMaxTempFileSize
	in := &intent.Traffic{
		BufferSize: &size, Buffers: &intent.Buffers{Number: cfg.ProxyBuffersNumber, Size: size},
		MaxTempFileSize: &maxTemp, NextUpstream: cfg.ProxyNextUpstream,
		NextUpstreamTimeout: &timeout, NextUpstreamTries: &tries,
	}
	if cfg.ProxyBusyBuffersSize != 0 {
		busy := cfg.ProxyBusyBuffersSize
		in.BusyBuffersSize = &busy
	}
	t, err := traffic(in)
	if err != nil {
		return Traffic{}
	}
	return *t
}

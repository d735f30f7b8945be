package dataplane

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed-d040b84d/portcullis/lib/config"
	"github.com/seed-d040b84d/portcullis/lib/intent"
	"github.com/seed-d040b84d/portcullis/lib/validate"
	"github.com/seed-d040b84d/portcullis/lib/world"
	"github.com/seed-d040b84d/portcullis/test/gen"
)

// TestBuffersAreCheckedAgain: the model takes only buffer sizes, counts,
// times and retry conditions the renderer can write as plain nginx values,
// whatever the intent says.
func TestBuffersAreCheckedAgain(t *testing.T) {
	t.Parallel()
	size := func(n int64) *int64 { return &n }
	num := func(n int) *int { return &n }
	dur := func(d time.Duration) *time.Duration { return &d }
	got, err := traffic(&intent.Traffic{BufferSize: size(16 << 10), Buffers: &intent.Buffers{Number: 8, Size: 16 << 10},
		MaxTempFileSize: size(0), NextUpstream: []string{"error", "http_502"}, NextUpstreamTimeout: dur(0), NextUpstreamTries: num(2)})
	require.NoError(t, err)
	assert.Equal(t, &Traffic{BufferSize: size(16 << 10), Buffers: &intent.Buffers{Number: 8, Size: 16 << 10},
		MaxTempFileSize: size(0), NextUpstream: []string{"error", "http_502"}, NextUpstreamTimeout: dur(0), NextUpstreamTries: num(2)}, got)

	for name, bad := range map[string]intent.Traffic{
		"zero buffer size":         {BufferSize: size(0)},
		"buffer over 16m":          {BufferSize: size(16<<20 + 1)},
		"one buffer":               {Buffers: &intent.Buffers{Number: 1, Size: 4096}},
		"1025 buffers":             {Buffers: &intent.Buffers{Number: 1025, Size: 4096}},
		"empty buffers":            {Buffers: &intent.Buffers{Number: 4, Size: 0}},
		"negative busy size":       {BusyBuffersSize: size(-1)},
		"negative temp file":       {MaxTempFileSize: size(-1)},
		"unknown condition":        {NextUpstream: []string{"error", "updating"}},
		"a directive in condition": {NextUpstream: []string{"error; return 200"}},
		"off with others":          {NextUpstream: []string{"off", "error"}},
		"no conditions":            {NextUpstream: []string{}},
		"sub-millisecond timeout":  {NextUpstreamTimeout: dur(time.Microsecond)},
		"negative tries":           {NextUpstreamTries: num(-1)},
		"1001 tries":               {NextUpstreamTries: num(1001)},
	} {
		_, err := traffic(&bad)
		assert.Error(t, err, name)
	}
}

// TestBufferRulesAreCheckedAgain: a path whose buffers, with the http
// level's, nginx would refuse is refused by the data plane too.
func TestBufferRulesAreCheckedAgain(t *testing.T) {
	t.Parallel()
	cfg := config.Default() // 4 4k
	size := func(n int64) *int64 { return &n }
	assert.NoError(t, checkBuffers(cfg, &intent.Traffic{BusyBuffersSize: size(12 << 10)}))
	assert.ErrorContains(t, checkBuffers(cfg, &intent.Traffic{BusyBuffersSize: size(16 << 10)}), "must be at most 12k")
	assert.ErrorContains(t, checkBuffers(cfg, &intent.Traffic{BufferSize: size(16 << 10)}), "default proxy_busy_buffers_size")
	assert.ErrorContains(t, checkBuffers(cfg, &intent.Traffic{MaxTempFileSize: size(1024)}), "proxy_max_temp_file_size 1k must be 0")
	cfg.ProxyBuffersNumber = 16
	assert.NoError(t, checkBuffers(cfg, &intent.Traffic{BusyBuffersSize: size(16 << 10)}), "the http level's 16 buffers")
}

// TestGlobalBuffersAreTheConfigMaps: the http level carries the
// ConfigMap's buffers and retries (proxy_buffers: proxy-buffers-number of
// proxy-buffer-size); buffers nginx would refuse fall back to the defaults.
func TestGlobalBuffersAreTheConfigMaps(t *testing.T) {
	t.Parallel()
	cfg := config.Default()
	cfg.ProxyBufferSize, cfg.ProxyBuffersNumber, cfg.ProxyNextUpstreamTries = 8<<10, 8, 5
	g := globalTraffic(cfg)
	require.NotNil(t, g.BufferSize)
	assert.Equal(t, int64(8<<10), *g.BufferSize)
	assert.Equal(t, &intent.Buffers{Number: 8, Size: 8 << 10}, g.Buffers)
	assert.Nil(t, g.BusyBuffersSize, "unset: nginx's default")
	assert.Equal(t, []string{"error", "timeout"}, g.NextUpstream)
	require.NotNil(t, g.NextUpstreamTries)
	assert.Equal(t, 5, *g.NextUpstreamTries)

	cfg.ProxyBuffersNumber = 2 // nginx's default busy size, 16k, is more than one 8k buffer
	g = globalTraffic(cfg)
	assert.Equal(t, int64(4<<10), *g.BufferSize)
	assert.Equal(t, &intent.Buffers{Number: 4, Size: 4 << 10}, g.Buffers)
}

// TestBuildRefusesBuffersNginxWouldRefuse: a path lib admitted with the
// ConfigMap it judged by is served fail-closed when the ConfigMap the
// model is built with makes nginx refuse its buffers (fewer http-level
// buffers than its busy size needs), and served as before otherwise.
func TestBuildRefusesBuffersNginxWouldRefuse(t *testing.T) {
	t.Parallel()
	def, err := GenerateDefaultCertificate(time.Now())
	require.NoError(t, err)
	w := world.NewStatic()
	w.Add(gen.ExternalName("web", "localhost", gen.ServicePort("http", 80, 0)))
	w.Add(gen.Ingress("busy", gen.IngressClassName("portcullis"), gen.Host("busy.example.com"), gen.Path("/", "web", 80),
		gen.Annotation("nginx.org/proxy-busy-buffers-size", "12k")))
	ings := Judge(validate.New(validate.Options{Config: config.Default(), Now: time.Now}, nil), w)
	require.Len(t, ings, 1)
	require.Empty(t, ings[0].Verdict.Findings.Errors, "4 4k buffers hold a 12k busy size")
	location := func(cfg config.Config) Location {
		m, err := Build(ings, Options{Config: cfg, Resolver: w, Backends: ServiceBackends{Resolver: w}, DefaultCertificate: def, Now: time.Now})
		require.NoError(t, err)
		for _, s := range m.Servers {
			if s.Host == "busy.example.com" && len(s.Locations) == 1 {
				return s.Locations[0]
			}
		}
		t.Fatalf("no location for busy.example.com in %+v", m.Servers)
		return Location{}
	}
	l := location(config.Default())
	assert.Zero(t, l.Status, l.Reason)
	cfg := config.Default()
	cfg.ProxyBuffersNumber = 3 // all buffers but one: 8k
	l = location(cfg)
	assert.Equal(t, 503, l.Status)
	assert.Contains(t, l.Reason, "proxy_busy_buffers_size 12k must be at most 8k")
}

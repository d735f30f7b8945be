package nginx

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed-d040b84d/portcullis/controller/dataplane"
)

// TestErrorPagesWriterRefusesWhatTheModelShouldNotHold: the writer checks
// the codes, the name and the upstream again, whatever the model says.
func TestErrorPagesWriterRefusesWhatTheModelShouldNotHold(t *testing.T) {
	ok := dataplane.ErrorPages{Name: "0a1b", Upstream: "u1", Codes: []int{404, 503}, InterceptBackend: true}
	r := &renderer{}
	nodes, err := r.errorPageDirectives(&ok, true)
	require.NoError(t, err)
	require.Len(t, nodes, 3)
	assert.Equal(t, "proxy_intercept_errors", nodes[0].Name)
	nodes, err = r.errorPageDirectives(&ok, false)
	require.NoError(t, err)
	assert.Len(t, nodes, 2, "a location answering a status intercepts nothing")

	for name, mut := range map[string]func(*dataplane.ErrorPages){
		"499":         func(e *dataplane.ErrorPages) { e.Codes = []int{499} },
		"200":         func(e *dataplane.ErrorPages) { e.Codes = []int{200} },
		"unsorted":    func(e *dataplane.ErrorPages) { e.Codes = []int{503, 404} },
		"no codes":    func(e *dataplane.ErrorPages) { e.Codes = nil },
		"name":        func(e *dataplane.ErrorPages) { e.Name = "x; return 200" },
		"upstream":    func(e *dataplane.ErrorPages) { e.Upstream = "evil.example.com/x" },
		"upstream $":  func(e *dataplane.ErrorPages) { e.Upstream = "$host" },
		"empty name":  func(e *dataplane.ErrorPages) { e.Name = "" },
		"upper hex":   func(e *dataplane.ErrorPages) { e.Name = "AB" },
		"upstream sp": func(e *dataplane.ErrorPages) { e.Upstream = "u1 u2" },
	} {
		e := ok
		mut(&e)
		_, err := r.errorPageDirectives(&e, true)
		assert.Error(t, err, name)
	}
}

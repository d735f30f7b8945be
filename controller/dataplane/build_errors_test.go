package dataplane

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed-d040b84d/portcullis/lib/intent"
)

// someBackends answers the Services in up with one loopback address each,
// and "not found" for every other one.
type someBackends map[string]bool

func (s someBackends) Addresses(ns string, be intent.Backend) ([]string, string, error) {
	if !s[ns+"/"+be.Service] {
		return nil, "", errors.New("not found")
	}
	return []string{"127.0.0.1:8080"}, "", nil
}

func errorsPath(e intent.ErrorPages) intent.Path {
	return intent.Path{Path: "/", PathType: "Prefix", Protocol: intent.ProtocolHTTP,
		Backend: intent.Backend{Service: "web", Port: 80}, Errors: &e,
		Source: intent.ObjectRef{Namespace: "team-a", Name: "app"}}
}

// TestErrorPagesAreCheckedAgain: the model takes only codes nginx's
// error_page takes and a default backend that is a Service name, whatever
// the intent says; a path that names anything else fails closed.
func TestErrorPagesAreCheckedAgain(t *testing.T) {
	t.Parallel()
	b := &builder{opts: Options{Backends: someBackends{"team-a/web": true, "team-a/pages": true}}, upstreams: map[string]Upstream{}}
	pages := intent.Backend{Service: "pages", Port: 8080}
	l := b.location(errorsPath(intent.ErrorPages{Backend: pages, Codes: []int{404, 503}, InterceptBackend: true}))
	require.NotNil(t, l.ErrorPages)
	assert.Equal(t, []int{404, 503}, l.ErrorPages.Codes)
	assert.Equal(t, ErrorPages{Name: l.ErrorPages.Name, Upstream: l.ErrorPages.Upstream, Codes: []int{404, 503}, InterceptBackend: true,
		Namespace: "team-a", Ingress: "app", Service: "web", Port: "80"}, *l.ErrorPages)
	assert.Regexp(t, "^[0-9a-f]+$", l.ErrorPages.Name)

	for name, bad := range map[string]intent.ErrorPages{
		"499":               {Backend: pages, Codes: []int{499}},
		"299":               {Backend: pages, Codes: []int{299}},
		"600":               {Backend: pages, Codes: []int{600}},
		"unsorted":          {Backend: pages, Codes: []int{503, 404}},
		"duplicate":         {Backend: pages, Codes: []int{404, 404}},
		"namespace/service": {Backend: intent.Backend{Service: "other/pages", Port: 8080}, Codes: []int{404}},
		"directive":         {Backend: intent.Backend{Service: "pages;", Port: 8080}, Codes: []int{404}},
		"no service":        {Codes: []int{404}},
	} {
		l := b.location(errorsPath(bad))
		assert.Equal(t, 503, l.Status, name)
		assert.Contains(t, l.Reason, "default backend", name)
		assert.Nil(t, l.ErrorPages, name)
	}
}

// TestDefaultBackendAnswersAnUnavailablePath: a path whose Service has no
// address answers 503 through its default backend (ingress-nginx's
// default-backend); without one, or with a default backend that has no
// address either, plain 503.
func TestDefaultBackendAnswersAnUnavailablePath(t *testing.T) {
	t.Parallel()
	b := &builder{opts: Options{Backends: someBackends{"team-a/pages": true}}, upstreams: map[string]Upstream{}}
	l := b.location(errorsPath(intent.ErrorPages{Backend: intent.Backend{Service: "pages", Port: 8080}, WhenUnavailable: true, Codes: []int{404}, InterceptBackend: true}))
	assert.Equal(t, 503, l.Status)
	require.NotNil(t, l.ErrorPages)
	assert.Equal(t, []int{503}, l.ErrorPages.Codes)
	assert.False(t, l.ErrorPages.InterceptBackend)

	l = b.location(errorsPath(intent.ErrorPages{Backend: intent.Backend{Service: "gone", Port: 8080}, WhenUnavailable: true}))
	assert.Equal(t, 503, l.Status)
	assert.Nil(t, l.ErrorPages, "a default backend without addresses")

	l = b.location(errorsPath(intent.ErrorPages{Backend: intent.Backend{Service: "pages", Port: 8080}, Codes: []int{404}, KeepStatus: true}))
	assert.Equal(t, 503, l.Status)
	assert.Nil(t, l.ErrorPages, "NGINX Inc's error pages do not answer for an unavailable backend")
}

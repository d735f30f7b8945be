package dataplane

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed-d040b84d/portcullis/lib/intent"
)

// TestRedirectsAreCheckedAgain: the model takes only redirect URLs, codes,
// hosts and paths in lib's grammars, whatever the intent says; a path
// whose redirect cannot be served fails closed without asking a backend.
func TestRedirectsAreCheckedAgain(t *testing.T) {
	t.Parallel()
	got, err := pathRedirect(&intent.PathRedirect{URL: "https://new.example.com/a?b=c", Code: 308})
	require.NoError(t, err)
	assert.Equal(t, &PathRedirect{URL: "https://new.example.com/a?b=c", Code: 308}, got)
	for name, bad := range map[string]intent.PathRedirect{
		"variable":        {URL: "https://example.com/$request_uri", Code: 301},
		"second argument": {URL: "https://example.com/ x", Code: 301},
		"semicolon":       {URL: "https://example.com/;return 200", Code: 301},
		"quote":           {URL: `https://example.com/"`, Code: 301},
		"relative":        {URL: "/elsewhere", Code: 301},
		"code 200":        {URL: "https://example.com/", Code: 200},
		"code 309":        {URL: "https://example.com/", Code: 309},
	} {
		_, err := pathRedirect(&bad)
		assert.Error(t, err, name)
	}

	f, err := forwarding(&intent.Forwarding{Host: "backend.internal:8080", Prefix: "/shop", PathRewrite: "/beans"}, "")
	require.NoError(t, err)
	assert.Equal(t, &Forwarding{Host: "backend.internal:8080", Prefix: "/shop", PathRewrite: "/beans"}, f)
	for name, bad := range map[string]intent.Forwarding{
		"host variable":   {Host: "$host"},
		"host with space": {Host: "a b"},
		"host with path":  {Host: "example.com/x"},
		"prefix capture":  {Prefix: "/$1"},
		"prefix quote":    {Prefix: `/a"b`},
		"rewrite brace":   {PathRewrite: "/{x}"},
		"rewrite //":      {PathRewrite: "//evil.example.com"},
	} {
		_, err := forwarding(&bad, "")
		assert.Error(t, err, name)
	}
	_, err = forwarding(&intent.Forwarding{PathRewrite: "/"}, "/$1")
	assert.Error(t, err, "a path rewrite with a rewrite-target")

	b := &builder{}
	l := b.location(intent.Path{Path: "/", PathType: "Prefix", Protocol: intent.ProtocolHTTP, Backend: intent.Backend{Service: "web", Port: 80},
		Redirect: &intent.PathRedirect{URL: "https://example.com/$uri", Code: 301}})
	assert.Equal(t, 503, l.Status, "a path with an unservable redirect is served")
	assert.Nil(t, l.Redirect)
	l = b.location(intent.Path{Path: "/", PathType: "Prefix", Protocol: intent.ProtocolHTTP, Backend: intent.Backend{Service: "web", Port: 80},
		Redirect: &intent.PathRedirect{URL: "https://example.com/", Code: 302}})
	assert.Equal(t, 0, l.Status)
	assert.Empty(t, l.Upstream, "a redirected path asks a backend")
	require.NotNil(t, l.Redirect)
}

// TestAppRootLeavesAnExactRootPath: the application root is dropped where
// the host serves "/" exactly, and when it is not in lib's grammar.
func TestAppRootLeavesAnExactRootPath(t *testing.T) {
	t.Parallel()
	prefix := []Location{{Path: "/", Match: MatchPrefix}}
	assert.Equal(t, "/app", appRoot("/app", prefix))
	assert.Empty(t, appRoot("/app", append(prefix, Location{Path: "/", Match: MatchExact})))
	for _, bad := range []string{"/", "//evil.example.com", "/$uri", "/a b", "https://example.com/"} {
		assert.Empty(t, appRoot(bad, prefix), bad)
	}
}

// TestWWWRedirectTakesNothing: the www. redirect server is kept only for a
// name no Ingress names (of any namespace, valid or refused, exactly or by
// a wildcard) and no other host's redirect wants.
func TestWWWRedirectTakesNothing(t *testing.T) {
	t.Parallel()
	b := &builder{hosts: map[string][]contribution{
		"shop.example.com": nil, "docs.example.com": nil, "www.docs.example.com": nil,
		"example.org": nil, "*.example.org": nil, "www.example.net": nil, "x.example.io": nil,
	}}
	servers := []Server{
		{Host: "shop.example.com", WWWRedirect: "www.shop.example.com", WWWRedirectCode: 308},
		{Host: "docs.example.com", WWWRedirect: "www.docs.example.com", WWWRedirectCode: 308},
		{Host: "example.org", WWWRedirect: "www.example.org", WWWRedirectCode: 308},
		{Host: "www.example.net", WWWRedirect: "example.net", WWWRedirectCode: 308},
		{Host: "x.example.io", WWWRedirect: "www.y.example.io", WWWRedirectCode: 308},
	}
	b.wwwRedirects(servers)
	kept := map[string]string{}
	for _, s := range servers {
		kept[s.Host] = s.WWWRedirect
	}
	assert.Equal(t, map[string]string{
		"shop.example.com": "www.shop.example.com",
		"docs.example.com": "", // named by an Ingress
		"example.org":      "", // *.example.org covers www.example.org
		"www.example.net":  "example.net",
		"x.example.io":     "", // not the host's other name
	}, kept)
	assert.Zero(t, servers[1].WWWRedirectCode)
}

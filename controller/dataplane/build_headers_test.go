package dataplane

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed-d040b84d/portcullis/lib/annotations/grammar"
	"github.com/seed-d040b84d/portcullis/lib/intent"
)

// TestHeadersAreCheckedAgain: the model takes only header names, values,
// origins and proxy_redirect arguments lib's grammars admit, whatever the
// intent says.
func TestHeadersAreCheckedAgain(t *testing.T) {
	t.Parallel()
	cors := func(mod func(*intent.CORS)) *intent.CORS {
		c := &intent.CORS{Origins: []string{"https://app.example.com", "https://*.example.org:8443"}, Methods: []string{"GET"},
			Headers: []string{"X-Token"}, Expose: []string{"*"}, Credentials: true, MaxAge: 600}
		if mod != nil {
			mod(c)
		}
		return c
	}
	good := &intent.Headers{
		Add:      []intent.Header{{Name: "Content-Security-Policy", Value: `default-src 'self'; img-src *`, Always: true}},
		Hide:     []string{"X-Powered-By"},
		Pass:     []string{"Server"},
		CORS:     cors(nil),
		Redirect: &intent.ProxyRedirect{From: "http://backend:8080/", To: "/"},
	}
	got, err := headers(good)
	require.NoError(t, err)
	assert.Equal(t, good.Add, got.Add)
	assert.Equal(t, []string{"https://app.example.com", "https://*.example.org:8443"}, got.CORS.Origins)
	assert.Equal(t, &intent.ProxyRedirect{From: "http://backend:8080/", To: "/"}, got.Redirect)
	_, err = headers(&intent.Headers{CORS: cors(func(c *intent.CORS) { c.Origins, c.AnyOrigin, c.Credentials = nil, true, false })})
	require.NoError(t, err)
	_, err = headers(&intent.Headers{Redirect: &intent.ProxyRedirect{From: "off"}})
	require.NoError(t, err)

	for name, bad := range map[string]*intent.Headers{
		"variable in a value":         {Add: []intent.Header{{Name: "X-A", Value: "$host"}}},
		"line break in a value":       {Add: []intent.Header{{Name: "X-A", Value: "a\r\nSet-Cookie: x"}}},
		"space in a name":             {Add: []intent.Header{{Name: "X A", Value: "1"}}},
		"HSTS added":                  {Add: []intent.Header{{Name: "strict-transport-security", Value: "max-age=0"}}},
		"framing header added":        {Add: []intent.Header{{Name: "Content-Length", Value: "0"}}},
		"hidden name not a token":     {Hide: []string{"X;A"}},
		"passed name with a variable": {Pass: []string{"$x"}},
		"redirect variable":           {Redirect: &intent.ProxyRedirect{From: "$scheme://x/", To: "/"}},
		"redirect regex":              {Redirect: &intent.ProxyRedirect{From: "~^/a", To: "/"}},
		"redirect without a to":       {Redirect: &intent.ProxyRedirect{From: "/a/"}},
		"off with a to":               {Redirect: &intent.ProxyRedirect{From: "off", To: "/"}},
		"redirect to with a space":    {Redirect: &intent.ProxyRedirect{From: "/a/", To: "/b c"}},
		"origin with a path":          {CORS: cors(func(c *intent.CORS) { c.Origins = []string{"https://a.example.com/x"} })},
		"origin null":                 {CORS: cors(func(c *intent.CORS) { c.Origins = []string{"null"} })},
		"origin star in a list":       {CORS: cors(func(c *intent.CORS) { c.Origins = []string{"*"} })},
		"origin regex":                {CORS: cors(func(c *intent.CORS) { c.Origins = []string{"https://.*"} })},
		"any origin with credentials": {CORS: cors(func(c *intent.CORS) { c.Origins, c.AnyOrigin = nil, true })},
		"any origin and a list":       {CORS: cors(func(c *intent.CORS) { c.AnyOrigin = true })},
		"no methods":                  {CORS: cors(func(c *intent.CORS) { c.Methods = nil })},
		"method with a space":         {CORS: cors(func(c *intent.CORS) { c.Methods = []string{"GET POST"} })},
		"allowed header with a colon": {CORS: cors(func(c *intent.CORS) { c.Headers = []string{"X-A: 1"} })},
		"exposed header variable":     {CORS: cors(func(c *intent.CORS) { c.Expose = []string{"$x"} })},
		"negative max age":            {CORS: cors(func(c *intent.CORS) { c.MaxAge = -1 })},
		"CORS header added beside it": {CORS: cors(nil), Add: []intent.Header{{Name: "access-control-allow-origin", Value: "*"}}},
		"forwarding header sent":      {Request: []intent.Header{{Name: "x-forwarded-for", Value: "10.0.0.1"}}},
		"identity header sent":        {Request: []intent.Header{{Name: "SSL-Client-Verify", Value: "SUCCESS"}}},
		"Host sent":                   {Request: []intent.Header{{Name: "Host", Value: "internal"}}},
		"variable sent":               {Request: []intent.Header{{Name: "X-A", Value: "$remote_addr"}}},
		"empty value sent":            {Request: []intent.Header{{Name: "X-A"}}},
		"request header twice":        {Request: []intent.Header{{Name: "X-A", Value: "1"}, {Name: "x-a", Value: "2"}}},
		"reserved with underscores":   {Request: []intent.Header{{Name: "X_Forwarded_For", Value: "10.0.0.1"}}},
		"underscore sent":             {Request: []intent.Header{{Name: "X_User", Value: "alice"}}},
		"request name over the hash":  {Request: []intent.Header{{Name: "X-" + strings.Repeat("a", grammar.MaxHashedHeaderName-1), Value: "1"}}},
		"hidden name over the hash":   {Hide: []string{"X-" + strings.Repeat("a", grammar.MaxHashedHeaderName-1)}},
	} {
		_, err := headers(bad)
		assert.Error(t, err, name)
	}
	h, err := headers(&intent.Headers{Request: []intent.Header{{Name: "X-Tenant", Value: "blue"}}})
	require.NoError(t, err)
	assert.Equal(t, []intent.Header{{Name: "X-Tenant", Value: "blue"}}, h.Request)
	assert.Error(t, notFromAuth(h.Request, []string{"x-tenant"}), "a header the authentication service's answer is copied into")
	assert.NoError(t, notFromAuth(h.Request, []string{"X-Auth-Request-User"}))
}

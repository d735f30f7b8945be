package grammar

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestHTTPErrors(t *testing.T) {
	t.Parallel()
	accepts(t, HTTPErrors, "404", []int{404})
	accepts(t, HTTPErrors, "503,404,404", []int{404, 503})
	accepts(t, HTTPErrors, "404, 500", []int{404, 500})
	refuses(t, HTTPErrors, "", "entry 1")
	refuses(t, HTTPErrors, "404,", "entry 2")
	refuses(t, HTTPErrors, "302", "not from 400 to 599")
	refuses(t, HTTPErrors, "600", "not from 400 to 599")
	refuses(t, HTTPErrors, "499", "nginx's error_page refuses it")
	refuses(t, HTTPErrors, "4xx", "is not a status code")
	refuses(t, HTTPErrors, "0404", "is not a status code")
	refuses(t, HTTPErrors, "404;", "is not a status code")
	assert.Equal(t, "404,500", HTTPErrors.Format([]int{404, 500}))
}

func TestNGINXHTTPErrors(t *testing.T) {
	t.Parallel()
	accepts(t, NGINXHTTPErrors, "302", []int{302})
	accepts(t, NGINXHTTPErrors, "500, 404, 404", []int{404, 500})
	v, err := Parse(NGINXHTTPErrors, "404, 500, 5xx", Context{})
	assert.NoError(t, err)
	assert.Len(t, v, 101)
	v, err = Parse(NGINXHTTPErrors, "4XX,5xx", Context{})
	assert.NoError(t, err)
	assert.Len(t, v, 199, "499 is left out of 4xx")
	assert.NotContains(t, v, 499)
	refuses(t, NGINXHTTPErrors, "299", "not from 300 to 599")
	refuses(t, NGINXHTTPErrors, "499", "nginx's error_page refuses it")
	refuses(t, NGINXHTTPErrors, "abc", `is not a status code, "4xx" or "5xx"`)
	refuses(t, NGINXHTTPErrors, " ", "entry 1")
	refuses(t, NGINXHTTPErrors, "6xx", `is not a status code, "4xx" or "5xx"`)
}

func TestServiceName(t *testing.T) {
	t.Parallel()
	accepts(t, ServiceName, "error-pages", "error-pages")
	refuses(t, ServiceName, "other/error-pages", "must name a Service in the Ingress's own namespace")
	refuses(t, ServiceName, "/error-pages", "must name a Service in the Ingress's own namespace")
	refuses(t, ServiceName, "Error", "not a valid service name")
	refuses(t, ServiceName, "1abc", "not a valid service name")
	refuses(t, ServiceName, "a.b", "not a valid service name")
}

package grammar

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestBodySize(t *testing.T) {
	t.Parallel()
	accepts(t, BodySize, "0", 0)
	accepts(t, BodySize, "8m", 8<<20)
	accepts(t, BodySize, "512K", 512<<10)
	accepts(t, BodySize, "1g", 1<<30)
	accepts(t, BodySize, "1000", 1000)
	accepts(t, BodySize, "1048576g", 1<<50)
	refuses(t, BodySize, "1048577g", "more than 1024 terabytes")
	refuses(t, BodySize, "1mb", "must be an nginx size")
	refuses(t, BodySize, "1t", "must be an nginx size")
	refuses(t, BodySize, " 8m", `did you mean "8m"`)
	refuses(t, BodySize, "8m;", "must be an nginx size")
	assert.Equal(t, "2g", BodySize.Format(2<<30))
	assert.Equal(t, "1025k", BodySize.Format(1025<<10))
	assert.Equal(t, "0", BodySize.Format(0))
}

func TestProxyTimeouts(t *testing.T) {
	t.Parallel()
	accepts(t, Seconds, "60", time.Minute)
	accepts(t, Seconds, "2147483", 2147483*time.Second)
	refuses(t, Seconds, "2147484", "from 1 to 2147483")
	refuses(t, Seconds, "0", "from 1 to 2147483")
	refuses(t, Seconds, "60s", "ingress-nginx takes plain seconds, without a unit")
	refuses(t, Seconds, "-5", "from 1 to 2147483")

	accepts(t, ProxyTimeout, "60s", time.Minute)
	accepts(t, ProxyTimeout, "90", 90*time.Second)
	accepts(t, ProxyTimeout, "500ms", 500*time.Millisecond)
	accepts(t, ProxyTimeout, "24d20h31m23s647ms", MaxProxyTimeout)
	refuses(t, ProxyTimeout, "24d20h31m23s648ms", "the longest timer nginx keeps")
	refuses(t, ProxyTimeout, "0", "must be more than 0")
	refuses(t, ProxyTimeout, "60 s", "must be an nginx time")
}

func TestNGINXBoolAndHTTPVersion(t *testing.T) {
	t.Parallel()
	accepts(t, NGINXBool, "True", true)
	accepts(t, NGINXBool, "False", false)
	accepts(t, NGINXBool, "false", false)
	refuses(t, NGINXBool, "FALSE", `did you mean "false"?`)
	refuses(t, NGINXBool, "1", `allowed: "true", "false", "True" or "False"`)
	accepts(t, HTTPVersion, "1.0", "1.0")
	refuses(t, HTTPVersion, "2", `allowed: "1.0" or "1.1"`)
}

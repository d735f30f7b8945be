package nginx

import (
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/seed-d040b84d/portcullis/lib/config"
)

// TestLogFieldsAreKnownAndCarryNoCredential: every field the ConfigMap may
// name has a variable, and none of them can log a credential or a client
// certificate.
func TestLogFieldsAreKnownAndCarryNoCredential(t *testing.T) {
	t.Parallel()
	var names []string
	for name, v := range logVariables {
		names = append(names, name)
		for _, bad := range []string{"authorization", "cookie", "ssl_client", "http_x_", "arg_", "request_body"} {
			assert.NotContains(t, strings.ToLower(v), bad, "field %s", name)
		}
	}
	slices.Sort(names)
	fields := slices.Clone(config.LogFieldNames)
	slices.Sort(fields)
	assert.Equal(t, fields, names)
}

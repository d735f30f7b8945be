package validate

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/seed-d040b84d/portcullis/lib/annotations"
)

// TestClientAuthDefaultsAreTheAnnotationRows: the client-auth defaults this
// package applies are the ones auth-tls-verify-client's and
// auth-tls-verify-depth's rows document (lib/annotations cannot refer to
// this package's constants: it is imported by it).
func TestClientAuthDefaultsAreTheAnnotationRows(t *testing.T) {
	t.Parallel()
	assert.Equal(t, annotations.DefaultAuthTLSVerifyClient, defaultVerifyClient)
	assert.Equal(t, annotations.DefaultAuthTLSVerifyDepth, defaultVerifyDepth)
}

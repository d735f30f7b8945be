package lint

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed-d040b84d/portcullis/lib/findings"
)

func TestRuleID(t *testing.T) {
	assert.Equal(t, "spec.tls[].secretName", RuleID("spec.tls[3].secretName"))
	assert.Equal(t, "metadata.annotations[nginx.org/hsts]", RuleID("metadata.annotations[nginx.org/hsts]"))
	assert.Equal(t, "object", RuleID(""))
}

// TestGitHubCommandsCannotBeBroken: a message or a file name cannot end
// its workflow command or start another.
func TestGitHubCommandsCannotBeBroken(t *testing.T) {
	rep := Report{Results: []Result{{Kind: "Ingress", Namespace: "a", Name: "b", File: "dir,x/f:1.yaml",
		Errors:   []findings.Entry{{Field: "metadata.annotations[k]", Message: "100%\n::error file=evil::injected\r"}},
		Position: Position{Line: 3}}}}
	var b bytes.Buffer
	require.NoError(t, rep.WriteGitHub(&b))
	assert.Equal(t, "::error file=dir%2Cx/f%3A1.yaml,line=3,title=Ingress/a/b::metadata.annotations[k]: 100%25%0A::error file=evil::injected%0D\n", b.String())
}

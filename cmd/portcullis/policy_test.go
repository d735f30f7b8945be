package main

import (
	"encoding/json"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed-d040b84d/portcullis/lint"
)

func policyDir(name string) string { return filepath.Join("testdata", "policies", name) }

func TestPolicyTest(t *testing.T) {
	code, out, _ := runCLI(t, "policy", "test", "-v", policyDir("owner"))
	assert.Equal(t, 0, code, out)
	assert.Contains(t, out, "PASS data.portcullis.owner_test.test_unlabelled_is_denied")
	assert.Contains(t, out, "2 passed, 0 failed")

	code, out, _ = runCLI(t, "policy", "test", policyDir("failing"))
	assert.Equal(t, 1, code)
	assert.Contains(t, out, "FAIL data.portcullis.owner_test.test_expects_the_wrong_thing (testdata/policies/failing/owner_test.rego:5)")

	code, _, stderr := runCLI(t, "policy", "test", policyDir("broken"))
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "broken.rego:5")

	code, _, stderr = runCLI(t, "policy", "test", filepath.Join("testdata", "lint"))
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "no *_test.rego")

	code, _, _ = runCLI(t, "policy")
	assert.Equal(t, 2, code)
}

func lintJSON(t *testing.T, args ...string) (int, lint.Report) {
	t.Helper()
	code, out, stderr := runCLI(t, append([]string{"lint", "-o", "json"}, args...)...)
	var rep lint.Report
	require.NoError(t, json.Unmarshal([]byte(out), &rep), "stdout: %s\nstderr: %s", out, stderr)
	return code, rep
}

func TestLintAppliesPolicies(t *testing.T) {
	code, rep := lintJSON(t, "-f", lintFile("allowed.yaml"))
	require.Equal(t, 0, code)

	code, rep = lintJSON(t, "-f", lintFile("allowed.yaml"), "--policy-dir", policyDir("owner"))
	assert.Equal(t, 1, code)
	require.NotEmpty(t, rep.Results)
	assert.False(t, rep.Results[0].Allowed)
	assert.Equal(t, "metadata.labels[owner]", rep.Results[0].Errors[0].Field)
	assert.Equal(t, "Ingresses need an owner label naming the team", rep.Results[0].Errors[0].Message)

	code, _, stderr := runCLI(t, "lint", "-f", lintFile("allowed.yaml"), "--policy-dir", policyDir("broken"))
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "--policy-dir")
	assert.Contains(t, stderr, "broken.rego:5")
}

// --policies, the old name of --policy-dir, still works, with a notice.
func TestLintPoliciesIsADeprecatedPolicyDir(t *testing.T) {
	code, out, stderr := runCLI(t, "lint", "-o", "json", "-f", lintFile("allowed.yaml"), "--policies", policyDir("owner"))
	assert.Equal(t, 1, code, "stdout: %s", out)
	assert.Contains(t, out, "Ingresses need an owner label naming the team")
	assert.Contains(t, stderr, "--policies is deprecated; use --policy-dir")

	_, _, stderr = runCLI(t, "lint", "-o", "json", "-f", lintFile("allowed.yaml"), "--policy-dir", policyDir("owner"))
	assert.NotContains(t, stderr, "deprecated")
}

func TestLintAppliesBuiltinsTheConfigMapTurnsOn(t *testing.T) {
	code, rep := lintJSON(t, "-f", lintFile("require-mtls.yaml"))
	assert.Equal(t, 1, code)
	var ing *lint.Result
	for i := range rep.Results {
		if rep.Results[i].Kind == "Ingress" {
			ing = &rep.Results[i]
		}
	}
	require.NotNil(t, ing)
	require.Len(t, ing.Errors, 1)
	assert.Equal(t, "spec.rules[0].host", ing.Errors[0].Field)
	assert.Contains(t, ing.Errors[0].Message, "requires client certificates")
}

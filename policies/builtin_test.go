package policies

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed-d040b84d/portcullis/lib/config"
)

// TestBuiltinRegoTests runs every built-in's _test.rego with OPA's tester.
func TestBuiltinRegoTests(t *testing.T) {
	results, err := RunTests(context.Background(), BuiltinTests())
	require.NoError(t, err)
	ran := map[string]int{}
	for _, r := range results {
		assert.True(t, r.Pass, "%s (%s): %s", r.Name, r.Location, r.Problem)
		ran[strings.SplitN(strings.TrimPrefix(r.Name, "data.portcullis.builtin."), ".", 2)[0]]++
	}
	for _, name := range config.BuiltinPolicies {
		pkg := strings.ReplaceAll(name, "-", "_") + "_test"
		assert.GreaterOrEqual(t, ran[pkg], 3, "built-in %s has too few Rego tests", name)
	}
}

// TestEveryBuiltinHasItsFileAndTests: one .rego and one _test.rego per name,
// and nothing else but the shared helpers.
func TestEveryBuiltinHasItsFileAndTests(t *testing.T) {
	files := map[string]bool{}
	for _, m := range append(Builtins(), BuiltinTests()...) {
		files[strings.TrimPrefix(m.Name, "builtin/")] = true
	}
	for _, name := range config.BuiltinPolicies {
		assert.True(t, files[name+".rego"], name)
		assert.True(t, files[name+"_test.rego"], name)
		delete(files, name+".rego")
		delete(files, name+"_test.rego")
	}
	delete(files, "lib.rego")
	assert.Empty(t, files, "unexpected files in policies/builtin")
}

// A Rego test that fails is reported as failing (the runner is not a no-op).
func TestRunTestsReportsFailures(t *testing.T) {
	results, err := RunTests(context.Background(), []Module{{Name: "user/t_test.rego", Text: "package portcullis.user_test\n\ntest_wrong if { 1 == 2 }\n\ntest_right if { 1 == 1 }\n"}})
	require.NoError(t, err)
	byName := map[string]TestResult{}
	for _, r := range results {
		byName[r.Name] = r
	}
	assert.False(t, byName["data.portcullis.user_test.test_wrong"].Pass)
	assert.Equal(t, "user/t_test.rego:3", byName["data.portcullis.user_test.test_wrong"].Location)
	assert.True(t, byName["data.portcullis.user_test.test_right"].Pass)
}

// Tests run at admission of a policy ConfigMap: they may not reach the
// network either.
func TestRegoTestsCannotCallTheNetwork(t *testing.T) {
	_, err := RunTests(context.Background(), []Module{{Name: "user/net_test.rego", Text: "package portcullis.net_test\n\ntest_call if {\n\thttp.send({\"method\": \"get\", \"url\": \"http://127.0.0.1:1\"})\n}\n"}})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "http.send")
}

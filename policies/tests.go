package policies

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/tester"
)

// TestResult is the outcome of one Rego test rule.
type TestResult struct {
	// Name is "package.test_name"; Location is "module:line".
	Name, Location string
	Pass           bool
	// Problem says why it failed ("" when it passed).
	Problem string
}

// testTimeout bounds each Rego test.
const testTimeout = 10 * time.Second

// RunTests runs every test_ rule of modules (with the built-ins beside them,
// so user tests can exercise the built-in helpers) with OPA's test runner.
// The error is for modules that do not compile; failing tests are results.
func RunTests(ctx context.Context, modules []Module) ([]TestResult, error) {
	parsed, _, err := parseModules(append(Builtins(), modules...))
	if err != nil {
		return nil, err
	}
	// Tests run in the webhook (a policy ConfigMap's tests decide its
	// admission): the same built-ins are refused as in policies.
	caps := ast.CapabilitiesForThisVersion()
	caps.Builtins = slices.DeleteFunc(caps.Builtins, func(b *ast.Builtin) bool {
		_, unsafe := unsafeBuiltins[b.Name]
		return unsafe
	})
	ch, err := tester.NewRunner().
		SetCompiler(ast.NewCompiler().WithCapabilities(caps).WithDefaultRegoVersion(ast.RegoV1)).
		SetDefaultRegoVersion(ast.RegoV1).
		RaiseBuiltinErrors(true).
		SetTimeout(testTimeout).
		SetParallel(1).
		SetModules(parsed).
		RunTests(ctx, nil)
	if err != nil {
		return nil, err
	}
	var out []TestResult
	for r := range ch {
		tr := TestResult{Name: r.Package + "." + r.Name, Pass: r.Pass()}
		if r.Location != nil {
			tr.Location = fmt.Sprintf("%s:%d", r.Location.File, r.Location.Row)
		}
		switch {
		case r.Error != nil:
			tr.Problem = r.Error.Error()
		case r.Fail:
			tr.Problem = "failed"
			if r.FailedAt != nil && r.FailedAt.Location != nil {
				tr.Problem = fmt.Sprintf("failed at %s:%d: %s", r.FailedAt.Location.File, r.FailedAt.Location.Row, r.FailedAt.String())
			}
		case r.Skip:
			tr.Pass, tr.Problem = false, "skipped"
		}
		out = append(out, tr)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

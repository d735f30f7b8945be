package policies

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync/atomic"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/seed-d040b84d/portcullis/lib/findings"
)

// DefaultTimeout bounds one evaluation of the whole policy set.
const DefaultTimeout = 100 * time.Millisecond

// TimeoutMessage is the error an object gets when evaluation runs out of time.
const TimeoutMessage = "policy evaluation timed out"

// Module is one Rego file.
type Module struct {
	// Name says where it came from in messages: "builtin/require-mtls.rego",
	// "configmap portcullis-system/team[tls.rego]", a file path.
	Name string
	Text string
}

// Options configure an Engine.
type Options struct {
	// Timeout bounds one evaluation (DefaultTimeout when zero).
	Timeout time.Duration
	// AllowOnTimeout admits, with a warning, an object whose evaluation ran
	// out of time; by default it is denied.
	AllowOnTimeout bool
}

// Engine evaluates a compiled policy set. Load swaps the set atomically;
// Review may run concurrently with Load and with itself.
type Engine struct {
	opts Options
	set  atomic.Pointer[Set]
}

// Set is a compiled policy set: the built-ins and the user's modules, with
// one prepared query collecting every deny and warn under data.portcullis.
type Set struct {
	query   rego.PreparedEvalQuery
	modules []string
}

// Modules names the modules in the set, sorted.
func (s *Set) Modules() []string { return append([]string(nil), s.modules...) }

// New returns an Engine holding the built-in policies only.
func New(o Options) (*Engine, error) {
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	e := &Engine{opts: o}
	if err := e.Load(context.Background(), nil); err != nil {
		return nil, fmt.Errorf("built-in policies: %w", err)
	}
	return e, nil
}

// Load compiles the built-ins with the user's modules and, when that
// succeeds, makes it the set in force. When it fails the previous set stays.
func (e *Engine) Load(ctx context.Context, user []Module) error {
	s, err := Compile(ctx, user)
	if err != nil {
		return err
	}
	e.set.Store(s)
	return nil
}

// Current is the set in force.
func (e *Engine) Current() *Set { return e.set.Load() }

// unsafeBuiltins are refused at compile time: policies judge the objects in
// front of them and never reach the network or the process's environment.
var unsafeBuiltins = map[string]struct{}{
	"http.send":          {},
	"net.lookup_ip_addr": {},
	"opa.runtime":        {},
}

// Compile parses and compiles the built-ins and the user's modules into a
// Set. Every problem is reported with its module name and line.
func Compile(ctx context.Context, user []Module) (*Set, error) {
	parsed, names, err := parseModules(append(Builtins(), user...))
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	denies, warns, err := decisionRefs(parsed)
	if err != nil {
		return nil, err
	}
	// One generated rule gathers every decision: one reference to evaluate.
	decision, err := ast.ParseModuleWithOpts("decision.rego", fmt.Sprintf("package %s\n\ndeny := [%s]\n\nwarn := [%s]\n",
		decisionPackage, strings.Join(denies, ", "), strings.Join(warns, ", ")), ast.ParserOptions{RegoVersion: ast.RegoV1})
	if err != nil {
		return nil, err
	}
	opts := []func(*rego.Rego){
		rego.Query("data." + decisionPackage),
		rego.ParsedModule(decision),
		rego.StrictBuiltinErrors(true),
		rego.UnsafeBuiltins(unsafeBuiltins),
		rego.SetRegoVersion(ast.RegoV1),
	}
	for _, n := range names {
		opts = append(opts, rego.ParsedModule(parsed[n]))
	}
	q, err := rego.New(opts...).PrepareForEval(ctx)
	if err != nil {
		return nil, err
	}
	return &Set{query: q, modules: names}, nil
}

// parseModules parses Rego v1 modules by name, reporting every syntax error
// and duplicated name at once; names come back sorted.
func parseModules(mods []Module) (map[string]*ast.Module, []string, error) {
	parsed := make(map[string]*ast.Module, len(mods))
	var names []string
	var errs []error
	for _, m := range mods {
		if _, dup := parsed[m.Name]; dup {
			errs = append(errs, fmt.Errorf("%s: two modules have this name", m.Name))
			continue
		}
		pm, err := ast.ParseModuleWithOpts(m.Name, m.Text, ast.ParserOptions{RegoVersion: ast.RegoV1})
		if err != nil {
			errs = append(errs, err)
			continue
		}
		parsed[m.Name] = pm
		names = append(names, m.Name)
	}
	if len(errs) > 0 {
		return nil, nil, errors.Join(errs...)
	}
	sort.Strings(names)
	return parsed, names, nil
}

// decisionPackage holds the generated rule that gathers the decisions; it is
// outside data.portcullis, so no policy can define it.
const decisionPackage = "portcullis_engine"

// decisionRefs finds the deny and warn rules of every package under
// data.portcullis. They must be multi-value rules (deny contains msg if ...):
// a single-value deny that is undefined would hide every other denial.
func decisionRefs(mods map[string]*ast.Module) (denies, warns []string, err error) {
	root := ast.MustParseRef("data.portcullis")
	seen := map[string]bool{}
	var errs []error
	for name, m := range mods {
		if !m.Package.Path.HasPrefix(root) {
			continue
		}
		for _, r := range m.Rules {
			head := r.Head.Name.String()
			if len(r.Head.Reference) > 0 {
				head = r.Head.Reference[0].Value.(ast.Var).String()
			}
			if head != "deny" && head != "warn" {
				continue
			}
			if r.Head.RuleKind() != ast.MultiValue || len(r.Head.Reference) > 1 {
				errs = append(errs, fmt.Errorf("%s:%d: %s must be a set rule: %s contains msg if { ... }", name, r.Location.Row, head, head))
				continue
			}
			ref := m.Package.Path.Append(ast.StringTerm(head)).String()
			if seen[ref] {
				continue
			}
			seen[ref] = true
			if head == "deny" {
				denies = append(denies, ref)
			} else {
				warns = append(warns, ref)
			}
		}
	}
	sort.Strings(denies)
	sort.Strings(warns)
	return denies, warns, errors.Join(errs...)
}

// Review evaluates the set in force on the input. Findings carry the field a
// rule names (or none); a failed evaluation denies the object, saying why.
func (e *Engine) Review(ctx context.Context, in Input) findings.Set {
	var fs findings.Set
	value, err := in.Value()
	if err != nil {
		fs.Errors = append(fs.Errors, denial("", "policy input: "+err.Error()))
		return fs
	}
	ctx, cancel := context.WithTimeout(ctx, e.opts.Timeout)
	defer cancel()
	rs, err := e.set.Load().query.Eval(ctx, rego.EvalParsedInput(value))
	switch {
	case err != nil && ctx.Err() != nil:
		if e.opts.AllowOnTimeout {
			fs.Warnings = append(fs.Warnings, findings.Warning{Message: TimeoutMessage + "; admitted because the engine is configured to allow on timeout"})
		} else {
			fs.Errors = append(fs.Errors, denial("", TimeoutMessage))
		}
		return fs
	case err != nil:
		fs.Errors = append(fs.Errors, denial("", "policy evaluation failed: "+err.Error()))
		return fs
	case len(rs) != 1:
		fs.Errors = append(fs.Errors, denial("", "policy evaluation returned no decision"))
		return fs
	}
	decision, _ := rs[0].Expressions[0].Value.(map[string]any)
	for _, v := range collect(decision["deny"]) {
		fs.Errors = append(fs.Errors, denial(v.field, v.msg))
	}
	for _, v := range collect(decision["warn"]) {
		fs.Warnings = append(fs.Warnings, findings.Warning{Field: v.field, Message: v.msg})
	}
	fs.Sort()
	return fs
}

// denial is an error a policy gives, on the field it names (or none).
func denial(fld, msg string) *field.Error {
	return &field.Error{Type: field.ErrorTypeForbidden, Field: fld, Detail: msg}
}

type verdict struct{ msg, field string }

// collect flattens the bindings (a list of sets) into messages. A message is
// a string, or an object with "msg" and optionally "field"; anything else is
// shown as it is, so a malformed rule is still visible.
func collect(b any) []verdict {
	var out []verdict
	sets, _ := b.([]any)
	for _, s := range sets {
		items, _ := s.([]any)
		for _, it := range items {
			switch x := it.(type) {
			case string:
				out = append(out, verdict{msg: x})
			case map[string]any:
				msg, ok := x["msg"].(string)
				if !ok {
					msg = fmt.Sprintf("%v", x)
				}
				f, _ := x["field"].(string)
				out = append(out, verdict{msg: msg, field: f})
			default:
				out = append(out, verdict{msg: fmt.Sprintf("%v", x)})
			}
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].field != out[j].field {
			return out[i].field < out[j].field
		}
		return out[i].msg < out[j].msg
	})
	return out
}

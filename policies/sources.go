package policies

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/seed-d040b84d/portcullis/lib/findings"
)

// ConfigMapLabel marks a ConfigMap of Rego policies in the controller's
// namespace; each data key is a .rego file (tests end in _test.rego).
const ConfigMapLabel = "portcullis.dev/policy"

// IsPolicyConfigMap reports whether cm holds policies for a controller whose
// namespace is ns.
func IsPolicyConfigMap(cm *corev1.ConfigMap, ns string) bool {
	return cm.Namespace == ns && cm.Labels[ConfigMapLabel] == "true"
}

// configMapModuleName names a module from a ConfigMap key in messages.
func configMapModuleName(cm *corev1.ConfigMap, key string) string {
	return fmt.Sprintf("configmap %s/%s[%s]", cm.Namespace, cm.Name, key)
}

// FromConfigMap splits a policy ConfigMap into policy modules and test
// modules. Keys that are not .rego files are findings on data[key].
func FromConfigMap(cm *corev1.ConfigMap) (mods, tests []Module, fs findings.Set) {
	keys := make([]string, 0, len(cm.Data))
	for k := range cm.Data {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		m := Module{Name: configMapModuleName(cm, k), Text: cm.Data[k]}
		switch {
		case strings.HasSuffix(k, "_test.rego"):
			tests = append(tests, m)
		case strings.HasSuffix(k, ".rego"):
			mods = append(mods, m)
		default:
			fs.Errors = append(fs.Errors, denial(dataPath(k), fmt.Sprintf("policy ConfigMap keys are Rego files ending in .rego (tests in _test.rego), got %q", k)))
		}
	}
	for k := range cm.BinaryData {
		fs.Errors = append(fs.Errors, denial(field.NewPath("binaryData").Key(k).String(), "policies are text: put them in data"))
	}
	return mods, tests, fs
}

func dataPath(key string) string { return field.NewPath("data").Key(key).String() }

// FromDir reads the .rego files under dir (recursively, in sorted order), as
// --policy-dir gives them.
func FromDir(dir string) (mods, tests []Module, err error) {
	err = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || !strings.HasSuffix(path, ".rego") {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		m := Module{Name: path, Text: string(b)}
		if strings.HasSuffix(path, "_test.rego") {
			tests = append(tests, m)
		} else {
			mods = append(mods, m)
		}
		return nil
	})
	if err != nil {
		return nil, nil, fmt.Errorf("read policies from %s: %w", dir, err)
	}
	return mods, tests, nil
}

// moduleRef finds "configmap ns/name[key]:LINE" in compiler and test
// messages, to put each problem on the key it is in.
var moduleRef = regexp.MustCompile(`configmap ([^ \[]+)\[([^\]]+)\]`)

// JudgeConfigMap decides whether a policy ConfigMap may be admitted: its
// modules must compile together with the built-ins and the other policies in
// force (others), and its tests must pass. Each problem is on data[key] with
// the compiler's or tester's message, which names the line.
func JudgeConfigMap(ctx context.Context, cm *corev1.ConfigMap, others []Module) findings.Set {
	mods, tests, fs := FromConfigMap(cm)
	if !fs.Allowed() {
		return fs
	}
	all := append(append([]Module{}, others...), mods...)
	if _, err := Compile(ctx, all); err != nil {
		return placeErrors(cm, err, "does not compile")
	}
	if len(tests) == 0 {
		return fs
	}
	results, err := RunTests(ctx, append(all, tests...))
	if err != nil {
		return placeErrors(cm, err, "tests do not compile")
	}
	for _, r := range results {
		if r.Pass || !strings.HasPrefix(r.Location, "configmap "+cm.Namespace+"/"+cm.Name+"[") {
			continue
		}
		key := keyOf(r.Location)
		fs.Errors = append(fs.Errors, denial(dataPath(key), fmt.Sprintf("Rego test %s (%s) %s", r.Name, strings.TrimPrefix(r.Location, configMapModuleName(cm, key)+":"), r.Problem)))
	}
	fs.Sort()
	return fs
}

// placeErrors turns compiler errors into findings on the keys they are in,
// each with its line, or on data when an error names no key of this
// ConfigMap.
func placeErrors(cm *corev1.ConfigMap, err error, what string) findings.Set {
	var fs findings.Set
	for _, e := range flatten(err) {
		var astErrs ast.Errors
		if !errors.As(e, &astErrs) {
			fs.Errors = append(fs.Errors, denial("data", fmt.Sprintf("policy %s: %v", what, e)))
			continue
		}
		for _, ae := range astErrs {
			fld, where := "data", ""
			if ae.Location != nil {
				if key := keyOf(ae.Location.File); key != "" && strings.HasPrefix(ae.Location.File, configMapModuleName(cm, key)) {
					fld, where = dataPath(key), fmt.Sprintf("line %d: ", ae.Location.Row)
				} else {
					where = fmt.Sprintf("%s:%d: ", ae.Location.File, ae.Location.Row)
				}
			}
			fs.Errors = append(fs.Errors, denial(fld, fmt.Sprintf("policy %s: %s%s", what, where, ae.Message)))
		}
	}
	fs.Sort()
	return fs
}

// flatten undoes errors.Join.
func flatten(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range j.Unwrap() {
			out = append(out, flatten(e)...)
		}
		return out
	}
	return []error{err}
}

func keyOf(s string) string {
	m := moduleRef.FindStringSubmatch(s)
	if m == nil {
		return ""
	}
	return m[2]
}

package policies

import (
	"embed"
	"io/fs"
	"path"
	"sort"
	"strings"
)

//go:embed builtin/*.rego
var builtinFS embed.FS

// Builtins are the built-in policy modules (without their tests), named
// "builtin/<file>". Their names, which the ConfigMap key `policies` turns on,
// are listed once, in lib (config.BuiltinPolicies), where the ConfigMap is
// judged; TestEveryBuiltinHasItsFileAndTests ties that list to these files,
// both ways.
func Builtins() []Module { return builtinModules(false) }

// BuiltinTests are the built-in policies' _test.rego modules.
func BuiltinTests() []Module { return builtinModules(true) }

func builtinModules(tests bool) []Module {
	entries, err := fs.ReadDir(builtinFS, "builtin")
	if err != nil {
		panic(err) // embedded at build time: cannot fail
	}
	var out []Module
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), "_test.rego") != tests {
			continue
		}
		b, err := builtinFS.ReadFile(path.Join("builtin", e.Name()))
		if err != nil {
			panic(err)
		}
		out = append(out, Module{Name: "builtin/" + e.Name(), Text: string(b)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

package lint

import (
	"bytes"
	"encoding/base64"
	"io"
	"os"
	"path/filepath"
	"testing"
	"text/template"
	"time"

	"github.com/seed-d040b84d/portcullis/lib/manifest"
)

// fuzzSeeds are lib/validate's golden inputs, expanded (certificates inlined),
// so the fuzzer starts from worlds that reach every check.
var fuzzSeeds = []string{
	"tls-chain", "tls-chain-intermediate-first", "mtls-auth-tls", "nginx-policies",
	"passthrough-host-conflict", "mergeable", "configmap-unknown-key", "host-conflict-client-auth",
	"reencrypt-client-certificate", "mtls-crl", "list-kind",
}

// FuzzLintInput feeds arbitrary bytes to lint as a YAML stream: decoding may
// fail, but judging whatever decodes never panics, and every verdict is
// consistent: allowed exactly when it has no error, every error on a field.
//
//	go test ./lint -run '^$' -fuzz FuzzLintInput -fuzztime 5m -fuzzminimizetime 1s
//
// (The seeds are kilobytes of YAML; with the default -fuzzminimizetime the
// fuzzer spends its first minutes minimizing them, and the exec counter stands still.)
func FuzzLintInput(f *testing.F) {
	for _, name := range fuzzSeeds {
		f.Add(expandGolden(f, name))
	}
	f.Add([]byte("apiVersion: v1\nkind: List\nitems: []\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		objs, err := manifest.Decode(bytes.NewReader(data))
		if err != nil {
			return // exit code 2: unreadable input
		}
		srcs := make([]Source, 0, len(objs))
		at := positions(data)
		lines := bytes.Count(data, []byte("\n")) + 1
		for _, o := range objs {
			p := at(o.Doc, o.Meta.GetNamespace(), o.Meta.GetName())
			if p.Line < 0 || p.Line > lines {
				t.Errorf("document %d placed at line %d of %d", o.Doc, p.Line, lines)
			}
			for key, l := range p.Annotations {
				if l < 1 || l > lines {
					t.Errorf("annotation %q placed at line %d of %d", key, l, lines)
				}
			}
			srcs = append(srcs, Source{Object: o, File: "fuzz.yaml", Position: p})
		}
		// Both passthrough settings: they take different paths through the builder.
		for _, passthrough := range []bool{false, true} {
			rep := Judge(srcs, Options{
				EnableSSLPassthrough: passthrough,
				Now:                  func() time.Time { return time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC) },
			})
			checkReport(t, rep)
			// Every output format writes whatever was judged.
			for _, write := range []func(io.Writer) error{rep.WriteJSON, rep.WriteJUnit, rep.WriteGitHub,
				func(w io.Writer) error { return rep.WriteText(w, false) },
				func(w io.Writer) error { return rep.WriteSARIF(w, Tool{Name: "portcullis"}) }} {
				if err := write(io.Discard); err != nil {
					t.Error(err)
				}
			}
		}
	})
}

func checkReport(t *testing.T, rep Report) {
	t.Helper()
	for _, r := range rep.Results {
		obj := r.Kind + " " + r.Namespace + "/" + r.Name
		if r.Allowed && len(r.Errors) > 0 {
			t.Errorf("%s: allowed with %d errors: %+v", obj, len(r.Errors), r.Errors)
		}
		if !r.Allowed && len(r.Errors) == 0 {
			t.Errorf("%s: denied without an error", obj)
		}
		for _, e := range r.Errors {
			if e.Field == "" {
				t.Errorf("%s: error without a field: %q", obj, e.Message)
			}
			if e.Message == "" {
				t.Errorf("%s: error on %s without a message", obj, e.Field)
			}
		}
		if r.Errors == nil || r.Warnings == nil {
			t.Errorf("%s: errors and warnings must be lists, not null", obj)
		}
	}
	if got, want := rep.Allowed(), allAllowed(rep); got != want {
		t.Errorf("Report.Allowed() = %t, results say %t", got, want)
	}
}

func allAllowed(rep Report) bool {
	for _, r := range rep.Results {
		if len(r.Errors) > 0 {
			return false
		}
	}
	return true
}

// expandGolden reads lib/validate/testdata/<name>.in.yaml and expands its
// {{ b64 "file.pem" ... }} references from lib/validate/testdata/certs.
func expandGolden(tb testing.TB, name string) []byte {
	tb.Helper()
	dir := filepath.Join("..", "lib", "validate", "testdata")
	text, err := os.ReadFile(filepath.Join(dir, name+".in.yaml"))
	if err != nil {
		tb.Fatal(err)
	}
	tmpl, err := template.New(name).Funcs(template.FuncMap{
		"b64": func(files ...string) (string, error) {
			var all []byte
			for _, f := range files {
				b, err := os.ReadFile(filepath.Join(dir, "certs", f))
				if err != nil {
					return "", err
				}
				all = append(all, b...)
			}
			return base64.StdEncoding.EncodeToString(all), nil
		},
	}).Parse(string(text))
	if err != nil {
		tb.Fatal(err)
	}
	var b bytes.Buffer
	if err := tmpl.Execute(&b, nil); err != nil {
		tb.Fatal(err)
	}
	return b.Bytes()
}

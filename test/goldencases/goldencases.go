// Package goldencases reads lib/validate's golden cases (multi-document YAML
// worlds, the lint flags they are judged with, and lint's verdicts) so every
// path that judges objects — lint, and the webhook behind a real API server —
// is held to the same table.
package goldencases

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"text/template"
	"time"

	"github.com/seed-d040b84d/portcullis/lib/intent"
	"github.com/seed-d040b84d/portcullis/lib/manifest"
	"github.com/seed-d040b84d/portcullis/lint"
)

// Now is the fixed clock the cases are judged by; every certificate fixture's
// validity is relative to it.
var Now = time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)

// Dir is lib/validate/testdata.
func Dir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "lib", "validate", "testdata")
}

// Case is one golden case.
type Case struct {
	Name    string
	Path    string
	Objects []manifest.Object
	Options lint.Options
	// Results are lint's verdicts, from <case>.out.json.
	Results []lint.Result
}

// All loads every case in Dir, sorted by name.
func All() ([]Case, error) {
	ins, err := filepath.Glob(filepath.Join(Dir(), "*.in.yaml"))
	if err != nil {
		return nil, err
	}
	sort.Strings(ins)
	var out []Case
	for _, in := range ins {
		c, err := Load(in)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

// Load reads one case: its objects, flags and, when present, its verdicts.
func Load(in string) (Case, error) {
	c := Case{Name: strings.TrimSuffix(filepath.Base(in), ".in.yaml"), Path: in}
	text, err := os.ReadFile(in)
	if err != nil {
		return c, err
	}
	if c.Options, err = Options(text); err != nil {
		return c, fmt.Errorf("%s: %w", in, err)
	}
	expanded, err := Expand(in, text)
	if err != nil {
		return c, fmt.Errorf("%s: %w", in, err)
	}
	if c.Objects, err = manifest.Decode(bytes.NewReader(expanded)); err != nil {
		return c, fmt.Errorf("%s: %w", in, err)
	}
	out, err := os.ReadFile(strings.TrimSuffix(in, ".in.yaml") + ".out.json")
	if os.IsNotExist(err) {
		return c, nil
	}
	if err != nil {
		return c, err
	}
	var g struct {
		Results []lint.Result `json:"results"`
	}
	if err := json.Unmarshal(out, &g); err != nil {
		return c, fmt.Errorf("%s.out.json: %w", c.Name, err)
	}
	c.Results = g.Results
	return c, nil
}

// Sources are the case's objects as lint reads them.
func (c Case) Sources() []lint.Source {
	src := make([]lint.Source, 0, len(c.Objects))
	for _, o := range c.Objects {
		src = append(src, lint.Source{Object: o, File: filepath.Base(c.Path)})
	}
	return src
}

// Expand runs a case's text through text/template with one function, b64:
//
//	tls.crt: {{ b64 "web-chain.pem" }}            base64 of testdata/certs/web-chain.pem
//	ca.crt:  {{ b64 "client-ca.pem" "root.pem" }}  base64 of the files concatenated
func Expand(name string, text []byte) ([]byte, error) {
	certs := filepath.Join(filepath.Dir(name), "certs")
	tmpl, err := template.New(filepath.Base(name)).Option("missingkey=error").Funcs(template.FuncMap{
		"b64": func(files ...string) (string, error) {
			var all []byte
			for _, f := range files {
				b, err := os.ReadFile(filepath.Join(certs, f))
				if err != nil {
					return "", err
				}
				all = append(all, b...)
			}
			return base64.StdEncoding.EncodeToString(all), nil
		},
	}).Parse(string(text))
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if err := tmpl.Execute(&b, nil); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// Options parses the leading `# lint: FLAGS` comment lines: lint's
// --enable-ssl-passthrough, --ingress-class, --annotations-prefix,
// --default-ssl-certificate and --configmap. The clock is Now.
func Options(text []byte) (lint.Options, error) {
	opts := lint.Options{Now: func() time.Time { return Now }}
	fs := flag.NewFlagSet("lint", flag.ContinueOnError)
	fs.BoolVar(&opts.EnableSSLPassthrough, "enable-ssl-passthrough", false, "")
	fs.StringVar(&opts.IngressClass, "ingress-class", "", "")
	fs.StringVar(&opts.AnnotationsPrefix, "annotations-prefix", "", "")
	fs.Func("default-ssl-certificate", "", func(s string) error {
		ref, err := parseRef(s)
		opts.DefaultSSLCertificate = &ref
		return err
	})
	fs.Func("configmap", "", func(s string) (err error) {
		opts.ConfigMap, err = parseRef(s)
		return err
	})
	sc := bufio.NewScanner(bytes.NewReader(text))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if !strings.HasPrefix(line, "#") {
			break
		}
		args, ok := strings.CutPrefix(line, "# lint:")
		if !ok {
			continue
		}
		if err := fs.Parse(strings.Fields(args)); err != nil {
			return opts, err
		}
		if fs.NArg() > 0 {
			return opts, fmt.Errorf("unexpected arguments %q", fs.Args())
		}
	}
	return opts, sc.Err()
}

func parseRef(s string) (intent.ObjectRef, error) {
	ns, name, ok := strings.Cut(s, "/")
	if !ok || ns == "" || name == "" {
		return intent.ObjectRef{}, fmt.Errorf("want namespace/name, got %q", s)
	}
	return intent.ObjectRef{Namespace: ns, Name: name}, nil
}

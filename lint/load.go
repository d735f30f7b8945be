// Package lint is lib's offline consumer, beside webhook/ and controller/: it
// reads YAML files as the whole world, judges every Ingress, Policy, TLS/CA
// Secret and the controller ConfigMap exactly as the webhook would, and writes
// the verdicts (text, JSON, SARIF, JUnit, GitHub annotations). Flags, exit
// codes and the Rego engine are the command's (cmd/portcullis lint).
package lint

import (
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/seed-d040b84d/portcullis/lib/manifest"
)

// Source is a decoded object, the file it came from and where in it.
type Source struct {
	manifest.Object
	File     string
	Position Position
}

// InputError is an unreadable or undecodable input (exit code 2).
type InputError struct{ Err error }

func (e *InputError) Error() string { return e.Err.Error() }
func (e *InputError) Unwrap() error { return e.Err }

// Load reads every file named, and every .yaml, .yml and .json file under every
// directory named, in lexical order. "-" reads standard input.
func Load(paths []string) ([]Source, error) {
	var files []string
	for _, p := range paths {
		if p == "-" {
			files = append(files, p)
			continue
		}
		fi, err := os.Stat(p)
		if err != nil {
			return nil, &InputError{err}
		}
		if !fi.IsDir() {
			files = append(files, p)
			continue
		}
		var found []string
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			switch strings.ToLower(filepath.Ext(path)) {
			case ".yaml", ".yml", ".json":
				if !d.IsDir() {
					found = append(found, path)
				}
			}
			return nil
		})
		if err != nil {
			return nil, &InputError{err}
		}
		sort.Strings(found)
		files = append(files, found...)
	}
	var out []Source
	for _, f := range files {
		content, err := readFile(f)
		if err != nil {
			return nil, &InputError{fmt.Errorf("%s: %w", f, err)}
		}
		objs, err := manifest.Decode(bytes.NewReader(content))
		if err != nil {
			return nil, &InputError{fmt.Errorf("%s: %w", f, err)}
		}
		at := positions(content)
		for _, o := range objs {
			out = append(out, Source{Object: o, File: f, Position: at(o.Doc, o.Meta.GetNamespace(), o.Meta.GetName())})
		}
	}
	return out, nil
}

// maxFileBytes bounds one input file (or standard input).
const maxFileBytes = 64 << 20

func readFile(name string) ([]byte, error) {
	r := io.Reader(os.Stdin)
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		r = f
	}
	b, err := io.ReadAll(io.LimitReader(r, maxFileBytes+1))
	if err == nil && len(b) > maxFileBytes {
		err = fmt.Errorf("larger than the %d-byte limit", maxFileBytes)
	}
	return b, err
}

// Package lint is `portcullis lint`: it reads YAML files as the whole world,
// judges every Ingress, Policy, TLS/CA Secret and the controller ConfigMap
// exactly as the webhook would, and reports the verdicts as JSON or text.
package lint

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/seed-d040b84d/portcullis/lib/world"
)

// Source is a decoded object and the file it came from.
type Source struct {
	world.Object
	File string
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
		objs, err := loadFile(f)
		if err != nil {
			return nil, &InputError{fmt.Errorf("%s: %w", f, err)}
		}
		for _, o := range objs {
			out = append(out, Source{Object: o, File: f})
		}
	}
	return out, nil
}

func loadFile(name string) ([]world.Object, error) {
	if name == "-" {
		return world.Decode(os.Stdin)
	}
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return world.Decode(f)
}

package lint

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/seed-d040b84d/portcullis/lib/findings"
)

// Result is the verdict on one object. Its JSON form is a stable interface:
// other tools parse it.
type Result struct {
	APIVersion string           `json:"apiVersion"`
	Kind       string           `json:"kind"`
	Namespace  string           `json:"namespace"`
	Name       string           `json:"name"`
	Allowed    bool             `json:"allowed"`
	Errors     []findings.Entry `json:"errors"`
	Warnings   []findings.Entry `json:"warnings"`
	// File is where the object was read from, Position where in it (text,
	// SARIF, JUnit and GitHub output only).
	File     string   `json:"-"`
	Position Position `json:"-"`
}

// Report is every verdict of one lint run.
type Report struct {
	Results []Result `json:"results"`
}

// Allowed reports whether every object was allowed.
func (r *Report) Allowed() bool {
	for _, res := range r.Results {
		if !res.Allowed {
			return false
		}
	}
	return true
}

// WriteJSON writes the report as one JSON document.
func (r *Report) WriteJSON(w io.Writer) error {
	// The shape is a contract: empty lists are [], never null.
	out := Report{Results: make([]Result, len(r.Results))}
	for i, res := range r.Results {
		if res.Errors == nil {
			res.Errors = []findings.Entry{}
		}
		if res.Warnings == nil {
			res.Warnings = []findings.Entry{}
		}
		out.Results[i] = res
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

// ANSI colours used on a terminal.
const (
	red    = "\x1b[31m"
	yellow = "\x1b[33m"
	bold   = "\x1b[1m"
	reset  = "\x1b[0m"
)

// WriteText writes one line per finding, `file:kind/namespace/name: field:
// message`, grouped per object (errors first, warnings marked "(warning)"), then
// a summary line. With colour, errors are red, warnings yellow and objects bold.
func (r *Report) WriteText(w io.Writer, colour bool) error {
	paint := func(c, s string) string {
		if !colour {
			return s
		}
		return c + s + reset
	}
	var denied, warned int
	var b strings.Builder
	for _, res := range r.Results {
		if len(res.Errors) == 0 && len(res.Warnings) == 0 {
			continue
		}
		obj := fmt.Sprintf("%s:%s/%s/%s", res.File, res.Kind, res.Namespace, res.Name)
		if res.Namespace == "" {
			obj = fmt.Sprintf("%s:%s/%s", res.File, res.Kind, res.Name)
		}
		if !res.Allowed {
			denied++
		}
		for _, e := range res.Errors {
			fmt.Fprintf(&b, "%s: %s\n", paint(bold, obj), paint(red, line(e)))
		}
		for _, e := range res.Warnings {
			warned++
			fmt.Fprintf(&b, "%s: %s %s\n", paint(bold, obj), paint(yellow, line(e)), "(warning)")
		}
	}
	fmt.Fprintf(&b, "%d objects checked: %d denied, %d warnings\n", len(r.Results), denied, warned)
	_, err := io.WriteString(w, b.String())
	return err
}

func line(e findings.Entry) string {
	if e.Field == "" {
		return e.Message
	}
	return e.Field + ": " + e.Message
}

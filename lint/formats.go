package lint

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/seed-d040b84d/portcullis/lib/findings"
)

// Formats are the -o values of `portcullis lint`.
var Formats = []string{"text", "json", "sarif", "junit", "github"}

// Tool names the program in SARIF output.
type Tool struct {
	Name, Version, InformationURI string
}

// object is "Kind/namespace/name" (or "Kind/name").
func (r Result) object() string {
	if r.Namespace == "" {
		return r.Kind + "/" + r.Name
	}
	return r.Kind + "/" + r.Namespace + "/" + r.Name
}

var index = regexp.MustCompile(`\[[0-9]+\]`)

// RuleID is the kind of a finding: its field path with list indices
// dropped ("spec.tls[].secretName", "metadata.annotations[nginx.org/hsts]"),
// "object" for a finding on the whole object.
func RuleID(field string) string {
	if field == "" {
		return "object"
	}
	return index.ReplaceAllString(field, "[]")
}

// uri is a file name as a relative URI reference: forward slashes, and
// standard input as "stdin".
func uri(file string) string {
	if file == "-" {
		return "stdin"
	}
	return filepath.ToSlash(file)
}

type finding struct {
	level string // "error" or "warning"
	entry findings.Entry
}

func (r Result) findings() []finding {
	var out []finding
	for _, e := range r.Errors {
		out = append(out, finding{"error", e})
	}
	for _, e := range r.Warnings {
		out = append(out, finding{"warning", e})
	}
	return out
}

type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool    sarifTool     `json:"tool"`
	Results []sarifResult `json:"results"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	Version        string      `json:"version,omitempty"`
	InformationURI string      `json:"informationUri,omitempty"`
	Rules          []sarifRule `json:"rules"`
}

type sarifText struct {
	Text string `json:"text"`
}

type sarifRule struct {
	ID               string    `json:"id"`
	ShortDescription sarifText `json:"shortDescription"`
}

type sarifResult struct {
	RuleID    string          `json:"ruleId"`
	RuleIndex int             `json:"ruleIndex"`
	Level     string          `json:"level"`
	Message   sarifText       `json:"message"`
	Locations []sarifLocation `json:"locations"`
}

type sarifLocation struct {
	PhysicalLocation sarifPhysical  `json:"physicalLocation"`
	LogicalLocations []sarifLogical `json:"logicalLocations"`
}

type sarifPhysical struct {
	ArtifactLocation struct {
		URI string `json:"uri"`
	} `json:"artifactLocation"`
	Region *struct {
		StartLine int `json:"startLine"`
	} `json:"region,omitempty"`
}

type sarifLogical struct {
	FullyQualifiedName string `json:"fullyQualifiedName"`
	Kind               string `json:"kind"`
}

// WriteSARIF writes the report as a SARIF 2.1.0 log (GitHub code scanning):
// one rule per kind of finding (RuleID), one result per finding, located at
// the line of its annotation when it is on one, else of its object.
func (r *Report) WriteSARIF(w io.Writer, tool Tool) error {
	var ids []string
	for _, res := range r.Results {
		for _, f := range res.findings() {
			ids = append(ids, RuleID(f.entry.Field))
		}
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	run := sarifRun{Tool: sarifTool{Driver: sarifDriver{Name: tool.Name, Version: tool.Version, InformationURI: tool.InformationURI, Rules: []sarifRule{}}},
		Results: []sarifResult{}}
	for _, id := range ids {
		desc := "What portcullis finds on " + id + " of an object it judges."
		if id == "object" {
			desc = "What portcullis finds on an object as a whole."
		}
		run.Tool.Driver.Rules = append(run.Tool.Driver.Rules, sarifRule{ID: id, ShortDescription: sarifText{desc}})
	}
	for _, res := range r.Results {
		for _, f := range res.findings() {
			id := RuleID(f.entry.Field)
			i, _ := slices.BinarySearch(ids, id)
			loc := sarifLocation{LogicalLocations: []sarifLogical{{FullyQualifiedName: res.object(), Kind: "resource"}}}
			loc.PhysicalLocation.ArtifactLocation.URI = uri(res.File)
			if line := res.Position.LineOf(f.entry.Field); line > 0 {
				loc.PhysicalLocation.Region = &struct {
					StartLine int `json:"startLine"`
				}{line}
			}
			run.Results = append(run.Results, sarifResult{RuleID: id, RuleIndex: i, Level: f.level,
				Message: sarifText{res.object() + ": " + line(f.entry)}, Locations: []sarifLocation{loc}})
		}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(sarifLog{Schema: "https://json.schemastore.org/sarif-2.1.0.json", Version: "2.1.0", Runs: []sarifRun{run}})
}

type junitSuites struct {
	XMLName  xml.Name   `xml:"testsuites"`
	Name     string     `xml:"name,attr"`
	Tests    int        `xml:"tests,attr"`
	Failures int        `xml:"failures,attr"`
	Suites   []junitSet `xml:"testsuite"`
}

type junitSet struct {
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Errors   int         `xml:"errors,attr"`
	Skipped  int         `xml:"skipped,attr"`
	Cases    []junitCase `xml:"testcase"`
}

type junitCase struct {
	ClassName string        `xml:"classname,attr"`
	Name      string        `xml:"name,attr"`
	File      string        `xml:"file,attr,omitempty"`
	Line      int           `xml:"line,attr,omitempty"`
	Failure   *junitFailure `xml:"failure,omitempty"`
	SystemOut string        `xml:"system-out,omitempty"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

// WriteJUnit writes the report as JUnit XML (GitLab, Jenkins, Azure
// Pipelines): a test case per object, failed when it is denied, with its
// errors in the failure and its warnings as output.
func (r *Report) WriteJUnit(w io.Writer) error {
	set := junitSet{Name: "portcullis lint", Cases: []junitCase{}}
	for _, res := range r.Results {
		c := junitCase{ClassName: uri(res.File), Name: res.object(), File: uri(res.File), Line: res.Position.Line}
		var warnings []string
		for _, e := range res.Warnings {
			warnings = append(warnings, "warning: "+line(e))
		}
		c.SystemOut = strings.Join(warnings, "\n")
		if !res.Allowed {
			var errs []string
			for _, e := range res.Errors {
				errs = append(errs, line(e))
			}
			c.Failure = &junitFailure{Message: fmt.Sprintf("denied: %d errors", len(res.Errors)), Type: "denied", Text: strings.Join(errs, "\n")}
			set.Failures++
		}
		set.Cases = append(set.Cases, c)
	}
	set.Tests = len(set.Cases)
	out, err := xml.MarshalIndent(junitSuites{Name: "portcullis lint", Tests: set.Tests, Failures: set.Failures, Suites: []junitSet{set}}, "", "  ")
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "%s%s\n", xml.Header, out)
	return err
}

// WriteGitHub writes each finding as a GitHub Actions workflow command
// (::error or ::warning, with the file, the line and the object as title),
// which the Actions run shows on the pull request's lines.
func (r *Report) WriteGitHub(w io.Writer) error {
	var b strings.Builder
	for _, res := range r.Results {
		for _, f := range res.findings() {
			fmt.Fprintf(&b, "::%s file=%s", f.level, ghProperty(uri(res.File)))
			if l := res.Position.LineOf(f.entry.Field); l > 0 {
				fmt.Fprintf(&b, ",line=%d", l)
			}
			fmt.Fprintf(&b, ",title=%s::%s\n", ghProperty(res.object()), ghData(line(f.entry)))
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// ghData escapes a workflow command's message: "%", CR and LF.
func ghData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

// ghProperty escapes a workflow command's property value: as data, and ":"
// and ",".
func ghProperty(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(s)
}

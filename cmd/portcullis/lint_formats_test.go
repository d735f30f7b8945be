package main

import (
	"encoding/xml"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/owenrumney/go-sarif/v3/pkg/report/v210/sarif"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/xeipuuv/gojsonschema"
)

var updateLint = flag.Bool("update-lint", false, "rewrite testdata/lint/formats.* from the current output")

// TestLintFormatGoldens: -o sarif, junit and github on formats.yaml are
// the committed files (go test ./cmd/portcullis -run TestLintFormatGoldens
// -update-lint rewrites them).
func TestLintFormatGoldens(t *testing.T) {
	for format, golden := range map[string]string{"sarif": "formats.sarif.json", "junit": "formats.junit.xml", "github": "formats.github.txt"} {
		t.Run(format, func(t *testing.T) {
			code, stdout, stderr := runCLI(t, "lint", "-o", format, "-f", lintFile("formats.yaml"))
			require.Equal(t, 1, code, stderr)
			if *updateLint {
				require.NoError(t, os.WriteFile(lintFile(golden), []byte(stdout), 0o644))
				return
			}
			want, err := os.ReadFile(lintFile(golden))
			require.NoError(t, err)
			assert.Equal(t, string(want), stdout)
		})
	}
}

// TestLintSARIFIsValid: the SARIF output validates against the SARIF 2.1.0
// JSON schema (OASIS's, as the go-sarif module ships it), and reads back
// through go-sarif's model of it. Each finding is a result located at its
// line.
func TestLintSARIFIsValid(t *testing.T) {
	_, stdout, _ := runCLI(t, "lint", "-o", "sarif", "-f", lintFile("formats.yaml"), "-f", lintFile("allowed.yaml"))
	dir, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/owenrumney/go-sarif/v3").Output()
	require.NoError(t, err)
	src, err := os.ReadFile(filepath.Join(strings.TrimSpace(string(dir)), "pkg", "report", "v210", "sarif", "schema.go"))
	require.NoError(t, err)
	schema := string(src[strings.Index(string(src), "`")+1 : strings.LastIndex(string(src), "`")])
	require.Contains(t, schema, `"title": "Static Analysis Results Format (SARIF) Version 2.1.0 JSON Schema"`)
	verdict, err := gojsonschema.Validate(gojsonschema.NewStringLoader(schema), gojsonschema.NewStringLoader(stdout))
	require.NoError(t, err)
	assert.True(t, verdict.Valid(), "%v", verdict.Errors())

	log, err := sarif.FromString(stdout)
	require.NoError(t, err)
	require.Len(t, log.Runs, 1)
	run := log.Runs[0]
	require.Len(t, run.Results, 3)
	ids := map[string]bool{}
	for _, r := range run.Tool.Driver.Rules {
		assert.False(t, ids[*r.ID], "rule %s twice", *r.ID)
		ids[*r.ID] = true
	}
	for _, r := range run.Results {
		assert.Equal(t, *r.RuleID, *run.Tool.Driver.Rules[r.RuleIndex].ID)
		assert.Equal(t, filepath.ToSlash(lintFile("formats.yaml")), *r.Locations[0].PhysicalLocation.ArtifactLocation.URI)
	}
	byRule := map[string]int{}
	for _, r := range run.Results {
		byRule[*r.RuleID] = *r.Locations[0].PhysicalLocation.Region.StartLine
	}
	assert.Equal(t, 31, byRule["metadata.annotations[nginx.ingress.kubernetes.io/ssl-redirect]"], "the annotation's line")
	assert.Equal(t, 30, byRule["metadata.annotations[nginx.ingress.kubernetes.io/secure-backends]"])
	assert.Equal(t, 24, byRule["spec.tls[].secretName"], "the object's line")
}

// TestLintJUnitShape: one test case per judged object, failed when denied.
func TestLintJUnitShape(t *testing.T) {
	_, stdout, _ := runCLI(t, "lint", "-o", "junit", "-f", lintFile("formats.yaml"))
	var out struct {
		Tests    int `xml:"tests,attr"`
		Failures int `xml:"failures,attr"`
		Suites   []struct {
			Cases []struct {
				Name    string `xml:"name,attr"`
				Failure *struct {
					Text string `xml:",chardata"`
				} `xml:"failure"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	require.NoError(t, xml.Unmarshal([]byte(stdout), &out))
	assert.Equal(t, 2, out.Tests)
	assert.Equal(t, 1, out.Failures)
	require.Len(t, out.Suites, 1)
	require.Len(t, out.Suites[0].Cases, 2)
	assert.Nil(t, out.Suites[0].Cases[0].Failure, "Ingress/shop/plain is allowed")
	require.NotNil(t, out.Suites[0].Cases[1].Failure)
	assert.True(t, strings.HasPrefix(out.Suites[0].Cases[1].Failure.Text, "metadata.annotations[nginx.ingress.kubernetes.io/ssl-redirect]: "))
}

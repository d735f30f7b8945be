package lint

import (
	"bytes"
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed-d040b84d/portcullis/lib/findings"
	"github.com/seed-d040b84d/portcullis/lib/manifest"
)

// judgeYAML decodes a YAML world and judges it at a fixed time.
func judgeYAML(t *testing.T, file, yaml string, opts Options) Report {
	t.Helper()
	objs, err := manifest.Decode(strings.NewReader(yaml))
	require.NoError(t, err)
	srcs := make([]Source, 0, len(objs))
	for _, o := range objs {
		srcs = append(srcs, Source{Object: o, File: file})
	}
	if opts.Now == nil {
		opts.Now = func() time.Time { return time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC) }
	}
	return Judge(srcs, opts)
}

const redirectTypo = `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: web
  annotations:
    nginx.ingress.kubernetes.io/ssl-redirect: "True"
spec:
  ingressClassName: portcullis
  tls:
  - hosts: [web.example.com]
    secretName: web-tls
  rules:
  - host: web.example.com
    http:
      paths:
      - path: /
        pathType: Prefix
        backend:
          service:
            name: web
            port:
              number: 80
`

// sampleReport is a report with an allowed object with no findings, a denied
// one with an error and a warning, and an allowed one with a warning only.
func sampleReport() Report {
	return Report{Results: []Result{
		{APIVersion: "v1", Kind: "Secret", Namespace: "default", Name: "web-tls", Allowed: true,
			Errors: []findings.Entry{}, Warnings: []findings.Entry{}, File: "web.yaml"},
		{APIVersion: "networking.k8s.io/v1", Kind: "Ingress", Namespace: "default", Name: "web", Allowed: false,
			Errors: []findings.Entry{{
				Field:   "metadata.annotations[nginx.ingress.kubernetes.io/ssl-redirect]",
				Message: `must be "true" or "false", got "True"; did you mean "true"?`,
			}},
			Warnings: []findings.Entry{{Field: "spec.tls[0].secretName", Message: "secret not found; the default certificate is served until it exists"}},
			File:     "web.yaml"},
		{APIVersion: "k8s.nginx.org/v1", Kind: "Policy", Namespace: "shop", Name: "egress", Allowed: true,
			Errors:   []findings.Entry{},
			Warnings: []findings.Entry{{Field: "spec.egressMTLS.tlsSecret", Message: "secret shop/client not found"}},
			File:     "dir/policy.yaml"},
	}}
}

func TestReportAllowed(t *testing.T) {
	t.Parallel()
	allowed := Result{Allowed: true}
	warned := Result{Allowed: true, Warnings: []findings.Entry{{Field: "f", Message: "m"}}}
	denied := Result{Allowed: false, Errors: []findings.Entry{{Field: "f", Message: "m"}}}
	cases := []struct {
		name    string
		results []Result
		want    bool // true: exit 0; false: exit 1
	}{
		{"nothing judged", nil, true},
		{"all allowed", []Result{allowed, allowed}, true},
		{"warnings do not deny", []Result{warned, allowed}, true},
		{"one denied", []Result{allowed, denied}, false},
		{"denied first", []Result{denied, warned}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			r := Report{Results: c.results}
			assert.Equal(t, c.want, r.Allowed())
		})
	}
}

func TestJudgeVerdictDecidesExitCode(t *testing.T) {
	t.Parallel()
	denied := judgeYAML(t, "web.yaml", redirectTypo, Options{})
	assert.False(t, denied.Allowed())

	fixed := strings.Replace(redirectTypo, `"True"`, `"true"`, 1)
	allowed := judgeYAML(t, "web.yaml", fixed, Options{})
	assert.True(t, allowed.Allowed(), "a missing secret only warns: %+v", allowed.Results)
	require.Len(t, allowed.Results, 1)
	assert.NotEmpty(t, allowed.Results[0].Warnings)

	other := judgeYAML(t, "web.yaml", strings.Replace(redirectTypo, "ingressClassName: portcullis", "ingressClassName: nginx", 1), Options{})
	assert.True(t, other.Allowed())
	assert.Empty(t, other.Results, "an Ingress of another class is not judged")

	ours := judgeYAML(t, "web.yaml", strings.Replace(redirectTypo, "ingressClassName: portcullis", "ingressClassName: nginx", 1), Options{IngressClass: "nginx"})
	assert.False(t, ours.Allowed(), "--ingress-class makes the class ours")
}

func TestWriteJSONShape(t *testing.T) {
	t.Parallel()
	r := sampleReport()
	var b bytes.Buffer
	require.NoError(t, r.WriteJSON(&b))
	assert.Equal(t, `{
  "results": [
    {
      "apiVersion": "v1",
      "kind": "Secret",
      "namespace": "default",
      "name": "web-tls",
      "allowed": true,
      "errors": [],
      "warnings": []
    },
    {
      "apiVersion": "networking.k8s.io/v1",
      "kind": "Ingress",
      "namespace": "default",
      "name": "web",
      "allowed": false,
      "errors": [
        {
          "field": "metadata.annotations[nginx.ingress.kubernetes.io/ssl-redirect]",
          "message": "must be \"true\" or \"false\", got \"True\"; did you mean \"true\"?"
        }
      ],
      "warnings": [
        {
          "field": "spec.tls[0].secretName",
          "message": "secret not found; the default certificate is served until it exists"
        }
      ]
    },
    {
      "apiVersion": "k8s.nginx.org/v1",
      "kind": "Policy",
      "namespace": "shop",
      "name": "egress",
      "allowed": true,
      "errors": [],
      "warnings": [
        {
          "field": "spec.egressMTLS.tlsSecret",
          "message": "secret shop/client not found"
        }
      ]
    }
  ]
}
`, b.String(), "the file is not part of the JSON")
}

// TestWriteJSONFromJudge checks the shape of what Judge produces: every key of
// docs/lint.md#output and no other, errors and warnings [] rather than null.
func TestWriteJSONFromJudge(t *testing.T) {
	t.Parallel()
	r := judgeYAML(t, "web.yaml", strings.Replace(redirectTypo, `"True"`, `"true"`, 1)+"---\n"+redirectTypo, Options{})
	var b bytes.Buffer
	require.NoError(t, r.WriteJSON(&b))

	var out map[string][]map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(b.Bytes(), &out))
	require.Len(t, out, 1, "one top-level key, results")
	results := out["results"]
	require.Len(t, results, 2)
	for _, res := range results {
		keys := make([]string, 0, len(res))
		for k := range res {
			keys = append(keys, k)
		}
		assert.ElementsMatch(t, []string{"apiVersion", "kind", "namespace", "name", "allowed", "errors", "warnings"}, keys)
		assert.JSONEq(t, `"networking.k8s.io/v1"`, string(res["apiVersion"]))
		assert.JSONEq(t, `"Ingress"`, string(res["kind"]))
		assert.JSONEq(t, `"default"`, string(res["namespace"]))
		assert.JSONEq(t, `"web"`, string(res["name"]))
		for _, k := range []string{"errors", "warnings"} {
			assert.True(t, bytes.HasPrefix(res[k], []byte("[")), "%s is a list, never null: %s", k, res[k])
			var entries []map[string]string
			require.NoError(t, json.Unmarshal(res[k], &entries))
			for _, e := range entries {
				assert.Len(t, e, 2, "an entry is exactly field and message: %v", e)
				assert.NotEmpty(t, e["field"])
				assert.NotEmpty(t, e["message"])
			}
		}
	}
	assert.JSONEq(t, `true`, string(results[0]["allowed"]))
	assert.JSONEq(t, `[]`, string(results[0]["errors"]))
	assert.JSONEq(t, `false`, string(results[1]["allowed"]))
	assert.Contains(t, string(results[1]["errors"]), `metadata.annotations[nginx.ingress.kubernetes.io/ssl-redirect]`)
}

func TestWriteJSONEmptyReport(t *testing.T) {
	t.Parallel()
	var r Report
	var b bytes.Buffer
	require.NoError(t, r.WriteJSON(&b))
	assert.JSONEq(t, `{"results": []}`, b.String(), "no results is [], not null")
}

var ansi = regexp.MustCompile("\x1b\\[[0-9;]*m")

func TestWriteTextPlain(t *testing.T) {
	t.Parallel()
	r := sampleReport()
	var b bytes.Buffer
	require.NoError(t, r.WriteText(&b, false))
	assert.Equal(t, `web.yaml:Ingress/default/web: metadata.annotations[nginx.ingress.kubernetes.io/ssl-redirect]: must be "true" or "false", got "True"; did you mean "true"?
web.yaml:Ingress/default/web: spec.tls[0].secretName: secret not found; the default certificate is served until it exists (warning)
dir/policy.yaml:Policy/shop/egress: spec.egressMTLS.tlsSecret: secret shop/client not found (warning)
3 objects checked: 1 denied, 2 warnings
`, b.String(), "one line per finding, errors before warnings, objects without findings silent")
	assert.False(t, ansi.MatchString(b.String()), "no ANSI codes without colour")
	assert.NotContains(t, b.String(), "\x1b")
}

func TestWriteTextEdgeCases(t *testing.T) {
	t.Parallel()
	r := Report{Results: []Result{
		{Kind: "IngressClass", Name: "cluster-scoped", Allowed: false, File: "c.yaml",
			Errors: []findings.Entry{{Field: "", Message: "a finding about the whole object"}}},
	}}
	var b bytes.Buffer
	require.NoError(t, r.WriteText(&b, false))
	assert.Equal(t, "c.yaml:IngressClass/cluster-scoped: a finding about the whole object\n1 objects checked: 1 denied, 0 warnings\n", b.String(),
		"no namespace: kind/name; no field: the message alone")

	var empty Report
	b.Reset()
	require.NoError(t, empty.WriteText(&b, false))
	assert.Equal(t, "0 objects checked: 0 denied, 0 warnings\n", b.String())
}

func TestWriteTextColour(t *testing.T) {
	t.Parallel()
	r := sampleReport()
	var plain, coloured bytes.Buffer
	require.NoError(t, r.WriteText(&plain, false))
	require.NoError(t, r.WriteText(&coloured, true))

	out := coloured.String()
	assert.True(t, ansi.MatchString(out), "ANSI codes with colour")
	assert.Equal(t, plain.String(), ansi.ReplaceAllString(out, ""), "colour changes nothing but the codes")

	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	require.Len(t, lines, 4)
	assert.Contains(t, lines[0], "\x1b[31m", "errors are red")
	assert.Contains(t, lines[1], "\x1b[33m", "warnings are yellow")
	assert.Contains(t, lines[0], "\x1b[1mweb.yaml:Ingress/default/web\x1b[0m", "the object is bold")
	assert.True(t, strings.HasSuffix(lines[1], "(warning)"), "the marker stays last: %q", lines[1])
}

func TestWriteJSONNeverWritesNullLists(t *testing.T) {
	rep := Report{Results: []Result{{APIVersion: "v1", Kind: "Secret", Namespace: "default", Name: "s", Allowed: true}}}
	var b bytes.Buffer
	require.NoError(t, rep.WriteJSON(&b))
	assert.Contains(t, b.String(), `"errors": []`)
	assert.Contains(t, b.String(), `"warnings": []`)
	assert.NotContains(t, b.String(), "null")
	assert.Nil(t, rep.Results[0].Errors, "the report itself is not modified")
}

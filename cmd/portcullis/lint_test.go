package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := dispatch(args, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

func lintFile(name string) string { return filepath.Join("testdata", "lint", name) }

func TestLintExitCodes(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		args []string
		code int
	}{
		{"allowed", []string{"lint", "-f", lintFile("allowed.yaml")}, 0},
		{"denied", []string{"lint", "-f", lintFile("denied.yaml")}, 1},
		{"denied among allowed", []string{"lint", "-f", lintFile("allowed.yaml"), "-f", lintFile("denied.yaml")}, 1},
		{"unreadable input", []string{"lint", "-f", lintFile("unreadable.yaml")}, 2},
		{"missing file", []string{"lint", "-f", lintFile("no-such-file.yaml")}, 2},
		{"no input", []string{"lint"}, 2},
		{"bad output format", []string{"lint", "-f", lintFile("allowed.yaml"), "-o", "xml"}, 2},
		{"bad configmap flag", []string{"lint", "-f", lintFile("allowed.yaml"), "--configmap", "nonamespace"}, 2},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			code, _, stderr := runCLI(t, c.args...)
			assert.Equal(t, c.code, code, "stderr: %s", stderr)
		})
	}
}

func TestLintJSONShape(t *testing.T) {
	t.Parallel()
	code, stdout, _ := runCLI(t, "lint", "-o", "json", "-f", lintFile("allowed.yaml"), "-f", lintFile("denied.yaml"))
	require.Equal(t, 1, code)

	var out struct {
		Results []struct {
			APIVersion string `json:"apiVersion"`
			Kind       string `json:"kind"`
			Namespace  string `json:"namespace"`
			Name       string `json:"name"`
			Allowed    bool   `json:"allowed"`
			Errors     []struct {
				Field   string `json:"field"`
				Message string `json:"message"`
			} `json:"errors"`
			Warnings []json.RawMessage `json:"warnings"`
		} `json:"results"`
	}
	require.NoError(t, json.Unmarshal([]byte(stdout), &out))
	require.Len(t, out.Results, 2, "the other-class Ingress is not judged")

	plain := out.Results[0]
	assert.Equal(t, "networking.k8s.io/v1", plain.APIVersion)
	assert.Equal(t, "Ingress", plain.Kind)
	assert.Equal(t, "shop", plain.Namespace)
	assert.Equal(t, "plain", plain.Name)
	assert.True(t, plain.Allowed)
	assert.NotNil(t, plain.Errors, "errors is [] rather than null")

	web := out.Results[1]
	assert.Equal(t, "default", web.Namespace, "objects without a namespace are in default")
	assert.False(t, web.Allowed)
	require.Len(t, web.Errors, 1)
	assert.Equal(t, "metadata.annotations[nginx.ingress.kubernetes.io/ssl-redirect]", web.Errors[0].Field)
	assert.Contains(t, web.Errors[0].Message, `must be "true" or "false", got "True"`)
}

func TestLintTextOutput(t *testing.T) {
	t.Parallel()
	code, stdout, _ := runCLI(t, "lint", "-f", lintFile("denied.yaml"))
	require.Equal(t, 1, code)
	assert.Contains(t, stdout, lintFile("denied.yaml")+":Ingress/default/web: metadata.annotations[nginx.ingress.kubernetes.io/ssl-redirect]: must be")
	assert.NotContains(t, stdout, "\x1b[", "no colour when stdout is not a terminal")
}

func TestLintIngressClassFlag(t *testing.T) {
	t.Parallel()
	// With --ingress-class nginx, the "elsewhere" Ingress is ours and "plain" is not.
	code, stdout, _ := runCLI(t, "lint", "-o", "json", "--ingress-class", "nginx", "-f", lintFile("allowed.yaml"))
	require.Equal(t, 0, code)
	assert.Contains(t, stdout, `"name": "elsewhere"`)
	assert.NotContains(t, stdout, `"name": "plain"`)
}

// TestLintWatchFlags: --watch-ingress-without-class and --watch-namespace
// judge what a controller started with them would judge.
func TestLintWatchFlags(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "ingresses.yaml")
	require.NoError(t, os.WriteFile(file, []byte(`apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: classless, namespace: apps}
spec:
  rules:
  - host: classless.example.com
    http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}]}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: in-apps, namespace: apps}
spec:
  ingressClassName: portcullis
  rules:
  - host: apps.example.com
    http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}]}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: in-other, namespace: other}
spec:
  ingressClassName: portcullis
  rules:
  - host: other.example.com
    http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}]}
`), 0o600))
	judged := func(args ...string) []string {
		code, stdout, stderr := runCLI(t, append([]string{"lint", "-o", "json", "-f", file}, args...)...)
		require.Equal(t, 0, code, stderr)
		var out struct {
			Results []struct{ Name string } `json:"results"`
		}
		require.NoError(t, json.Unmarshal([]byte(stdout), &out))
		var names []string
		for _, r := range out.Results {
			names = append(names, r.Name)
		}
		return names
	}
	assert.ElementsMatch(t, []string{"in-apps", "in-other"}, judged())
	assert.ElementsMatch(t, []string{"classless", "in-apps", "in-other"}, judged("--watch-ingress-without-class"))
	assert.ElementsMatch(t, []string{"in-apps"}, judged("--watch-namespace", "apps"))
	code, _, _ := runCLI(t, "lint", "-f", file, "--watch-namespace", "Not_A_Namespace")
	assert.Equal(t, lintBadCommand, code, "a watch namespace that is not a namespace name is a bad command")
}

// TestLintTakesTheManagersVerdictFlags: every flag that changes a verdict is
// one flag, under one name and with one default, in manager and lint (only
// --configmap's default names a different namespace), so a CI lint run
// given the manager's flags judges as the cluster does.
func TestLintTakesTheManagersVerdictFlags(t *testing.T) {
	judge := flag.NewFlagSet("judge", flag.ContinueOnError)
	(&judgeFlags{}).register(judge, "")
	var mf managerFlags
	manager := flag.NewFlagSet("manager", flag.ContinueOnError)
	mf.register(manager)
	var lf lintFlags
	lintFS := flag.NewFlagSet("lint", flag.ContinueOnError)
	lf.register(lintFS)
	n := 0
	judge.VisitAll(func(j *flag.Flag) {
		n++
		for _, fs := range []*flag.FlagSet{manager, lintFS} {
			got := fs.Lookup(j.Name)
			if assert.NotNil(t, got, "%s has no --%s", fs.Name(), j.Name) {
				assert.Equal(t, j.DefValue, got.DefValue, "%s --%s", fs.Name(), j.Name)
			}
		}
	})
	assert.GreaterOrEqual(t, n, 10)
	for _, name := range []string{"policy-dir", "ingress-class", "watch-namespace", "configmap"} {
		assert.NotNil(t, judge.Lookup(name), name)
	}
}

// TestVerdictFlagsRefuseBadNames: an --ingress-class or --watch-namespace no
// cluster could hold is refused, naming the flag, by lint (exit 2) and by
// the manager before it starts.
func TestVerdictFlagsRefuseBadNames(t *testing.T) {
	for flagName, value := range map[string]string{"--ingress-class": "Team_B", "--watch-namespace": "Not_A_Namespace"} {
		code, _, stderr := runCLI(t, "lint", "-f", lintFile("allowed.yaml"), flagName, value)
		assert.Equal(t, 2, code, flagName)
		assert.Contains(t, stderr, flagName+` "`+value+`"`)

		var mf managerFlags
		fs := flag.NewFlagSet("manager", flag.ContinueOnError)
		mf.register(fs)
		require.NoError(t, fs.Parse([]string{flagName, value}))
		_, err := mf.check()
		require.Error(t, err, flagName)
		assert.Contains(t, err.Error(), flagName+` "`+value+`"`)
	}
}

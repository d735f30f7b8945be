package validate_test

// Golden tests: objects in → verdicts and intent out.
//
// Each testdata/<case>.in.yaml is a multi-document YAML world (Ingresses,
// Secrets, Policies, Namespaces, Services, the ConfigMap
// portcullis-system/portcullis) that is judged by lint.Judge, the path
// `portcullis lint` takes, with the clock fixed at goldenNow. The result is
// compared with testdata/<case>.out.json:
//
//	{"results": <lint's JSON results>, "intents": [<intent of every Ingress of ours, in input order>]}
//
// Rewrite the goldens after a deliberate change, then read the diff:
//
//	go test ./lib/validate -run TestGolden -update
//
// An in.yaml is a text/template, expanded before decoding, with one function
// (test/goldencases reads the cases, for this test and the webhook's):
//
//	tls.crt: {{ b64 "web-chain.pem" }}            base64 of testdata/certs/web-chain.pem
//	ca.crt:  {{ b64 "client-ca.pem" "root.pem" }}  base64 of the files concatenated
//
// (the certificates are made by TestCertFixtures, see certs_test.go).
//
// Leading comment lines of the form `# lint: FLAGS` give lint's flags for the
// case: --enable-ssl-passthrough, --ingress-class NAME, --annotations-prefix P,
// --default-ssl-certificate NS/NAME, --configmap NS/NAME. Other leading
// comments describe the case.

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	networkingv1 "k8s.io/api/networking/v1"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed-d040b84d/portcullis/lib/config"
	"github.com/seed-d040b84d/portcullis/lib/intent"
	"github.com/seed-d040b84d/portcullis/lib/lint"
	"github.com/seed-d040b84d/portcullis/lib/validate"
	"github.com/seed-d040b84d/portcullis/lib/world"
	"github.com/seed-d040b84d/portcullis/test/goldencases"
)

var update = flag.Bool("update", false, "rewrite testdata/*.out.json from the current behaviour")

// golden is what a case's out.json holds.
type golden struct {
	Results []lint.Result     `json:"results"`
	Intents []*intent.Ingress `json:"intents"`
}

func TestGolden(t *testing.T) {
	t.Parallel()
	ins, err := filepath.Glob(filepath.Join("testdata", "*.in.yaml"))
	require.NoError(t, err)
	require.NotEmpty(t, ins)
	for _, in := range ins {
		name := strings.TrimSuffix(filepath.Base(in), ".in.yaml")
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			got := runGolden(t, in)
			out := strings.TrimSuffix(in, ".in.yaml") + ".out.json"
			if *update {
				require.NoError(t, os.WriteFile(out, got, 0o644))
				return
			}
			want, err := os.ReadFile(out)
			require.NoError(t, err, "no golden yet: run with -update and review it")
			assert.Equal(t, string(want), string(got), "golden differs: run with -update and review the diff")
		})
	}
}

// runGolden judges one case and renders its out.json.
func runGolden(t *testing.T, in string) []byte {
	t.Helper()
	src, opts := loadCase(t, in)
	rep := lint.Judge(src, opts)
	g := golden{Results: rep.Results, Intents: intents(src, opts)}
	if g.Results == nil {
		g.Results = []lint.Result{}
	}
	if g.Intents == nil {
		g.Intents = []*intent.Ingress{}
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	require.NoError(t, enc.Encode(g))
	return b.Bytes()
}

// loadCase expands and decodes a case, and reads its `# lint:` options.
func loadCase(t *testing.T, in string) ([]lint.Source, lint.Options) {
	t.Helper()
	c, err := goldencases.Load(in)
	require.NoError(t, err)
	return c.Sources(), c.Options
}

// intents builds the intent of every Ingress of ours with the Validator lint
// builds (the same ConfigMap rule: an invalid ConfigMap leaves the defaults).
func intents(src []lint.Source, opts lint.Options) []*intent.Ingress {
	w := world.NewStatic()
	for _, s := range src {
		w.Add(s.Typed)
	}
	v := validate.New(validatorOptions(w, opts), nil)
	var out []*intent.Ingress
	for _, s := range src {
		if ing, ok := s.Typed.(*networkingv1.Ingress); ok {
			if verdict := v.Ingress(ing, w); verdict.Ours {
				out = append(out, verdict.Intent)
			}
		}
	}
	return out
}

func validatorOptions(w *world.Static, opts lint.Options) validate.Options {
	cm := opts.ConfigMap
	if cm == (intent.ObjectRef{}) {
		cm = lint.DefaultConfigMap()
	}
	cfg := config.Default()
	if obj, ok := w.ConfigMap(cm.Namespace, cm.Name); ok {
		if parsed, verdict := validate.ConfigMap(obj); verdict.Findings.Allowed() {
			cfg = parsed
		}
	}
	return validate.Options{
		Config:                cfg,
		Class:                 validate.ClassOptions{Name: opts.IngressClass},
		AnnotationsPrefix:     opts.AnnotationsPrefix,
		EnableSSLPassthrough:  opts.EnableSSLPassthrough,
		DefaultSSLCertificate: opts.DefaultSSLCertificate,
		Now:                   opts.Now,
	}
}

package policies

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/seed-d040b84d/portcullis/lib/findings"
	"github.com/seed-d040b84d/portcullis/lib/intent"
)

func newEngine(t testing.TB, o Options) *Engine {
	t.Helper()
	e, err := New(o)
	require.NoError(t, err)
	return e
}

// ingressInput is an Ingress of one TLS host without client authentication
// in a namespace that requires it.
func ingressInput(policies ...string) Input {
	if policies == nil {
		policies = []string{}
	}
	return Input{
		Operation: OperationCreate,
		Kind:      "Ingress",
		Object:    json.RawMessage(`{"apiVersion":"networking.k8s.io/v1","kind":"Ingress","metadata":{"name":"web","namespace":"pay","annotations":{}},"spec":{"rules":[{"host":"pay.example.com"}],"tls":[{"hosts":["pay.example.com"],"secretName":"pay-tls"}]}}`),
		Intent: &intent.Ingress{ObjectRef: intent.ObjectRef{Namespace: "pay", Name: "web"}, Class: "portcullis", Hosts: []intent.Host{{
			Name: "pay.example.com", Termination: intent.TerminateTLS,
			TLS: &intent.HostTLS{Certificate: intent.CertSecret, Secret: &intent.ObjectRef{Namespace: "pay", Name: "pay-tls"}, Protocols: []string{"TLSv1.2", "TLSv1.3"}},
		}}},
		Namespace:  &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "pay", Labels: map[string]string{"portcullis.dev/require-mtls": "true"}}},
		Parameters: Parameters{Policies: policies, MinTLSVersion: "TLSv1.2", MaxCertificateLifetimeSeconds: 398 * 86400},
	}
}

func TestBuiltinsAreOffByDefault(t *testing.T) {
	e := newEngine(t, Options{})
	fs := e.Review(context.Background(), ingressInput())
	assert.Empty(t, fs.Errors)
	assert.Empty(t, fs.Warnings)
}

func TestBuiltinTurnedOnDenies(t *testing.T) {
	e := newEngine(t, Options{})
	fs := e.Review(context.Background(), ingressInput("require-mtls"))
	require.Len(t, fs.Errors, 1)
	assert.Equal(t, "spec.rules[0].host", fs.Errors[0].Field)
	assert.Contains(t, findings.ErrorMessage(fs.Errors[0]), `host "pay.example.com" does not require them`)
}

const userPolicy = `package portcullis.team

deny contains "no Ingress may be called web" if input.object.metadata.name == "web"

deny contains {"msg": "pay needs an owner label", "field": "metadata.labels[owner]"} if {
	input.namespace.name == "pay"
	not input.object.metadata.labels.owner
}

warn contains {"msg": "consider TLSv1.3 only", "field": "spec.tls"} if "TLSv1.2" in input.intent.hosts[_].tls.protocols
`

func TestMessagesAsStringsAndObjects(t *testing.T) {
	e := newEngine(t, Options{})
	require.NoError(t, e.Load(context.Background(), []Module{{Name: "team.rego", Text: userPolicy}}))
	fs := e.Review(context.Background(), ingressInput())
	require.Len(t, fs.Errors, 2)
	assert.Equal(t, "", fs.Errors[0].Field)
	assert.Equal(t, "no Ingress may be called web", findings.ErrorMessage(fs.Errors[0]))
	assert.Equal(t, "metadata.labels[owner]", fs.Errors[1].Field)
	assert.Equal(t, "pay needs an owner label", findings.ErrorMessage(fs.Errors[1]))
	assert.Equal(t, []findings.Warning{{Field: "spec.tls", Message: "consider TLSv1.3 only"}}, fs.Warnings)
}

func TestBrokenPolicyKeepsThePreviousSet(t *testing.T) {
	e := newEngine(t, Options{})
	require.NoError(t, e.Load(context.Background(), []Module{{Name: "team.rego", Text: userPolicy}}))
	before := e.Current()
	err := e.Load(context.Background(), []Module{{Name: "broken.rego", Text: "package portcullis.broken\n\ndeny contains msg if {\n\tmsg := input.x +\n}\n"}})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "broken.rego:")
	assert.Same(t, before, e.Current())
	assert.Len(t, e.Review(context.Background(), ingressInput()).Errors, 2, "the previous set still judges")
}

func TestSingleValueDenyIsRefused(t *testing.T) {
	e := newEngine(t, Options{})
	err := e.Load(context.Background(), []Module{{Name: "one.rego", Text: "package portcullis.one\n\ndeny := \"no\" if input.kind == \"Ingress\"\n"}})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "one.rego:3: deny must be a set rule")
}

func TestNetworkBuiltinsAreRefused(t *testing.T) {
	e := newEngine(t, Options{})
	for _, call := range []string{`http.send({"method": "get", "url": "http://127.0.0.1:1"})`, `net.lookup_ip_addr("example.com")`, `opa.runtime()`} {
		err := e.Load(context.Background(), []Module{{Name: "net.rego", Text: "package portcullis.net\n\ndeny contains \"x\" if {\n\tr := " + call + "\n\tr != null\n}\n"}})
		require.Error(t, err, call)
		assert.Contains(t, err.Error(), "unsafe built-in function", call)
	}
}

// slowPolicy iterates 10^8 times, far beyond any deadline here.
const slowPolicy = `package portcullis.slow

deny contains "never" if {
	some a in numbers.range(1, 10000)
	some b in numbers.range(1, 10000)
	a == b + 1000000
}
`

func TestSlowPolicyIsCutOffByTheDeadline(t *testing.T) {
	e := newEngine(t, Options{Timeout: 50 * time.Millisecond})
	require.NoError(t, e.Load(context.Background(), []Module{{Name: "slow.rego", Text: slowPolicy}}))
	start := time.Now()
	fs := e.Review(context.Background(), ingressInput())
	require.Len(t, fs.Errors, 1)
	assert.Equal(t, TimeoutMessage, findings.ErrorMessage(fs.Errors[0]))
	assert.Less(t, time.Since(start), 5*time.Second, "the deadline stops the evaluation")

	e = newEngine(t, Options{Timeout: 50 * time.Millisecond, AllowOnTimeout: true})
	require.NoError(t, e.Load(context.Background(), []Module{{Name: "slow.rego", Text: slowPolicy}}))
	fs = e.Review(context.Background(), ingressInput())
	assert.Empty(t, fs.Errors)
	require.Len(t, fs.Warnings, 1)
	assert.Contains(t, fs.Warnings[0].Message, TimeoutMessage)
}

func TestBuiltinErrorsAreStrict(t *testing.T) {
	e := newEngine(t, Options{})
	require.NoError(t, e.Load(context.Background(), []Module{{Name: "strict.rego", Text: "package portcullis.strict\n\ndeny contains \"bad\" if {\n\tto_number(input.object.metadata.name) > 1\n}\n"}}))
	fs := e.Review(context.Background(), ingressInput())
	require.Len(t, fs.Errors, 1, "a built-in error fails the evaluation (closed), it does not make the rule silently undefined")
	assert.Contains(t, findings.ErrorMessage(fs.Errors[0]), "policy evaluation failed")
}

// TestSwapUnderConcurrentEvaluation: reviews running while sets are swapped
// always see one whole set, never a mix or a torn one (run with -race).
func TestSwapUnderConcurrentEvaluation(t *testing.T) {
	e := newEngine(t, Options{Timeout: 5 * time.Second})
	setA := []Module{{Name: "a.rego", Text: "package portcullis.a\n\ndeny contains \"A\" if true\n"}}
	setB := []Module{{Name: "b.rego", Text: "package portcullis.b\n\ndeny contains \"B1\" if true\n\ndeny contains \"B2\" if true\n"}}
	require.NoError(t, e.Load(context.Background(), setA))
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	var mu sync.Mutex
	seen := map[string]int{}
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				fs := e.Review(context.Background(), ingressInput())
				var got string
				for _, err := range fs.Errors {
					got += findings.ErrorMessage(err) + ";"
				}
				mu.Lock()
				seen[got]++
				mu.Unlock()
			}
		}()
	}
	for i := 0; i < 40; i++ {
		set := setA
		if i%2 == 1 {
			set = setB
		}
		require.NoError(t, e.Load(context.Background(), set))
	}
	cancel()
	wg.Wait()
	for got := range seen {
		assert.Contains(t, []string{"A;", "B1;B2;"}, got, "a review saw a mixed set")
	}
	assert.NotEmpty(t, seen)
}

func TestInputDocument(t *testing.T) {
	in := ingressInput("require-mtls")
	in.Findings.Warnings = []findings.Warning{{Field: "spec.tls[0].secretName", Message: "secret not found"}}
	b, err := in.JSON()
	require.NoError(t, err)
	var doc map[string]any
	require.NoError(t, json.Unmarshal(b, &doc))
	for _, k := range []string{"operation", "object", "kind", "intent", "findings", "namespace", "parameters", "certificates"} {
		assert.Contains(t, doc, k)
	}
	assert.NotContains(t, doc, "userInfo", "absent in lint")
	assert.Equal(t, "CREATE", doc["operation"])
	assert.Equal(t, map[string]any{"errors": []any{}, "warnings": []any{map[string]any{"field": "spec.tls[0].secretName", "message": "secret not found"}}}, doc["findings"])
	v, err := in.Value()
	require.NoError(t, err)
	assert.Contains(t, v.String(), `"pay.example.com"`)
}

func ExampleEngine_Review() {
	e, _ := New(Options{})
	_ = e.Load(context.Background(), []Module{{Name: "team.rego", Text: `package portcullis.team

deny contains {"msg": "TLS hosts need an owner label", "field": "metadata.labels[owner]"} if {
	some host in input.intent.hosts
	host.termination == "tls"
	not input.object.metadata.labels.owner
}
`}})
	fs := e.Review(context.Background(), ingressInput())
	for _, err := range fs.Errors {
		fmt.Printf("%s: %s\n", err.Field, findings.ErrorMessage(err))
	}
	// Output: metadata.labels[owner]: TLS hosts need an owner label
}

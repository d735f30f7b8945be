//go:build e2e

package webhook_test

import (
	"context"
	"errors"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/apiutil"

	"github.com/seed-d040b84d/portcullis/lib/annotations"
	"github.com/seed-d040b84d/portcullis/lib/apis"
	"github.com/seed-d040b84d/portcullis/lib/findings"
	"github.com/seed-d040b84d/portcullis/lib/validate"
	"github.com/seed-d040b84d/portcullis/lint"
	"github.com/seed-d040b84d/portcullis/test/goldencases"
	"github.com/seed-d040b84d/portcullis/webhook"
)

// notThroughShippedManifests are golden cases whose lint flags the shipped
// webhook configuration cannot express: its matchConditions select the class
// "portcullis", so a controller run with another --ingress-class needs its
// own edited configuration (docs/webhook.md says so).
var notThroughShippedManifests = map[string]string{
	"flags-class-and-prefix": "--ingress-class internal",
}

// unseen are objects lint judges that the shipped Secret webhook never
// receives: its matchConditions pass only Secrets that look like TLS or CA
// secrets (type kubernetes.io/tls or nginx.org/ca, a ca.crt key, or the
// portcullis.dev/validate label), so that every other Secret in the cluster is
// never sent to a webhook that fails closed. The Ingress that refers to such a
// Secret is refused on its reference instead; the test asserts that too.
var unseen = map[string]map[string]string{
	"mtls-ca-without-ca-crt": {"Secret/default/ca-secret": "Ingress/default/mtls"},
}

// TestLintParityThroughAPIServer applies every lib golden case to the real API
// server, through the real webhook, and asserts the verdicts, fields and
// warnings equal lint's (the case's out.json, which TestGolden in lib/validate
// holds lint to). One table drives both.
//
// Each case's world is built as `kubectl apply` would build it, in dependency
// order: the objects an Ingress refers to first (placed without a verdict),
// then the Ingresses oldest first, each judged as it is created. An Ingress
// the webhook refuses is then placed without a verdict, since lint's world
// holds it too. Secrets, Policies and the ConfigMap are judged last, by a
// dry-run update, once the Ingresses that make them matter exist.
func TestLintParityThroughAPIServer(t *testing.T) {
	cases, err := goldencases.All()
	require.NoError(t, err)
	require.NotEmpty(t, cases)
	for _, c := range cases {
		if why, skip := notThroughShippedManifests[c.Name]; skip {
			assert.NotEmpty(t, c.Options.IngressClass, "%s is listed as needing %s but has no such flag", c.Name, why)
			continue
		}
		assert.Empty(t, c.Options.IngressClass, "%s: a non-default --ingress-class cannot reach the shipped webhook configuration; list it in notThroughShippedManifests", c.Name)
		t.Run(c.Name, func(t *testing.T) { parityCase(t, c) })
	}
	// The table must exercise both outcomes through the API server.
	assert.GreaterOrEqual(t, tally.denied, 30, "denials compared")
	assert.GreaterOrEqual(t, tally.allowed, 60, "admissions compared")
	assert.GreaterOrEqual(t, tally.warned, 20, "verdicts with warnings compared")
}

// tally counts the verdicts compared.
var tally struct{ allowed, denied, warned int }

// kindOrder is the order objects are placed in: what others refer to first.
var kindOrder = map[string]int{"Namespace": 0, "IngressClass": 1, "ConfigMap": 2, "Service": 3, "Secret": 4, "Policy": 5, "Ingress": 9}

func parityCase(t *testing.T, c goldencases.Case) {
	require.Equal(t, "", c.Options.ConfigMap.Name, "the suite serves the default --configmap only")
	handlers.Settings.SetBase(validate.Options{
		Class:                 validate.ClassOptions{Name: "portcullis"},
		AnnotationsPrefix:     c.Options.AnnotationsPrefix,
		EnableSSLPassthrough:  c.Options.EnableSSLPassthrough,
		DefaultSSLCertificate: c.Options.DefaultSSLCertificate,
		Now:                   c.Options.Now,
	})
	want := map[string]lint.Result{}
	for _, r := range c.Results {
		want[r.Kind+"/"+r.Namespace+"/"+r.Name] = r
	}
	objs := placeable(t, c)
	ctx := context.Background()
	ensureNamespaces(t, objs)
	var placed []client.Object
	t.Cleanup(func() { clear(t, placed) })

	ingresses := 0
	for _, o := range objs {
		if _, ok := o.(*networkingv1.Ingress); ok && mergeable(o) == "" {
			ingresses++
		}
	}
	for _, o := range objs {
		ing, isIngress := o.(*networkingv1.Ingress)
		if !isIngress {
			placed = append(placed, seed(t, o))
			continue
		}
		key := "Ingress/" + ing.Namespace + "/" + ing.Name
		obj := ing.DeepCopy()
		obj.CreationTimestamp.Reset()
		warned.take()
		err := judged.Create(ctx, obj)
		got := verdictOf(t, err, warned.take())
		expect, ours := want[key]
		if !ours {
			expect = lint.Result{Allowed: true}
		}
		compare(t, key, expect, got)
		switch {
		case err == nil:
			inCache(t, obj, false)
			placed = append(placed, obj)
		case got.byServer:
			// The API server refused it: it cannot be in the world.
		default:
			placed = append(placed, seed(t, ing))
		}
		if ingresses > 1 {
			// Host ownership goes by creationTimestamp, which has one-second
			// resolution: the next Ingress must be strictly younger.
			time.Sleep(time.Until(placed[len(placed)-1].GetCreationTimestamp().Add(time.Second + 10*time.Millisecond)))
		}
	}
	// Secrets, Policies and the ConfigMap, judged now that the world is whole.
	for _, o := range objs {
		if _, ok := o.(*networkingv1.Ingress); ok {
			continue
		}
		key := kindOf(o) + "/" + o.GetNamespace() + "/" + o.GetName()
		expect, judgedByLint := want[key]
		if !judgedByLint {
			continue
		}
		if refusedOn, ok := unseen[c.Name][key]; ok {
			assert.False(t, want[refusedOn].Allowed, "%s: lint must refuse %s, which refers to %s", c.Name, refusedOn, key)
			expect = lint.Result{Allowed: true}
		}
		stored := o.DeepCopyObject().(client.Object)
		require.NoError(t, api.Client.Get(ctx, client.ObjectKeyFromObject(o), stored))
		update := o.DeepCopyObject().(client.Object)
		update.SetResourceVersion(stored.GetResourceVersion())
		update.SetCreationTimestamp(stored.GetCreationTimestamp())
		warned.take()
		err := judged.Update(ctx, update, client.DryRunAll)
		compare(t, key, expect, verdictOf(t, err, warned.take()))
	}
}

// placeable returns the case's objects in placement order, defaulted to the
// namespace lint assumes.
func placeable(t *testing.T, c goldencases.Case) []client.Object {
	var out []client.Object
	for _, o := range c.Objects {
		obj, ok := o.Typed.(client.Object)
		require.True(t, ok, "%s: document %d (%s) has no typed form", c.Name, o.Doc, o.GVK)
		obj = obj.DeepCopyObject().(client.Object)
		if obj.GetNamespace() == "" && namespaced(obj) {
			obj.SetNamespace("default")
		}
		out = append(out, obj)
	}
	sort.SliceStable(out, func(i, j int) bool {
		ki, kj := kindOrder[kindOf(out[i])], kindOrder[kindOf(out[j])]
		if ki != kj {
			return ki < kj
		}
		a, aok := out[i].(*networkingv1.Ingress)
		b, bok := out[j].(*networkingv1.Ingress)
		if !aok || !bok {
			return false
		}
		// Masters first (minions look for theirs); then as lib orders
		// age: set timestamps oldest first, unset ones after, by name.
		if (mergeable(a) == "master") != (mergeable(b) == "master") {
			return mergeable(a) == "master"
		}
		at, bt := a.CreationTimestamp, b.CreationTimestamp
		if at.IsZero() != bt.IsZero() {
			return bt.IsZero()
		}
		if !at.Equal(&bt) {
			return at.Before(&bt)
		}
		return a.Namespace+"/"+a.Name < b.Namespace+"/"+b.Name
	})
	return out
}

func mergeable(o client.Object) string {
	return o.GetAnnotations()[annotations.KeyOrgMergeableIngressType]
}

// ensureNamespaces creates the namespaces the objects live in, as a user
// would before applying them.
func ensureNamespaces(t *testing.T, objs []client.Object) {
	t.Helper()
	for _, o := range objs {
		if o.GetNamespace() == "" {
			continue
		}
		err := api.Client.Create(context.Background(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: o.GetNamespace()}})
		if !apierrors.IsAlreadyExists(err) {
			require.NoError(t, err)
		}
	}
}

// seed places an object without a verdict and waits for the cache to see it.
// Namespaces that exist already get the case's labels and annotations.
func seed(t testing.TB, o client.Object) client.Object {
	t.Helper()
	ctx := context.Background()
	obj := o.DeepCopyObject().(client.Object)
	obj.SetResourceVersion("")
	obj.SetCreationTimestamp(obj.GetCreationTimestamp())
	labels := map[string]string{seedLabel: "true"}
	for k, v := range obj.GetLabels() {
		labels[k] = v
	}
	obj.SetLabels(labels)
	if ns, ok := obj.(*corev1.Namespace); ok {
		var existing corev1.Namespace
		if err := api.Client.Get(ctx, client.ObjectKey{Name: ns.Name}, &existing); err == nil {
			existing.Labels = labels
			existing.Labels[corev1.LabelMetadataName] = ns.Name
			existing.Annotations = ns.Annotations
			require.NoError(t, api.Client.Update(ctx, &existing))
			inCache(t, &existing, false)
			return &existing
		}
	}
	require.NoError(t, api.Client.Create(ctx, obj), "place %s %s/%s", kindOf(obj), obj.GetNamespace(), obj.GetName())
	inCache(t, obj, false)
	return obj
}

// clear removes what a case placed; namespaces stay, stripped of the case's
// labels and annotations (envtest runs no namespace controller to finish
// deleting one).
func clear(t *testing.T, placed []client.Object) {
	ctx := context.Background()
	for i := len(placed) - 1; i >= 0; i-- {
		o := placed[i]
		if ns, ok := o.(*corev1.Namespace); ok {
			var existing corev1.Namespace
			require.NoError(t, api.Client.Get(ctx, client.ObjectKey{Name: ns.Name}, &existing))
			existing.Labels = map[string]string{corev1.LabelMetadataName: ns.Name}
			existing.Annotations = nil
			require.NoError(t, api.Client.Update(ctx, &existing))
			inCache(t, &existing, false)
			continue
		}
		err := api.Client.Delete(ctx, o)
		if !apierrors.IsNotFound(err) {
			require.NoError(t, err)
		}
		inCache(t, o, true)
	}
}

// verdict is what the API server said about one write.
type verdict struct {
	allowed bool
	// byServer is a refusal by the API server's own validation, which runs
	// before admission webhooks; only "refused" can be compared then.
	byServer bool
	errors   []findings.Entry
	warnings []string
}

func verdictOf(t *testing.T, err error, warnings []string) verdict {
	t.Helper()
	v := verdict{allowed: err == nil, warnings: ours(warnings)}
	if err == nil {
		return v
	}
	var status apierrors.APIStatus
	require.True(t, errors.As(err, &status), "not an API status: %v", err)
	s := status.Status()
	if !strings.Contains(s.Message, "denied the request") {
		require.Equal(t, metav1.StatusReasonInvalid, s.Reason, "neither an admission denial nor a validation error: %s", s.Message)
		v.byServer = true
		return v
	}
	require.NotNil(t, s.Details, "a denial without details: %s", s.Message)
	for _, cause := range s.Details.Causes {
		v.errors = append(v.errors, findings.Entry{Field: cause.Field, Message: cause.Message})
	}
	return v
}

// ours drops the API server's own warnings (deprecations), keeping the
// webhook's.
func ours(ws []string) []string {
	var out []string
	for _, w := range ws {
		if strings.Contains(w, "is deprecated") && strings.Contains(w, "kubernetes.io/ingress.class") {
			continue
		}
		if strings.HasPrefix(w, "tls: ") {
			continue // the API server's own check of kubernetes.io/tls data
		}
		out = append(out, w)
	}
	return out
}

func compare(t *testing.T, key string, want lint.Result, got verdict) {
	t.Helper()
	if got.allowed {
		tally.allowed++
	} else {
		tally.denied++
	}
	if len(got.warnings) > 0 {
		tally.warned++
	}
	assert.Equal(t, want.Allowed, got.allowed, "%s: allowed", key)
	if got.byServer {
		return // the API server refused it before the webhook was asked
	}
	wantErrs := want.Errors
	if len(wantErrs) == 0 {
		wantErrs = nil
	}
	assert.Equal(t, wantErrs, got.errors, "%s: errors", key)
	var ws []findings.Warning
	for _, w := range want.Warnings {
		ws = append(ws, findings.Warning(w))
	}
	assert.Equal(t, webhook.Warnings(ws), got.warnings, "%s: warnings", key)
}

func kindOf(o client.Object) string {
	gvk, err := apiutil.GVKForObject(o, apis.Scheme)
	if err != nil {
		return ""
	}
	return gvk.Kind
}

func namespaced(o client.Object) bool {
	k := kindOf(o)
	return k != "Namespace" && k != "IngressClass"
}

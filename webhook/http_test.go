package webhook

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	admissionv1 "k8s.io/api/admission/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"

	"github.com/seed-d040b84d/portcullis/cluster"
	"github.com/seed-d040b84d/portcullis/lib/findings"
	"github.com/seed-d040b84d/portcullis/lib/intent"
	"github.com/seed-d040b84d/portcullis/lib/validate"
	"github.com/seed-d040b84d/portcullis/lib/world"
)

// staticHandlers are Handlers over a fixed world, without an API server.
func staticHandlers(objs ...any) *Handlers {
	w := world.NewStatic()
	w.Add(objs...)
	s := &cluster.Settings{
		Base:      validate.Options{Class: validate.ClassOptions{Name: "portcullis"}},
		ConfigMap: intent.ObjectRef{Namespace: "portcullis-system", Name: "portcullis"},
		Getter:    w,
	}
	return NewHandlers(s, w, nil)
}

// post sends body to the handler at path the way the API server does, with
// panics surfacing (not recovered) so tests and fuzzing see them.
func post(t testing.TB, h *Handlers, path string, body []byte) (*httptest.ResponseRecorder, *admissionv1.AdmissionReview) {
	t.Helper()
	wh := h.Webhooks()[path].WithRecoverPanic(false)
	req := httptest.NewRequest(http.MethodPost, path, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	wh.ServeHTTP(rec, req)
	var review admissionv1.AdmissionReview
	if json.Unmarshal(rec.Body.Bytes(), &review) != nil {
		return rec, nil
	}
	return rec, &review
}

func review(t testing.TB, op admissionv1.Operation, kind metav1.GroupVersionKind, obj runtime.Object) []byte {
	t.Helper()
	raw, err := json.Marshal(obj)
	require.NoError(t, err)
	b, err := json.Marshal(admissionv1.AdmissionReview{
		TypeMeta: metav1.TypeMeta{APIVersion: "admission.k8s.io/v1", Kind: "AdmissionReview"},
		Request: &admissionv1.AdmissionRequest{
			UID: types.UID("uid-1"), Kind: kind, Operation: op, Namespace: "default",
			Object: runtime.RawExtension{Raw: raw},
		},
	})
	require.NoError(t, err)
	return b
}

var ingressKind = metav1.GroupVersionKind{Group: "networking.k8s.io", Version: "v1", Kind: "Ingress"}

func ingress(ann map[string]string) *networkingv1.Ingress {
	class := "portcullis"
	return &networkingv1.Ingress{
		TypeMeta:   metav1.TypeMeta{APIVersion: "networking.k8s.io/v1", Kind: "Ingress"},
		ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "web", Annotations: ann},
		Spec: networkingv1.IngressSpec{IngressClassName: &class, DefaultBackend: &networkingv1.IngressBackend{
			Service: &networkingv1.IngressServiceBackend{Name: "web", Port: networkingv1.ServiceBackendPort{Number: 80}}}},
	}
}

func TestDenialListsEveryErrorWithItsField(t *testing.T) {
	h := staticHandlers()
	_, rv := post(t, h, PathValidateIngress, review(t, admissionv1.Create, ingressKind, ingress(map[string]string{
		"nginx.ingress.kubernetes.io/ssl-redirect":           "True",
		"nginx.ingress.kubernetes.io/auth-tls-verify-clinet": "on",
	})))
	require.NotNil(t, rv)
	resp := rv.Response
	require.NotNil(t, resp)
	assert.Equal(t, types.UID("uid-1"), resp.UID)
	assert.False(t, resp.Allowed)
	assert.Equal(t, int32(http.StatusUnprocessableEntity), resp.Result.Code)
	assert.Equal(t, metav1.StatusReasonInvalid, resp.Result.Reason)
	var fields []string
	for _, c := range resp.Result.Details.Causes {
		fields = append(fields, c.Field)
	}
	assert.ElementsMatch(t, []string{
		"metadata.annotations[nginx.ingress.kubernetes.io/ssl-redirect]",
		"metadata.annotations[nginx.ingress.kubernetes.io/auth-tls-verify-clinet]",
	}, fields)
	assert.Contains(t, resp.Result.Message, "(2 problems)")
	assert.Contains(t, resp.Result.Message, `"True"`)
	assert.Contains(t, resp.Result.Message, "did you mean nginx.ingress.kubernetes.io/auth-tls-verify-client?")
}

func TestWarningsFitOnALine(t *testing.T) {
	h := staticHandlers()
	ing := ingress(nil)
	ing.Spec.TLS = []networkingv1.IngressTLS{{Hosts: []string{"a-rather-long-host-name-to-make-the-warning-wrap.example.com"}, SecretName: "a-secret-that-does-not-exist-yet-and-has-a-long-name"}}
	ing.Spec.Rules = []networkingv1.IngressRule{{Host: "a-rather-long-host-name-to-make-the-warning-wrap.example.com"}}
	_, rv := post(t, h, PathValidateIngress, review(t, admissionv1.Create, ingressKind, ing))
	require.NotNil(t, rv)
	require.True(t, rv.Response.Allowed, "%v", rv.Response.Result)
	require.NotEmpty(t, rv.Response.Warnings)
	for _, w := range rv.Response.Warnings {
		assert.LessOrEqual(t, len(w), maxWarningLen, w)
	}
}

func TestWrapKeepsEveryWord(t *testing.T) {
	long := strings.Repeat("word ", 60) + strings.Repeat("x", 300)
	lines := wrap(long, maxWarningLen)
	var joined []string
	for _, l := range lines {
		assert.LessOrEqual(t, len(l), maxWarningLen)
		joined = append(joined, strings.TrimSpace(l))
	}
	assert.Equal(t, strings.Join(strings.Fields(long), ""), strings.ReplaceAll(strings.Join(joined, ""), " ", ""))
}

func TestBadRequestsGetAClearError(t *testing.T) {
	h := staticHandlers()
	secret := &corev1.Secret{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Secret"}, ObjectMeta: metav1.ObjectMeta{Name: "s", Namespace: "default"}}
	cases := []struct {
		name string
		path string
		body []byte
		code int32
		want string
	}{
		{"not JSON", PathValidateIngress, []byte("{not json"), http.StatusBadRequest, ""},
		{"no request", PathValidateIngress, []byte(`{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview"}`), http.StatusBadRequest, ""},
		{"wrong kind for the path", PathValidateIngress, review(t, admissionv1.Create, metav1.GroupVersionKind{Version: "v1", Kind: "Secret"}, secret), http.StatusBadRequest, "this webhook admits"},
		{"wrong version of the kind", PathValidateIngress, review(t, admissionv1.Create, metav1.GroupVersionKind{Group: "networking.k8s.io", Version: "v1beta1", Kind: "Ingress"}, ingress(nil)), http.StatusBadRequest, "this webhook admits"},
		{"object that does not decode", PathValidateIngress, []byte(`{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u","kind":{"group":"networking.k8s.io","version":"v1","kind":"Ingress"},"operation":"CREATE","object":{"spec":{"rules":"nope"}}}}`), http.StatusBadRequest, "decode Ingress"},
		{"oversized", PathValidateIngress, append([]byte(`{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"`), bytes.Repeat([]byte("a"), 8<<20)...), http.StatusRequestEntityTooLarge, "too large"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rec, rv := post(t, h, c.path, c.body)
			assert.Equal(t, http.StatusOK, rec.Code, "errors travel in the AdmissionReview")
			require.NotNil(t, rv, "the response is an AdmissionReview: %s", rec.Body.String())
			require.NotNil(t, rv.Response)
			assert.False(t, rv.Response.Allowed)
			assert.Equal(t, c.code, rv.Response.Result.Code)
			assert.Contains(t, rv.Response.Result.Message, c.want)
		})
	}
}

func TestDeleteIsAlwaysAllowed(t *testing.T) {
	h := staticHandlers()
	_, rv := post(t, h, PathValidateIngress, review(t, admissionv1.Delete, ingressKind, ingress(map[string]string{"nginx.ingress.kubernetes.io/ssl-redirect": "nope"})))
	require.NotNil(t, rv)
	assert.True(t, rv.Response.Allowed)
}

func TestOtherClassesAreNotJudged(t *testing.T) {
	h := staticHandlers()
	ing := ingress(map[string]string{"nginx.ingress.kubernetes.io/ssl-redirect": "nope"})
	other := "nginx"
	ing.Spec.IngressClassName = &other
	_, rv := post(t, h, PathValidateIngress, review(t, admissionv1.Create, ingressKind, ing))
	require.NotNil(t, rv)
	assert.True(t, rv.Response.Allowed)
	assert.Empty(t, rv.Response.Warnings)
}

func TestControllerConfigMapIsJudged(t *testing.T) {
	h := staticHandlers()
	cm := &corev1.ConfigMap{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
		ObjectMeta: metav1.ObjectMeta{Namespace: "portcullis-system", Name: "portcullis"},
		Data:       map[string]string{"ssl-protocol": "TLSv1.3"},
	}
	body := review(t, admissionv1.Create, metav1.GroupVersionKind{Version: "v1", Kind: "ConfigMap"}, cm)
	_, rv := post(t, h, PathValidateConfigMap, body)
	require.NotNil(t, rv)
	assert.False(t, rv.Response.Allowed)
	assert.Contains(t, rv.Response.Result.Message, "ssl-protocols")

	cm.Name = "unrelated"
	_, rv = post(t, h, PathValidateConfigMap, review(t, admissionv1.Create, metav1.GroupVersionKind{Version: "v1", Kind: "ConfigMap"}, cm))
	require.NotNil(t, rv)
	assert.True(t, rv.Response.Allowed)
}

// FuzzAdmissionReview feeds arbitrary bodies to every handler. Whatever comes
// in, the answer is an AdmissionReview (or, for a body that is not one, a
// clear error in one), never a panic, and never "allowed" for a body that did
// not carry a request.
func FuzzAdmissionReview(f *testing.F) {
	f.Add(review(f, admissionv1.Create, ingressKind, ingress(map[string]string{"nginx.ingress.kubernetes.io/ssl-redirect": "True"})))
	f.Add(review(f, admissionv1.Update, ingressKind, ingress(map[string]string{"nginx.org/mergeable-ingress-type": "minion"})))
	f.Add([]byte(`{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u","kind":{"group":"k8s.nginx.org","version":"v1","kind":"Policy"},"operation":"CREATE","object":{"apiVersion":"k8s.nginx.org/v1","kind":"Policy","metadata":{"name":"p"},"spec":{"ingressMTLS":{"clientCertSecret":"ca"}}}}}`))
	f.Add([]byte(`{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u","kind":{"version":"v1","kind":"Secret"},"operation":"CREATE","object":{"apiVersion":"v1","kind":"Secret","type":"kubernetes.io/tls","metadata":{"name":"s","labels":{"portcullis.dev/validate":"true"}},"data":{"tls.crt":"LS0t","tls.key":"AA=="}}}}`))
	f.Add([]byte(`{}`))
	f.Add([]byte(`null`))
	h := staticHandlers()
	paths := []string{PathValidateIngress, PathMutateIngress, PathValidateSecret, PathValidatePolicy, PathValidateConfigMap}
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, p := range paths {
			rec, rv := post(t, h, p, body)
			if rec.Code != http.StatusOK {
				continue
			}
			if rv == nil || rv.Response == nil {
				t.Fatalf("%s: status 200 without an AdmissionReview response: %q", p, rec.Body.String())
			}
			var in admissionv1.AdmissionReview
			if json.Unmarshal(body, &in) != nil || in.Request == nil {
				if rv.Response.Allowed {
					t.Fatalf("%s: allowed a body without a request: %q", p, body)
				}
			}
		}
	})
}

// TestWarningsNeverRepeatALine: the API server drops a warning equal to one
// already sent, so two findings that end in the same words are split so that
// no line repeats, and every word of both still arrives.
func TestWarningsNeverRepeatALine(t *testing.T) {
	t.Parallel()
	tail := "has no effect on this Ingress's gRPC backends (nginx's gRPC proxy streams, over HTTP/2)"
	ws := []findings.Warning{
		{Field: "metadata.annotations[nginx.ingress.kubernetes.io/proxy-busy-buffers-size]", Message: tail},
		{Field: "metadata.annotations[nginx.ingress.kubernetes.io/proxy-max-temp-file-size]", Message: tail},
		{Field: "metadata.annotations[nginx.ingress.kubernetes.io/proxy-buffers-number]", Message: tail},
	}
	lines := Warnings(ws)
	seen := map[string]bool{}
	for _, l := range lines {
		assert.False(t, seen[l], "line sent twice: %q", l)
		seen[l] = true
		assert.LessOrEqual(t, len(l), maxWarningLen, l)
	}
	var want, got []string
	for _, w := range ws {
		want = append(want, strings.Fields(w.String())...)
	}
	for _, l := range lines {
		got = append(got, strings.Fields(l)...)
	}
	assert.Equal(t, want, got)
}

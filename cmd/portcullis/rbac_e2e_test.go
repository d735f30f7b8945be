//go:build e2e

package main

import (
	"context"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	networkingv1 "k8s.io/api/networking/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/seed-d040b84d/portcullis/charts"
	"github.com/seed-d040b84d/portcullis/controller/passthrough"
	"github.com/seed-d040b84d/portcullis/controller/report"
	"github.com/seed-d040b84d/portcullis/lib/apis"
	"github.com/seed-d040b84d/portcullis/manifests/install"
	"github.com/seed-d040b84d/portcullis/test/gen"
	"github.com/seed-d040b84d/portcullis/test/harness"
	"github.com/seed-d040b84d/portcullis/webhook"
)

// TestManagerRunsUnderTheInstalledRBAC runs `portcullis manager` as the
// ServiceAccount install.yaml creates (impersonated), against a real API
// server with install.yaml's RBAC: the permissions are enough to start from
// nothing and judge, and no more than the manager needs.
func TestManagerRunsUnderTheInstalledRBAC(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(harness.RepoRoot(), "manifests", "install.yaml"))
	require.NoError(t, err)
	fromYAML, err := install.Objects(raw)
	require.NoError(t, err)
	rendered, err := charts.Render(filepath.Join(harness.RepoRoot(), "charts", "portcullis"), "portcullis-system", nil)
	require.NoError(t, err)
	fromChart, err := install.Objects([]byte(rendered.Manifest))
	require.NoError(t, err)
	t.Run("install.yaml", func(t *testing.T) { runsUnderRBAC(t, fromYAML) })
	t.Run("Helm chart", func(t *testing.T) { runsUnderRBAC(t, fromChart) })
}

func runsUnderRBAC(t *testing.T, objs []*unstructured.Unstructured) {
	api := testAPI(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	require.NoError(t, api.Client.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "portcullis-system"}}))
	for _, o := range objs {
		switch o.GetKind() {
		case "ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding", "ConfigMap", "IngressClass":
			require.NoError(t, api.Client.Apply(ctx, client.ApplyConfigurationFromUnstructured(o), client.FieldOwner("rbac-test"), client.ForceOwnership), o.GetKind())
		}
	}
	port := harness.FreePort(t)
	installWebhookAt(ctx, t, api, port)

	asSA := rest.CopyConfig(api.Config)
	asSA.Impersonate = rest.ImpersonationConfig{UserName: "system:serviceaccount:portcullis-system:portcullis"}
	done := managerRunning(ctx, t, asSA, testFlags(t, "webhook", port))
	denialOnServing(ctx, t, api.Client, map[string]string{"nginx.ingress.kubernetes.io/ssl-redirect": "yes"})
	// It may widen the Ingress webhooks' class condition to a new
	// IngressClass of ours (get and patch on its own configurations).
	require.NoError(t, api.Client.Create(ctx, gen.IngressClass("team-b")))
	require.Eventually(t, func() bool {
		var v admissionregistrationv1.ValidatingWebhookConfiguration
		var m admissionregistrationv1.MutatingWebhookConfiguration
		want := webhook.ClassExpression([]string{"portcullis", "team-b"})
		return api.Client.Get(ctx, client.ObjectKey{Name: "portcullis"}, &v) == nil && condition(v.Webhooks[0].MatchConditions) == want &&
			api.Client.Get(ctx, client.ObjectKey{Name: "portcullis"}, &m) == nil && condition(m.Webhooks[0].MatchConditions) == want
	}, 30*time.Second, 100*time.Millisecond, "the class condition names team-b")

	sa, err := client.New(asSA, client.Options{Scheme: apis.Scheme})
	require.NoError(t, err)
	other := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "portcullis-system", Name: "someone-elses"}, StringData: map[string]string{"k": "v"}}
	require.NoError(t, api.Client.Create(ctx, other))
	other.StringData = map[string]string{"k": "changed"}
	assert.True(t, apierrors.IsForbidden(sa.Update(ctx, other)), "it may update only its own serving Secret")
	assert.True(t, apierrors.IsForbidden(sa.Delete(ctx, &networkingv1.Ingress{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "any"}})), "it never deletes Ingresses")
	assert.True(t, apierrors.IsForbidden(sa.List(ctx, &corev1.PodList{})), "it has no business with Pods")
	assert.True(t, apierrors.IsForbidden(sa.Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "planted"}})), "it creates Secrets in its own namespace only")
	stopsCleanly(t, cancel, done)

	// The data plane as the Deployment runs it (nginx, and the passthrough
	// proxy in its endpoints mode, which reads EndpointSlices) under the same
	// ServiceAccount: its caches sync, so it may list and watch all it reads,
	// and nginx serves the configuration it built.
	cctx, ccancel := context.WithCancel(context.Background())
	defer ccancel()
	f := nginxFlags(t)
	f.passthrough, f.passthroughUpstream = true, passthrough.UpstreamEndpoints
	f.httpsAddr, f.passthroughFallback = "127.0.0.1:"+strconv.Itoa(harness.FreePort(t)), "127.0.0.1:"+strconv.Itoa(f.nginxHTTPSPort)
	f.publishAddresses, f.leaderElect = stringList{"203.0.113.7"}, true
	cdone := managerRunning(cctx, t, asSA, f)
	plain := &http.Client{Timeout: 2 * time.Second}
	require.Eventually(t, func() bool {
		resp, err := plain.Get("http://127.0.0.1:" + strconv.Itoa(f.httpPort) + "/")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusNotFound
	}, 30*time.Second, 100*time.Millisecond, "nginx serves (404 for a host no Ingress names)")

	// It reports as the ServiceAccount: an event on the Ingress and the
	// published address in its status. (The webhook stopped above: its
	// configurations go, or the API server would refuse every Ingress.)
	require.NoError(t, api.Client.Delete(cctx, &admissionregistrationv1.ValidatingWebhookConfiguration{ObjectMeta: metav1.ObjectMeta{Name: "portcullis"}}))
	require.NoError(t, api.Client.Delete(cctx, &admissionregistrationv1.MutatingWebhookConfiguration{ObjectMeta: metav1.ObjectMeta{Name: "portcullis"}}))
	class, prefix := "portcullis", networkingv1.PathTypePrefix
	ing := &networkingv1.Ingress{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "reported"},
		Spec: networkingv1.IngressSpec{IngressClassName: &class, Rules: []networkingv1.IngressRule{{Host: "reported.example.com",
			IngressRuleValue: networkingv1.IngressRuleValue{HTTP: &networkingv1.HTTPIngressRuleValue{Paths: []networkingv1.HTTPIngressPath{{
				Path: "/", PathType: &prefix, Backend: networkingv1.IngressBackend{Service: &networkingv1.IngressServiceBackend{
					Name: "reported", Port: networkingv1.ServiceBackendPort{Number: 8080}}}}}}}}}}}
	require.NoError(t, api.Client.Create(cctx, &corev1.Service{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "reported"},
		Spec: corev1.ServiceSpec{Type: corev1.ServiceTypeExternalName, ExternalName: "localhost"}}))
	require.NoError(t, api.Client.Create(cctx, ing))
	require.Eventually(t, func() bool {
		var got networkingv1.Ingress
		if err := api.Client.Get(cctx, client.ObjectKeyFromObject(ing), &got); err != nil {
			return false
		}
		lb := got.Status.LoadBalancer.Ingress
		return len(lb) == 1 && lb[0].IP == "203.0.113.7"
	}, 30*time.Second, 100*time.Millisecond, "the Ingress's status carries the published address")
	require.Eventually(t, func() bool {
		var evs eventsv1.EventList
		if err := api.Client.List(cctx, &evs, client.InNamespace("default")); err != nil {
			return false
		}
		for _, e := range evs.Items {
			if e.Regarding.Name == "reported" && e.Reason == report.Programmed && e.ReportingController == "portcullis" {
				return true
			}
		}
		return false
	}, 30*time.Second, 100*time.Millisecond, "a Programmed event on the Ingress")
	stopsCleanly(t, ccancel, cdone)
}

// TestManagerWatchesOnlyItsNamespaces runs the data plane with
// --watch-namespace=apps as the installed ServiceAccount bound by
// manifests/watch-namespace/rbac.yaml instead of install.yaml's ClusterRole:
// its caches sync (the namespaced permissions are enough), it serves and
// reports the Ingress in apps, leaves the one in another namespace alone,
// and cannot read Secrets there.
func TestManagerWatchesOnlyItsNamespaces(t *testing.T) {
	api := testAPI(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	for _, ns := range []string{"apps", "other"} {
		require.NoError(t, api.Client.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}))
	}
	apply := func(path string, kinds ...string) {
		raw, err := os.ReadFile(filepath.Join(harness.RepoRoot(), path))
		require.NoError(t, err)
		objs, err := install.Objects(raw)
		require.NoError(t, err)
		for _, o := range objs {
			if len(kinds) == 0 || slices.Contains(kinds, o.GetKind()) {
				require.NoError(t, api.Client.Apply(ctx, client.ApplyConfigurationFromUnstructured(o), client.FieldOwner("rbac-test"), client.ForceOwnership), o.GetKind())
			}
		}
	}
	apply("manifests/install.yaml", "Namespace", "ServiceAccount", "Role", "RoleBinding", "ConfigMap", "IngressClass")
	apply("manifests/watch-namespace/rbac.yaml")

	backend := quietServer(echo("apps"))
	backend.Start()
	defer backend.Close()
	port := backend.Listener.Addr().(*net.TCPAddr).Port
	for _, ns := range []string{"apps", "other"} {
		require.NoError(t, api.Client.Create(ctx, gen.ExternalName("backend", "localhost", gen.InNamespace(ns))))
		require.NoError(t, api.Client.Create(ctx, gen.Ingress("web", gen.InNamespace(ns), gen.Host(ns+".watch.test"), gen.Path("/", "backend", int32(port)))))
		require.NoError(t, api.Client.Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "private"}, StringData: map[string]string{"k": "v"}}))
	}

	asSA := rest.CopyConfig(api.Config)
	asSA.Impersonate = rest.ImpersonationConfig{UserName: "system:serviceaccount:portcullis-system:portcullis"}
	f := nginxFlags(t)
	f.watchNamespaces, f.leaderElect, f.publishAddresses = stringList{"apps"}, true, stringList{"203.0.113.9"}
	done := managerRunning(ctx, t, asSA, f)

	w := &wire{ctx: ctx, c: api.Client, httpPort: f.httpPort, httpsPort: f.nginxHTTPSPort, nginxDir: f.nginxDir}
	c := w.client(unverified())
	r := w.await(t, c, w.http("apps.watch.test", "/"), http.StatusOK, nil)
	require.NotNil(t, r.seen)
	assert.Equal(t, "apps", r.seen.Backend)
	r = w.must(t, c, w.http("other.watch.test", "/"), nil)
	assert.Equal(t, http.StatusNotFound, r.status, "an Ingress outside the watched namespaces is not served")
	require.Eventually(t, func() bool {
		var got networkingv1.Ingress
		if err := api.Client.Get(ctx, client.ObjectKey{Namespace: "apps", Name: "web"}, &got); err != nil {
			return false
		}
		lb := got.Status.LoadBalancer.Ingress
		return len(lb) == 1 && lb[0].IP == "203.0.113.9"
	}, 30*time.Second, 100*time.Millisecond, "the watched Ingress's status is written")
	var other networkingv1.Ingress
	require.NoError(t, api.Client.Get(ctx, client.ObjectKey{Namespace: "other", Name: "web"}, &other))
	assert.Empty(t, other.Status.LoadBalancer.Ingress, "the other namespace's Ingress is left alone")

	sa, err := client.New(asSA, client.Options{Scheme: apis.Scheme})
	require.NoError(t, err)
	assert.True(t, apierrors.IsForbidden(sa.List(ctx, &corev1.SecretList{}, client.InNamespace("other"))), "it cannot read Secrets in a namespace it does not watch")
	assert.True(t, apierrors.IsForbidden(sa.List(ctx, &corev1.SecretList{})), "nor list Secrets cluster-wide")
	assert.NoError(t, sa.List(ctx, &corev1.SecretList{}, client.InNamespace("apps")), "it can in the watched namespace")
	stopsCleanly(t, cancel, done)
}

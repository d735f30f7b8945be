//go:build e2e

package main

import (
	"context"
	"fmt"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-logr/logr"
	"github.com/go-logr/logr/funcr"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/seed-d040b84d/portcullis/cmd/portcullis/devenv"
	webhookmanifests "github.com/seed-d040b84d/portcullis/manifests/webhook"
	"github.com/seed-d040b84d/portcullis/test/harness"
)

// testAPI starts a real kube-apiserver and etcd for one test.
func testAPI(t *testing.T) *harness.API {
	t.Helper()
	api, err := harness.StartAPI()
	require.NoError(t, err)
	t.Cleanup(func() { _ = api.Env.Stop() })
	return api
}

// installWebhookAt creates the shipped webhook configurations pointed at a
// manager on 127.0.0.1:port, with no caBundle (the manager fills it in).
func installWebhookAt(ctx context.Context, t *testing.T, api *harness.API, port int) {
	t.Helper()
	cfgs, err := devenv.WebhookConfigurations(webhookmanifests.Configurations, fmt.Sprintf("https://127.0.0.1:%d", port))
	require.NoError(t, err)
	require.Len(t, cfgs, 2)
	for _, c := range cfgs {
		require.NoError(t, api.Client.Create(ctx, c))
	}
}

// testFlags are the manager's flags for a test: the given components, the
// webhook (if any) on 127.0.0.1:port with a self-signed certificate, no
// metrics or probe listeners.
func testFlags(t *testing.T, components string, port int) managerFlags {
	var f managerFlags
	f.namespace, f.components, f.class, f.prefix = "portcullis-system", components, "portcullis", "nginx.ingress.kubernetes.io"
	f.webhookHost, f.webhookPort, f.certDir, f.certMode = "127.0.0.1", port, t.TempDir(), certSelfSigned
	f.webhookHosts, f.webhookConfigs, f.metricsAddr, f.probeAddr = stringList{"127.0.0.1"}, "portcullis", "0", "0"
	return f
}

// nginxFlags are testFlags for the controller component running real nginx
// on free loopback ports, with its state in a temporary directory.
func nginxFlags(t *testing.T) managerFlags {
	f := testFlags(t, "controller", 0)
	f.nginx, f.nginxDir, f.nginxAddress = true, harness.NginxDir(t), "127.0.0.1"
	f.httpPort, f.nginxHTTPSPort = harness.FreePort(t), harness.FreePort(t)
	f.nginxStatus = "127.0.0.1:" + strconv.Itoa(harness.FreePort(t))
	return f
}

// managerRunning runs manage in the background and returns once it is ready
// (the webhook serves, or the caches synced); the channel gets its result.
func managerRunning(ctx context.Context, t *testing.T, cfg *rest.Config, f managerFlags) <-chan error {
	t.Helper()
	if f.logger.GetSink() == nil {
		f.logger = keptLog(t)
	}
	ready := make(chan struct{})
	done := make(chan error, 1)
	go func() { done <- manage(ctx, cfg, f, func() { close(ready) }) }()
	select {
	case <-ready:
	case err := <-done:
		t.Fatalf("the manager stopped before it was ready: %v", err)
	case <-time.After(60 * time.Second):
		t.Fatal("the manager was not ready within 60s")
	}
	return done
}

// stopsCleanly cancels the manager's context and waits for it to return nil
// (the manager itself gives up on its runnables after 40 s, returning an
// error).
func stopsCleanly(t *testing.T, cancel context.CancelFunc, done <-chan error) {
	t.Helper()
	cancel()
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(60 * time.Second):
		var stacks strings.Builder
		_ = pprof.Lookup("goroutine").WriteTo(&stacks, 1)
		t.Fatalf("the manager did not stop within 60s of cancellation; goroutines:\n%s", stacks.String())
	}
}

// keptLog is a logger for a manager under test that keeps its last 500
// lines and prints them only if the test fails.
func keptLog(t *testing.T) logr.Logger {
	const keep = 500
	var mu sync.Mutex
	var lines []string
	t.Cleanup(func() {
		if !t.Failed() {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		t.Logf("the manager's last %d log lines:\n%s", len(lines), strings.Join(lines, "\n"))
	})
	return funcr.New(func(prefix, args string) {
		mu.Lock()
		defer mu.Unlock()
		lines = append(lines, time.Now().Format("15:04:05.000")+" "+prefix+" "+args)
		if len(lines) > keep {
			lines = lines[len(lines)-keep:]
		}
	}, funcr.Options{Verbosity: 1})
}

// denialOnServing dry-runs an Ingress with the given annotations until the
// API server answers with the webhook's denial (it reads webhook
// configurations through an informer, so the patched caBundle takes a moment),
// and returns that denial.
func denialOnServing(ctx context.Context, t *testing.T, c client.Client, annotations map[string]string) error {
	t.Helper()
	class := "portcullis"
	bad := &networkingv1.Ingress{
		ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "typo", Annotations: annotations},
		Spec: networkingv1.IngressSpec{IngressClassName: &class, DefaultBackend: &networkingv1.IngressBackend{
			Service: &networkingv1.IngressServiceBackend{Name: "web", Port: networkingv1.ServiceBackendPort{Number: 80}}}},
	}
	var last error
	if !assert.Eventually(t, func() bool {
		last = c.Create(ctx, bad.DeepCopy(), client.DryRunAll)
		return last != nil && strings.Contains(last.Error(), "denied the request")
	}, 20*time.Second, 100*time.Millisecond) {
		t.Fatalf("the API server never got a verdict from the manager; last answer: %v", last)
	}
	return last
}

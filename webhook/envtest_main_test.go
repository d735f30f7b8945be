//go:build e2e

package webhook_test

// The envtest suite: a real kube-apiserver calls the real webhook server over
// TLS. The validating configuration is manifests/webhook/validating.yaml as
// shipped (envtest points its services at the local server); the mutating one
// is installed by the tests that need it, so it cannot rewrite the objects the
// validating verdicts are compared on.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	admissionv1 "k8s.io/api/admission/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
	ctrlwebhook "sigs.k8s.io/controller-runtime/pkg/webhook"

	"github.com/seed-d040b84d/portcullis/cmd/portcullis/devenv"
	"github.com/seed-d040b84d/portcullis/lib/intent"
	"github.com/seed-d040b84d/portcullis/lib/world"
	"github.com/seed-d040b84d/portcullis/policies"
	"github.com/seed-d040b84d/portcullis/test/harness"
	"github.com/seed-d040b84d/portcullis/webhook"
)

// seedLabel marks an object the tests place in the world without a verdict
// (the fixture a case is judged against); the test server answers it
// "allowed" before the real handler sees it. Only this test server knows it.
const seedLabel = "test.portcullis.dev/seed"

var (
	api       *harness.API
	handlers  *webhook.Handlers
	cache     client.Reader
	warned    = &warningRecorder{}
	judged    client.Client // API client whose warnings land in warned
	serverURL string        // https://host:port of the webhook server
	serverCA  []byte
)

func TestMain(m *testing.M) { os.Exit(run(m)) }

func run(m *testing.M) int {
	root := harness.RepoRoot()
	a, err := harness.StartAPIWith(devenv.Options{Webhooks: envtest.WebhookInstallOptions{
		Paths: []string{filepath.Join(root, "manifests", "webhook", "validating.yaml")},
	}})
	if err != nil {
		fmt.Fprintf(os.Stderr, "webhook suite: %v\n", err)
		return 1
	}
	api = a
	defer func() { _ = a.Env.Stop() }()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := startManager(ctx); err != nil {
		fmt.Fprintf(os.Stderr, "webhook suite: %v\n", err)
		return 1
	}
	cfg := rest.CopyConfig(a.Config)
	cfg.WarningHandler = warned
	judged, err = client.New(cfg, client.Options{Scheme: world.Scheme})
	if err != nil {
		fmt.Fprintf(os.Stderr, "webhook suite: %v\n", err)
		return 1
	}
	if err := a.Client.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "portcullis-system"}}); err != nil {
		fmt.Fprintf(os.Stderr, "webhook suite: %v\n", err)
		return 1
	}
	return m.Run()
}

func startManager(ctx context.Context) error {
	wio := api.Env.WebhookInstallOptions
	srv := &seedServer{Server: webhook.NewServer(webhook.ServerOptions{
		Host: wio.LocalServingHost, Port: wio.LocalServingPort, CertDir: wio.LocalServingCertDir,
	})}
	serverURL = fmt.Sprintf("https://%s:%d", wio.LocalServingHost, wio.LocalServingPort)
	serverCA = wio.LocalServingCAData
	mgr, err := ctrl.NewManager(api.Config, ctrl.Options{
		Scheme:        webhook.Scheme,
		WebhookServer: srv,
		Metrics:       metricsserver.Options{BindAddress: "0"},
	})
	if err != nil {
		return err
	}
	engine, err := policies.New(policies.Options{})
	if err != nil {
		return err
	}
	handlers, err = webhook.Setup(ctx, mgr, webhook.Options{
		ConfigMap: intent.ObjectRef{Namespace: "portcullis-system", Name: "portcullis"},
		Policies:  engine,
	})
	if err != nil {
		return err
	}
	cache = mgr.GetCache()
	errc := make(chan error, 1)
	go func() { errc <- mgr.Start(ctx) }()
	check := srv.StartedChecker()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-errc:
			return fmt.Errorf("manager stopped: %v", err)
		default:
		}
		if check(nil) == nil && mgr.GetCache().WaitForCacheSync(ctx) {
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("webhook server did not start in 30s")
}

// seedServer is the real webhook server with one addition for fixtures: a
// request whose object carries seedLabel is allowed without a verdict.
type seedServer struct {
	ctrlwebhook.Server
}

func (s *seedServer) Register(path string, hook http.Handler) {
	s.Server.Register(path, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		var review admissionv1.AdmissionReview
		if json.Unmarshal(body, &review) == nil && review.Request != nil {
			var meta struct {
				Metadata metav1.ObjectMeta `json:"metadata"`
			}
			if json.Unmarshal(review.Request.Object.Raw, &meta) == nil && meta.Metadata.Labels[seedLabel] == "true" {
				review.Response = &admissionv1.AdmissionResponse{UID: review.Request.UID, Allowed: true}
				review.Request = nil
				w.Header().Set("Content-Type", "application/json")
				_ = json.NewEncoder(w).Encode(review)
				return
			}
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		hook.ServeHTTP(w, r)
	}))
}

// warningRecorder keeps the warnings of API responses.
type warningRecorder struct {
	mu   sync.Mutex
	msgs []string
}

func (w *warningRecorder) HandleWarningHeader(code int, agent, text string) {
	if code != 299 || text == "" {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.msgs = append(w.msgs, text)
}

// take returns and forgets the warnings recorded so far.
func (w *warningRecorder) take() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := w.msgs
	w.msgs = nil
	return out
}

// inCache waits until the manager's cache holds obj at least at its
// resourceVersion (or, with gone, no longer holds it), so the next admission
// sees the world the test just wrote.
func inCache(t testing.TB, obj client.Object, gone bool) {
	t.Helper()
	key := client.ObjectKeyFromObject(obj)
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		got := obj.DeepCopyObject().(client.Object)
		err := cache.Get(context.Background(), key, got)
		switch {
		case gone && err != nil:
			return
		case !gone && err == nil && version(got) >= version(obj):
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("the manager's cache did not catch up with %T %s (gone=%t)", obj, key, gone)
}

func version(o client.Object) uint64 {
	v, _ := strconv.ParseUint(o.GetResourceVersion(), 10, 64)
	return v
}

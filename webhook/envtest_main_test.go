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
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap/zapcore"
	admissionv1 "k8s.io/api/admission/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
	ctrlwebhook "sigs.k8s.io/controller-runtime/pkg/webhook"

	"github.com/seed-d040b84d/portcullis/cmd/portcullis/devenv"
	"github.com/seed-d040b84d/portcullis/lib/apis"
	"github.com/seed-d040b84d/portcullis/lib/intent"
	"github.com/seed-d040b84d/portcullis/policies"
	"github.com/seed-d040b84d/portcullis/test/goldencases"
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

// managerLog collects everything the manager logs during the suite, debug
// level included, for the secret-hygiene check at the end.
var managerLog = &syncBuffer{}

func run(m *testing.M) int {
	ctrl.SetLogger(zap.New(zap.WriteTo(managerLog), zap.Level(zapcore.Level(-5))))
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
	judged, err = client.New(cfg, client.Options{Scheme: apis.Scheme})
	if err != nil {
		fmt.Fprintf(os.Stderr, "webhook suite: %v\n", err)
		return 1
	}
	if err := a.Client.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "portcullis-system"}}); err != nil {
		fmt.Fprintf(os.Stderr, "webhook suite: %v\n", err)
		return 1
	}
	code := m.Run()
	if code == 0 {
		if leak := keyMaterialIn(managerLog.String()); leak != "" {
			fmt.Fprintf(os.Stderr, "webhook suite: private key material in the manager's log: %s\n", leak)
			return 1
		}
	}
	return code
}

// syncBuffer is a bytes.Buffer safe for concurrent writers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// keyMaterialIn looks in text for private keys: PEM headers (also
// base64-encoded, as in a Secret's data), and the body of every private key
// the suite's fixtures put in Secrets. It names what it found, or "".
func keyMaterialIn(text string) string {
	for _, marker := range []string{"PRIVATE KEY", "LS0tLS1CRUdJTi"} {
		if strings.Contains(text, marker) {
			return marker
		}
	}
	keys, _ := filepath.Glob(filepath.Join(goldencases.Dir(), "certs", "*.key.pem"))
	for _, k := range keys {
		raw, err := os.ReadFile(k)
		if err != nil {
			continue
		}
		block, _ := pem.Decode(raw)
		if block == nil || len(block.Bytes) < 48 {
			continue
		}
		// 18 bytes past the ASN.1 header, at a multiple of 3 so that their
		// base64 is a substring of the PEM body's first line.
		body := block.Bytes[15:33]
		for _, enc := range []string{base64.StdEncoding.EncodeToString(body), hex.EncodeToString(body)} {
			if strings.Contains(text, enc) {
				return filepath.Base(k)
			}
		}
	}
	return ""
}

// TestKeyMaterialCheckFindsKeys: the hygiene check is not blind.
func TestKeyMaterialCheckFindsKeys(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(goldencases.Dir(), "certs", "web.key.pem"))
	if err != nil {
		t.Fatal(err)
	}
	if keyMaterialIn("secret data: "+base64.StdEncoding.EncodeToString(raw)) == "" {
		t.Fatal("a base64 PEM key was not found")
	}
	body := strings.Join(strings.Split(string(raw), "\n")[1:3], "")
	if keyMaterialIn("key body without its header: "+body) == "" {
		t.Fatal("a PEM body without its header was not found")
	}
	block, _ := pem.Decode(raw)
	if keyMaterialIn(fmt.Sprintf("%x", block.Bytes)) == "" {
		t.Fatal("a hex DER key was not found")
	}
	if keyMaterialIn(managerLog.String()) != "" {
		t.Fatal("key material in the manager's log so far")
	}
}

func startManager(ctx context.Context) error {
	wio := api.Env.WebhookInstallOptions
	srv := &seedServer{Server: webhook.NewServer(webhook.ServerOptions{
		Host: wio.LocalServingHost, Port: wio.LocalServingPort, CertDir: wio.LocalServingCertDir,
	})}
	serverURL = fmt.Sprintf("https://%s:%d", wio.LocalServingHost, wio.LocalServingPort)
	serverCA = wio.LocalServingCAData
	mgr, err := ctrl.NewManager(api.Config, ctrl.Options{
		Scheme:        apis.Scheme,
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

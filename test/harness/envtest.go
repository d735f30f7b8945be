package harness

import (
	"fmt"
	"os"
	"path/filepath"
	goruntime "runtime"
	"testing"

	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/seed-d040b84d/portcullis/cmd/portcullis/devenv"
	nginxv1 "github.com/seed-d040b84d/portcullis/lib/apis/k8snginx/v1"
)

// Scheme holds client-go's built-in kinds and k8s.nginx.org/v1.
var Scheme = func() *runtime.Scheme {
	s := runtime.NewScheme()
	utilruntime.Must(clientgoscheme.AddToScheme(s))
	utilruntime.Must(nginxv1.AddToScheme(s))
	return s
}()

// API is the control plane shared by the tests of one package.
type API struct {
	Env    *devenv.Env
	Config *rest.Config
	Client client.Client
}

// RepoRoot returns the repository root (the directory holding go.mod).
func RepoRoot() string {
	_, file, _, _ := goruntime.Caller(0)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

// StartAPI starts kube-apiserver and etcd with portcullis's CRDs installed. It
// fails with the command to run when the binaries are missing.
func StartAPI() (*API, error) {
	return StartAPIWith(devenv.Options{})
}

// StartAPIWith is StartAPI with more options: webhook configurations to
// install (envtest points them at its local serving host and port, with its
// own serving certificate). The CRDs are always installed.
func StartAPIWith(opts devenv.Options) (*API, error) {
	opts.CRDDirs = append(opts.CRDDirs, filepath.Join(RepoRoot(), "manifests", "crds"))
	env, err := devenv.Start(opts)
	if err != nil {
		return nil, err
	}
	c, err := client.New(env.Config, client.Options{Scheme: Scheme})
	if err != nil {
		_ = env.Stop()
		return nil, fmt.Errorf("build client: %w", err)
	}
	return &API{Env: env, Config: env.Config, Client: c}, nil
}

// RunWithAPI is a TestMain body: it starts the control plane once, stores it in
// *api, runs the package's tests and stops the control plane.
func RunWithAPI(m *testing.M, api **API) int {
	a, err := StartAPI()
	if err != nil {
		fmt.Fprintf(os.Stderr, "harness: %v\n", err)
		return 1
	}
	*api = a
	code := m.Run()
	if err := a.Env.Stop(); err != nil {
		fmt.Fprintf(os.Stderr, "harness: stop control plane: %v\n", err)
	}
	return code
}

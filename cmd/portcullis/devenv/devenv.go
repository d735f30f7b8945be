// Package devenv owns the local control plane portcullis runs against outside a
// cluster: a real kube-apiserver and etcd started through controller-runtime's
// envtest from binaries built by `make envtest-bin`. `portcullis dev` and the
// integration tests both start it from here. The API server and etcd end with
// the process that started them, however it ends (see controller/child).
package devenv

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	"sigs.k8s.io/yaml"

	"github.com/seed-d040b84d/portcullis/controller/child"
)

// KubernetesVersion is the kube-apiserver version the tool module builds.
const KubernetesVersion = "1.37.2"

// AssetsDir is where the envtest binaries are: $KUBEBUILDER_ASSETS when set,
// else the per-version cache that `make envtest-bin` fills.
func AssetsDir() string {
	if d := os.Getenv("KUBEBUILDER_ASSETS"); d != "" {
		return d
	}
	cache := os.Getenv("XDG_CACHE_HOME")
	if cache == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			home = os.TempDir()
		}
		cache = filepath.Join(home, ".cache")
	}
	return filepath.Join(cache, "portcullis", "envtest", KubernetesVersion)
}

// CheckAssets reports, with the command that fixes it, a binary missing from dir.
func CheckAssets(dir string) error {
	for _, bin := range []string{"kube-apiserver", "etcd"} {
		p := filepath.Join(dir, bin)
		fi, err := os.Stat(p)
		if err != nil || fi.Mode()&0o111 == 0 {
			return fmt.Errorf("%s not found at %s: run make envtest-bin (or set KUBEBUILDER_ASSETS)", bin, p)
		}
	}
	return nil
}

// Options configures a local control plane.
type Options struct {
	// CRDDirs are directories of CRD manifests installed before Start returns.
	CRDDirs []string
	// CRDs are more CRDs to install (the embedded ones, for a binary run
	// outside the repository).
	CRDs []*apiextensionsv1.CustomResourceDefinition
	// Webhooks are webhook configurations installed once the API server runs;
	// envtest rewrites their client config to point at LocalServingHost/Port.
	Webhooks envtest.WebhookInstallOptions
	// WrapperDir is where the wrappers that give kube-apiserver and etcd
	// their death signal are written; empty: a temporary directory Stop
	// removes.
	WrapperDir string
}

// Env is a running local control plane.
type Env struct {
	*envtest.Environment
	Config *rest.Config
	// tmp is a temporary WrapperDir, removed by Stop.
	tmp string
}

// Start runs kube-apiserver and etcd from AssetsDir and installs the CRDs.
func Start(opts Options) (*Env, error) {
	dir := AssetsDir()
	if err := CheckAssets(dir); err != nil {
		return nil, err
	}
	env := &Env{}
	wrappers := opts.WrapperDir
	if wrappers == "" {
		tmp, err := os.MkdirTemp("", "portcullis-devenv-")
		if err != nil {
			return nil, err
		}
		wrappers, env.tmp = tmp, tmp
	}
	// SIGTERM: both shut down cleanly on it, as on envtest's own Stop.
	apiserver, err := child.Wrap(wrappers, filepath.Join(dir, "kube-apiserver"), syscall.SIGTERM)
	if err != nil {
		env.removeTmp()
		return nil, err
	}
	etcd, err := child.Wrap(wrappers, filepath.Join(dir, "etcd"), syscall.SIGTERM)
	if err != nil {
		env.removeTmp()
		return nil, err
	}
	env.Environment = &envtest.Environment{
		BinaryAssetsDirectory: dir,
		ControlPlane: envtest.ControlPlane{
			APIServer: &envtest.APIServer{Path: apiserver},
			Etcd:      &envtest.Etcd{Path: etcd},
		},
		CRDDirectoryPaths:     opts.CRDDirs,
		CRDs:                  opts.CRDs,
		ErrorIfCRDPathMissing: len(opts.CRDDirs) > 0,
		WebhookInstallOptions: opts.Webhooks,
		// The CRDs are served in a second or two; on a loaded machine
		// envtest's 10 s wait for them is not enough.
		CRDInstallOptions: envtest.CRDInstallOptions{MaxTime: time.Minute},
	}
	// envtest forks them: on the thread whose exit their death signal follows.
	if err := child.Do(func() (err error) {
		env.Config, err = env.Environment.Start()
		return err
	}); err != nil {
		env.removeTmp()
		return nil, fmt.Errorf("start kube-apiserver and etcd from %s: %w", dir, err)
	}
	return env, nil
}

func (e *Env) removeTmp() {
	if e.tmp != "" {
		_ = os.RemoveAll(e.tmp)
	}
}

// WriteKubeconfig writes an admin kubeconfig for the running API server to path
// (mode 0600: it holds a client credential).
func (e *Env) WriteKubeconfig(path string) error {
	user, err := e.AddUser(envtest.User{Name: "portcullis-dev-admin", Groups: []string{"system:masters"}}, nil)
	if err != nil {
		return fmt.Errorf("add admin user: %w", err)
	}
	b, err := user.KubeConfig()
	if err != nil {
		return fmt.Errorf("render kubeconfig: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// Stop stops the API server and etcd.
func (e *Env) Stop() error {
	if e == nil || e.Environment == nil {
		return errors.New("control plane not started")
	}
	defer e.removeTmp()
	return e.Environment.Stop()
}

// EmbeddedCRDs decodes the CRDs in fsys (manifests/crds).
func EmbeddedCRDs(fsys fs.FS) ([]*apiextensionsv1.CustomResourceDefinition, error) {
	files, err := fs.Glob(fsys, "*.yaml")
	if err != nil {
		return nil, err
	}
	var out []*apiextensionsv1.CustomResourceDefinition
	for _, f := range files {
		raw, err := fs.ReadFile(fsys, f)
		if err != nil {
			return nil, err
		}
		var crd apiextensionsv1.CustomResourceDefinition
		if err := yaml.UnmarshalStrict(raw, &crd); err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		out = append(out, &crd)
	}
	return out, nil
}

// WebhookConfigurations reads the webhook configurations in fsys (as shipped
// in manifests/webhook) and points every webhook at baseURL plus its service
// path, for a webhook server outside the cluster. caBundle is left for the
// manager's certificate rotator to fill.
func WebhookConfigurations(fsys fs.FS, baseURL string) ([]client.Object, error) {
	files, err := fs.Glob(fsys, "*.yaml")
	if err != nil {
		return nil, err
	}
	var out []client.Object
	for _, f := range files {
		raw, err := fs.ReadFile(fsys, f)
		if err != nil {
			return nil, err
		}
		var meta metav1.TypeMeta
		if err := yaml.Unmarshal(raw, &meta); err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		var obj client.Object
		var clients []*admissionregistrationv1.WebhookClientConfig
		switch meta.Kind {
		case "ValidatingWebhookConfiguration":
			cfg := &admissionregistrationv1.ValidatingWebhookConfiguration{}
			if err := yaml.UnmarshalStrict(raw, cfg); err != nil {
				return nil, fmt.Errorf("%s: %w", f, err)
			}
			for i := range cfg.Webhooks {
				clients = append(clients, &cfg.Webhooks[i].ClientConfig)
			}
			obj = cfg
		case "MutatingWebhookConfiguration":
			cfg := &admissionregistrationv1.MutatingWebhookConfiguration{}
			if err := yaml.UnmarshalStrict(raw, cfg); err != nil {
				return nil, fmt.Errorf("%s: %w", f, err)
			}
			for i := range cfg.Webhooks {
				clients = append(clients, &cfg.Webhooks[i].ClientConfig)
			}
			obj = cfg
		default:
			continue
		}
		for _, cc := range clients {
			if err := pointAt(cc, baseURL); err != nil {
				return nil, fmt.Errorf("%s: %w", f, err)
			}
		}
		out = append(out, obj)
	}
	return out, nil
}

func pointAt(cc *admissionregistrationv1.WebhookClientConfig, baseURL string) error {
	if cc.Service == nil || cc.Service.Path == nil {
		return errors.New("clientConfig has no service path")
	}
	url := strings.TrimSuffix(baseURL, "/") + *cc.Service.Path
	cc.URL, cc.Service, cc.CABundle = &url, nil, nil
	return nil
}

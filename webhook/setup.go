package webhook

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/manager"

	nginxv1 "github.com/seed-d040b84d/portcullis/lib/apis/k8snginx/v1"
	"github.com/seed-d040b84d/portcullis/lib/intent"
	"github.com/seed-d040b84d/portcullis/lib/validate"
	"github.com/seed-d040b84d/portcullis/policies"
)

// Options configure the admission handlers a manager serves.
type Options struct {
	// Validate holds the flag-derived options (class, annotation prefix,
	// passthrough, default certificate); the ConfigMap supplies Config.
	Validate validate.Options
	// ConfigMap is the controller ConfigMap
	// (docs/annotations.md#global-configmap---configmap-default-portcullis-systemportcullis).
	ConfigMap intent.ObjectRef
	// Policies is the Rego engine; nil means lib alone. Its set is kept equal
	// to PolicyDir plus the policy ConfigMaps in ConfigMap.Namespace.
	Policies  *policies.Engine
	PolicyDir []policies.Module
}

// Watched are the kinds lib looks up. Their informers are started with the
// manager, so the first admission does not wait for a cache to fill.
func Watched() []client.Object {
	return []client.Object{
		&corev1.Secret{}, &corev1.ConfigMap{}, &corev1.Namespace{}, &corev1.Service{},
		&networkingv1.Ingress{}, &networkingv1.IngressClass{}, &nginxv1.Policy{},
	}
}

// Setup builds the handlers over the manager's cache and registers them on the
// manager's webhook server. The manager's scheme must know lib's kinds (use
// Scheme).
func Setup(ctx context.Context, mgr manager.Manager, o Options) (*Handlers, error) {
	for _, obj := range Watched() {
		if _, err := mgr.GetCache().GetInformer(ctx, obj); err != nil {
			return nil, fmt.Errorf("watch %T: %w", obj, err)
		}
	}
	r := CacheResolver{Reader: mgr.GetCache()}
	s := &Settings{Base: o.Validate, ConfigMap: o.ConfigMap, Getter: r}
	h := NewHandlers(s, r, nil)
	if o.Policies != nil {
		h.Reviewer = &RegoReviewer{Engine: o.Policies, Resolver: r, Certs: s.Certs()}
		lib := &PolicyLibrary{Engine: o.Policies, Namespace: o.ConfigMap.Namespace, Reader: mgr.GetCache(), Dir: o.PolicyDir,
			Log: mgr.GetLogger().WithName("policies")}
		h.PolicyConfigMaps = lib
		informer, err := mgr.GetCache().GetInformer(ctx, &corev1.ConfigMap{})
		if err != nil {
			return nil, err
		}
		if err := mgr.Add(EveryReplica(func(ctx context.Context) error {
			return lib.Watch(ctx, informer, mgr.GetCache().WaitForCacheSync)
		})); err != nil {
			return nil, err
		}
		h.Policies = lib
	}
	h.Register(mgr.GetWebhookServer())
	return h, nil
}

// Scheme is what the manager's clients know: every built-in kind (the
// webhook configurations among them, for caBundle) and k8s.nginx.org/v1.
var Scheme = func() *runtime.Scheme {
	s := runtime.NewScheme()
	utilruntime.Must(clientgoscheme.AddToScheme(s))
	utilruntime.Must(nginxv1.AddToScheme(s))
	return s
}()

// EveryReplica is a manager runnable every replica runs, leader or not: each
// replica admits with the policies in force and serves traffic itself.
type EveryReplica func(context.Context) error

// Start runs the function.
func (r EveryReplica) Start(ctx context.Context) error { return r(ctx) }

// NeedLeaderElection is false.
func (EveryReplica) NeedLeaderElection() bool { return false }

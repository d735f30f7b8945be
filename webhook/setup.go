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
)

// Options configure the admission handlers a manager serves.
type Options struct {
	// Validate holds the flag-derived options (class, annotation prefix,
	// passthrough, default certificate); the ConfigMap supplies Config.
	Validate validate.Options
	// ConfigMap is the controller ConfigMap (FEATURES.md §6).
	ConfigMap intent.ObjectRef
	// Reviewer adds the Rego verdicts; nil means lib alone.
	Reviewer Reviewer
	// PolicyConfigMaps judges policy ConfigMaps (labelled
	// portcullis.dev/policy: "true") at admission; nil allows them.
	PolicyConfigMaps PolicyConfigMapJudge
}

// watched are the kinds lib looks up. Their informers are started with the
// manager, so the first admission does not wait for a cache to fill.
func watched() []client.Object {
	return []client.Object{
		&corev1.Secret{}, &corev1.ConfigMap{}, &corev1.Namespace{}, &corev1.Service{},
		&networkingv1.Ingress{}, &networkingv1.IngressClass{}, &nginxv1.Policy{},
	}
}

// Setup builds the handlers over the manager's cache and registers them on the
// manager's webhook server. The manager's scheme must know lib's kinds (use
// Scheme).
func Setup(ctx context.Context, mgr manager.Manager, o Options) (*Handlers, error) {
	for _, obj := range watched() {
		if _, err := mgr.GetCache().GetInformer(ctx, obj); err != nil {
			return nil, fmt.Errorf("watch %T: %w", obj, err)
		}
	}
	r := CacheResolver{Reader: mgr.GetCache()}
	s := &Settings{Base: o.Validate, ConfigMap: o.ConfigMap, Getter: r}
	h := NewHandlers(s, r, o.Reviewer)
	h.PolicyConfigMaps = o.PolicyConfigMaps
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

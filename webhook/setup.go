package webhook

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/manager"

	"github.com/seed-d040b84d/portcullis/cluster"
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

// Setup builds the handlers over the manager's cache and registers them on the
// manager's webhook server. The manager's scheme must know lib's kinds (use
// apis.Scheme).
func Setup(ctx context.Context, mgr manager.Manager, o Options) (*Handlers, error) {
	for _, obj := range cluster.Watched() {
		if _, err := mgr.GetCache().GetInformer(ctx, obj); err != nil {
			return nil, fmt.Errorf("watch %T: %w", obj, err)
		}
	}
	r := cluster.CacheResolver{Reader: mgr.GetCache()}
	s := &cluster.Settings{Base: o.Validate, ConfigMap: o.ConfigMap, Getter: r}
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
		if err := mgr.Add(cluster.EveryReplica(func(ctx context.Context) error {
			return lib.Watch(ctx, informer, mgr.GetCache().WaitForCacheSync)
		})); err != nil {
			return nil, err
		}
		h.Policies = lib
	}
	h.Register(mgr.GetWebhookServer())
	return h, nil
}

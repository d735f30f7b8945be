package webhook

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/validation/field"
	toolscache "k8s.io/client-go/tools/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/seed-d040b84d/portcullis/lib/certs"
	"github.com/seed-d040b84d/portcullis/lib/findings"
	"github.com/seed-d040b84d/portcullis/lib/validate"
	"github.com/seed-d040b84d/portcullis/lib/world"
	"github.com/seed-d040b84d/portcullis/policies"
)

// RegoReviewer is the Reviewer backed by the policy engine: the same input
// `portcullis lint --policies` builds.
type RegoReviewer struct {
	Engine   *policies.Engine
	Resolver world.Resolver
	Certs    *certs.Cache
}

// Review implements Reviewer.
func (r *RegoReviewer) Review(ctx context.Context, req policies.Request, v *validate.Validator) findings.Set {
	return r.Engine.Review(ctx, policies.InputFor(req, r.Resolver, r.Certs, v.Options().Config))
}

// PolicyLibrary keeps the engine's policy set equal to --policy-dir plus the
// policy ConfigMaps in the controller's namespace, and judges those
// ConfigMaps at admission.
type PolicyLibrary struct {
	Engine    *policies.Engine
	Namespace string
	// Reader lists the ConfigMaps (the manager's cache).
	Reader client.Reader
	// Dir are the modules of --policy-dir.
	Dir []policies.Module
	Log logr.Logger

	mu     sync.Mutex
	loaded []string // the ConfigMaps in the set in force
	wake   chan struct{}
}

// policyConfigMaps lists the policy ConfigMaps, by name, except skip.
func (l *PolicyLibrary) policyConfigMaps(ctx context.Context, skip types.NamespacedName) ([]corev1.ConfigMap, error) {
	var list corev1.ConfigMapList
	if err := l.Reader.List(ctx, &list, client.InNamespace(l.Namespace), client.MatchingLabels{policies.ConfigMapLabel: "true"}); err != nil {
		return nil, err
	}
	var out []corev1.ConfigMap
	for _, cm := range list.Items {
		if cm.Namespace == skip.Namespace && cm.Name == skip.Name {
			continue
		}
		out = append(out, cm)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// JudgePolicyConfigMap implements PolicyConfigMapJudge: cm must compile with
// the directory's policies and the other ConfigMaps in force, and its tests
// must pass.
func (l *PolicyLibrary) JudgePolicyConfigMap(ctx context.Context, cm *corev1.ConfigMap) findings.Set {
	others := append([]policies.Module{}, l.Dir...)
	cms, err := l.policyConfigMaps(ctx, types.NamespacedName{Namespace: cm.Namespace, Name: cm.Name})
	if err != nil {
		var fs findings.Set
		fs.Errors = append(fs.Errors, &field.Error{Type: field.ErrorTypeInternal, Field: "data", Detail: fmt.Sprintf("cannot list the policies in force: %v", err)})
		return fs
	}
	l.mu.Lock()
	inForce := map[string]bool{}
	for _, n := range l.loaded {
		inForce[n] = true
	}
	l.mu.Unlock()
	for i := range cms {
		if inForce[cms[i].Name] {
			mods, _, _ := policies.FromConfigMap(&cms[i])
			others = append(others, mods...)
		}
	}
	return policies.JudgeConfigMap(ctx, cm, others)
}

// Reload compiles the directory's policies and every policy ConfigMap into
// the engine. A ConfigMap that does not compile with them (one that predates
// the webhook, say) is left out and logged; the others still load.
func (l *PolicyLibrary) Reload(ctx context.Context) error {
	cms, err := l.policyConfigMaps(ctx, types.NamespacedName{})
	if err != nil {
		return err
	}
	mods := append([]policies.Module{}, l.Dir...)
	var names []string
	for i := range cms {
		cm := &cms[i]
		own, _, fs := policies.FromConfigMap(cm)
		if !fs.Allowed() {
			l.Log.Error(nil, "policy ConfigMap left out", "configmap", cm.Namespace+"/"+cm.Name, "problem", findings.ErrorMessage(fs.Errors[0]))
			continue
		}
		trial := append(append([]policies.Module{}, mods...), own...)
		if _, err := policies.Compile(ctx, trial); err != nil {
			l.Log.Error(err, "policy ConfigMap left out: it does not compile with the others", "configmap", cm.Namespace+"/"+cm.Name)
			continue
		}
		mods, names = trial, append(names, cm.Name)
	}
	if err := l.Engine.Load(ctx, mods); err != nil {
		return err
	}
	l.mu.Lock()
	l.loaded = names
	l.mu.Unlock()
	l.Log.Info("policies loaded", "configmaps", names, "modules", len(mods))
	return nil
}

// Loaded names the policy ConfigMaps in the set in force.
func (l *PolicyLibrary) Loaded() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.loaded...)
}

// eventSource is an informer that takes event handlers.
type eventSource interface {
	AddEventHandler(toolscache.ResourceEventHandler) (toolscache.ResourceEventHandlerRegistration, error)
}

// Watch reloads when a policy ConfigMap changes (events are coalesced), until
// ctx ends. informer is the manager cache's ConfigMap informer; synced waits
// for the cache.
func (l *PolicyLibrary) Watch(ctx context.Context, informer eventSource, synced func(context.Context) bool) error {
	l.wake = make(chan struct{}, 1)
	poke := func(obj any) {
		if cm, ok := obj.(*corev1.ConfigMap); ok && cm.Namespace != l.Namespace {
			return
		}
		select {
		case l.wake <- struct{}{}:
		default:
		}
	}
	if _, err := informer.AddEventHandler(toolscache.ResourceEventHandlerFuncs{
		AddFunc: poke, UpdateFunc: func(_, obj any) { poke(obj) }, DeleteFunc: poke,
	}); err != nil {
		return err
	}
	synced(ctx)
	poke(nil)
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-l.wake:
			if err := l.Reload(ctx); err != nil {
				l.Log.Error(err, "policies not reloaded; the previous set stays in force")
			}
			// Coalesce a burst of changes into one reload.
			select {
			case <-ctx.Done():
				return nil
			case <-time.After(100 * time.Millisecond):
			}
		}
	}
}

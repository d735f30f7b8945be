package webhook

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-logr/logr"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	networkingv1 "k8s.io/api/networking/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/validation"
	toolscache "k8s.io/client-go/tools/cache"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/seed-d040b84d/portcullis/lib/validate"
)

// ClassConditionName is the match condition of the Ingress webhooks (the
// validating one and the mutating one) that says which Ingresses reach the
// server: those of the classes portcullis serves, and those of no class.
const ClassConditionName = "portcullis-class-or-none"

// ClassExpression is the CEL expression of the class condition for the
// classes: an Ingress reaches the server when spec.ingressClassName or the
// legacy kubernetes.io/ingress.class annotation names one of them, or when it
// names no class at all (the server decides those with
// --watch-ingress-without-class). The shipped webhook configurations carry
// ClassExpression([]string{"portcullis"}), folded over lines.
func ClassExpression(classes []string) string {
	quoted := make([]string, len(classes))
	for i, c := range classes {
		quoted[i] = "'" + c + "'" // class names are DNS subdomains (Classes): no quote or backslash
	}
	list := "[" + strings.Join(quoted, ", ") + "]"
	return "(has(object.spec.ingressClassName) && object.spec.ingressClassName in " + list + ") || " +
		"(has(object.metadata.annotations) && '" + validate.LegacyClassAnnotation + "' in object.metadata.annotations && " +
		"object.metadata.annotations['" + validate.LegacyClassAnnotation + "'] in " + list + ") || " +
		"(!has(object.spec.ingressClassName) && " +
		"!(has(object.metadata.annotations) && '" + validate.LegacyClassAnnotation + "' in object.metadata.annotations))"
}

// ClassConditions keeps the class condition of the Ingress webhooks in step
// with the classes the controller serves: Class (--ingress-class) and every
// IngressClass whose spec.controller is validate.ControllerName. Without it,
// an IngressClass of ours named other than Class would be served by the
// controller but its Ingresses never sent to the webhook.
//
// It patches only the class condition's expression (a JSON patch that first
// tests the webhook's and the condition's names), so a concurrent caBundle
// update by the certificate rotator or cert-manager is never overwritten.
type ClassConditions struct {
	// Client reads and patches the webhook configurations by name (get and
	// patch are all the installed RBAC allows on them: no list or watch).
	Client client.Client
	// Cache holds the IngressClasses (the manager's cache).
	Cache cache.Cache
	// Class is the class that is ours by name (--ingress-class).
	Class string
	// ValidatingConfigs and MutatingConfigs name the configurations whose
	// Ingress webhooks carry the condition; a missing one is skipped.
	ValidatingConfigs, MutatingConfigs []string
	Log                                logr.Logger
	// Resync is how often the configurations are checked though no
	// IngressClass changed, to undo another writer (kubectl apply, a Helm
	// upgrade) putting back a shorter list; a minute if zero.
	Resync time.Duration
}

// Start syncs once the cache has synced, after every IngressClass change and
// every Resync, until ctx ends. A failed sync is logged and retried at the
// next of those.
func (c *ClassConditions) Start(ctx context.Context) error {
	inf, err := c.Cache.GetInformer(ctx, &networkingv1.IngressClass{})
	if err != nil {
		return err
	}
	changed := make(chan struct{}, 1)
	poke := func() {
		select {
		case changed <- struct{}{}:
		default:
		}
	}
	reg, err := inf.AddEventHandler(toolscache.ResourceEventHandlerFuncs{
		AddFunc:    func(any) { poke() },
		UpdateFunc: func(any, any) { poke() },
		DeleteFunc: func(any) { poke() },
	})
	if err != nil {
		return err
	}
	defer func() { _ = inf.RemoveEventHandler(reg) }()
	if !c.Cache.WaitForCacheSync(ctx) {
		return nil
	}
	resync := c.Resync
	if resync <= 0 {
		resync = time.Minute
	}
	t := time.NewTicker(resync)
	defer t.Stop()
	for {
		if err := c.Sync(ctx); err != nil && ctx.Err() == nil {
			c.Log.Error(err, "the Ingress webhooks' class condition is not in step with the IngressClasses of ours; Ingresses of a missing class are judged only by the controller until it is")
		}
		select {
		case <-ctx.Done():
			return nil
		case <-changed:
		case <-t.C:
		}
	}
}

// NeedLeaderElection is false: every webhook replica keeps the condition
// (the patch is idempotent), so it holds while any of them runs.
func (*ClassConditions) NeedLeaderElection() bool { return false }

// Classes are the classes the controller serves, sorted: Class and the
// IngressClasses whose spec.controller is ours.
func (c *ClassConditions) Classes(ctx context.Context) ([]string, error) {
	var list networkingv1.IngressClassList
	if err := c.Cache.List(ctx, &list); err != nil {
		return nil, fmt.Errorf("list IngressClasses: %w", err)
	}
	names := []string{c.Class}
	for _, ic := range list.Items {
		if ic.Spec.Controller == validate.ControllerName && len(validation.IsDNS1123Subdomain(ic.Name)) == 0 {
			names = append(names, ic.Name)
		}
	}
	slices.Sort(names)
	return slices.Compact(names), nil
}

// Sync patches the class condition of the named configurations' webhooks
// where its expression is not the one for Classes.
func (c *ClassConditions) Sync(ctx context.Context) error {
	classes, err := c.Classes(ctx)
	if err != nil {
		return err
	}
	want := ClassExpression(classes)
	var errs []error
	for _, name := range c.ValidatingConfigs {
		cfg := &admissionregistrationv1.ValidatingWebhookConfiguration{}
		errs = append(errs, c.patch(ctx, "ValidatingWebhookConfiguration", name, cfg, classes, want, func() []webhookConditions {
			out := make([]webhookConditions, len(cfg.Webhooks))
			for i, w := range cfg.Webhooks {
				out[i] = webhookConditions{w.Name, w.MatchConditions}
			}
			return out
		}))
	}
	for _, name := range c.MutatingConfigs {
		cfg := &admissionregistrationv1.MutatingWebhookConfiguration{}
		errs = append(errs, c.patch(ctx, "MutatingWebhookConfiguration", name, cfg, classes, want, func() []webhookConditions {
			out := make([]webhookConditions, len(cfg.Webhooks))
			for i, w := range cfg.Webhooks {
				out[i] = webhookConditions{w.Name, w.MatchConditions}
			}
			return out
		}))
	}
	return errors.Join(errs...)
}

// webhookConditions are one webhook's name and match conditions.
type webhookConditions struct {
	name       string
	conditions []admissionregistrationv1.MatchCondition
}

// jsonPatchOp is one RFC 6902 operation.
type jsonPatchOp struct {
	Op    string `json:"op"`
	Path  string `json:"path"`
	Value string `json:"value"`
}

// patch reads the configuration name into cfg and replaces every class
// condition whose expression is not want.
func (c *ClassConditions) patch(ctx context.Context, kind, name string, cfg client.Object, classes []string, want string, webhooks func() []webhookConditions) error {
	if err := c.Client.Get(ctx, client.ObjectKey{Name: name}, cfg); err != nil {
		if apierrors.IsNotFound(err) {
			return nil
		}
		return fmt.Errorf("read %s %s: %w", kind, name, err)
	}
	var ops []jsonPatchOp
	for i, w := range webhooks() {
		for j, mc := range w.conditions {
			if mc.Name != ClassConditionName || mc.Expression == want {
				continue
			}
			at := "/webhooks/" + strconv.Itoa(i)
			ops = append(ops,
				jsonPatchOp{Op: "test", Path: at + "/name", Value: w.name},
				jsonPatchOp{Op: "test", Path: at + "/matchConditions/" + strconv.Itoa(j) + "/name", Value: ClassConditionName},
				jsonPatchOp{Op: "replace", Path: at + "/matchConditions/" + strconv.Itoa(j) + "/expression", Value: want})
		}
	}
	if len(ops) == 0 {
		return nil
	}
	body, err := json.Marshal(ops)
	if err != nil {
		return err
	}
	if err := c.Client.Patch(ctx, cfg, client.RawPatch(types.JSONPatchType, body)); err != nil {
		return fmt.Errorf("patch the class condition of %s %s: %w", kind, name, err)
	}
	c.Log.Info("the Ingress webhooks now receive the Ingresses of the classes served", "configuration", kind+"/"+name, "classes", classes)
	return nil
}

package cluster

import (
	"context"
	"slices"
	"time"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	nginxv1 "github.com/seed-d040b84d/portcullis/lib/apis/k8snginx/v1"
	"github.com/seed-d040b84d/portcullis/lib/world"
)

// lookupTimeout bounds one lookup; the cache answers from memory, so it only
// matters before the cache has synced.
const lookupTimeout = 2 * time.Second

// CacheResolver is lib's Resolver over a controller-runtime reader (the
// manager's cache). Objects it returns are shared with the cache and must not
// be modified; lib only reads them.
type CacheResolver struct {
	Reader client.Reader
}

func (r CacheResolver) get(namespace, name string, obj client.Object) bool {
	ctx, cancel := context.WithTimeout(context.Background(), lookupTimeout)
	defer cancel()
	return r.Reader.Get(ctx, client.ObjectKey{Namespace: namespace, Name: name}, obj) == nil
}

// Secret implements world.Resolver.
func (r CacheResolver) Secret(namespace, name string) (*corev1.Secret, bool) {
	var o corev1.Secret
	return &o, r.get(namespace, name, &o)
}

// Policy implements world.Resolver.
func (r CacheResolver) Policy(namespace, name string) (*nginxv1.Policy, bool) {
	var o nginxv1.Policy
	return &o, r.get(namespace, name, &o)
}

// Namespace implements world.Resolver.
func (r CacheResolver) Namespace(name string) (*corev1.Namespace, bool) {
	var o corev1.Namespace
	return &o, r.get("", name, &o)
}

// Service implements world.Resolver.
func (r CacheResolver) Service(namespace, name string) (*corev1.Service, bool) {
	var o corev1.Service
	return &o, r.get(namespace, name, &o)
}

// IngressClass implements world.Resolver.
func (r CacheResolver) IngressClass(name string) (*networkingv1.IngressClass, bool) {
	var o networkingv1.IngressClass
	return &o, r.get("", name, &o)
}

// Ingresses implements world.Resolver. The list is not deep-copied: lib only
// reads it, and copying every Ingress per admission would dominate its cost.
func (r CacheResolver) Ingresses() []*networkingv1.Ingress {
	ctx, cancel := context.WithTimeout(context.Background(), lookupTimeout)
	defer cancel()
	var list networkingv1.IngressList
	if err := r.Reader.List(ctx, &list, client.UnsafeDisableDeepCopy); err != nil {
		return nil
	}
	out := make([]*networkingv1.Ingress, len(list.Items))
	for i := range list.Items {
		out[i] = &list.Items[i]
	}
	return out
}

// ConfigMap returns a ConfigMap, for the controller's settings.
func (r CacheResolver) ConfigMap(namespace, name string) (*corev1.ConfigMap, bool) {
	var o corev1.ConfigMap
	return &o, r.get(namespace, name, &o)
}

// EndpointSlices returns a Service's EndpointSlices (label
// kubernetes.io/service-name), for the passthrough proxy's endpoints mode.
func (r CacheResolver) EndpointSlices(namespace, service string) []*discoveryv1.EndpointSlice {
	ctx, cancel := context.WithTimeout(context.Background(), lookupTimeout)
	defer cancel()
	var list discoveryv1.EndpointSliceList
	if err := r.Reader.List(ctx, &list, client.InNamespace(namespace), client.MatchingLabels{discoveryv1.LabelServiceName: service}); err != nil {
		return nil
	}
	out := make([]*discoveryv1.EndpointSlice, len(list.Items))
	for i := range list.Items {
		out[i] = &list.Items[i]
	}
	return out
}

// IngressHostField is the manager cache's index of Ingresses by rule host,
// which IngressesWithHost reads (IndexIngressHosts registers it).
const IngressHostField = "portcullis.dev/rule-host"

// IngressHostParentField is the manager cache's index of Ingresses by the
// parent domain of each rule host, which IngressesUnder reads.
const IngressHostParentField = "portcullis.dev/rule-host-parent"

// IndexIngressHosts registers the indexes of Ingresses by rule host and by
// its parent domain; call it before the cache starts.
func IndexIngressHosts(ctx context.Context, ix client.FieldIndexer) error {
	if err := ix.IndexField(ctx, &networkingv1.Ingress{}, IngressHostField, ingressHosts); err != nil {
		return err
	}
	return ix.IndexField(ctx, &networkingv1.Ingress{}, IngressHostParentField, func(o client.Object) []string {
		if ing, ok := o.(*networkingv1.Ingress); ok {
			return world.RuleHostParents(ing)
		}
		return nil
	})
}

// ingressHosts are the index keys of an Ingress.
func ingressHosts(o client.Object) []string {
	ing, ok := o.(*networkingv1.Ingress)
	if !ok {
		return nil
	}
	return world.RuleHosts(ing)
}

// IngressesWithHost implements world.HostIndex through the cache's index.
// A reader without the index (a direct client, a cache where it was not
// registered) is answered by going through every Ingress.
func (r CacheResolver) IngressesWithHost(host string) []*networkingv1.Ingress {
	return r.indexed(IngressHostField, host, world.RuleHosts)
}

// IngressesUnder implements world.HostIndex through the cache's index, like
// IngressesWithHost.
func (r CacheResolver) IngressesUnder(parent string) []*networkingv1.Ingress {
	return r.indexed(IngressHostParentField, parent, world.RuleHostParents)
}

// indexed lists the Ingresses whose index field holds value, or, without the
// index, those for which keys holds it.
func (r CacheResolver) indexed(field, value string, keys func(*networkingv1.Ingress) []string) []*networkingv1.Ingress {
	ctx, cancel := context.WithTimeout(context.Background(), lookupTimeout)
	defer cancel()
	var list networkingv1.IngressList
	if err := r.Reader.List(ctx, &list, client.MatchingFields{field: value}, client.UnsafeDisableDeepCopy); err != nil {
		var out []*networkingv1.Ingress
		for _, ing := range r.Ingresses() {
			if slices.Contains(keys(ing), value) {
				out = append(out, ing)
			}
		}
		return out
	}
	out := make([]*networkingv1.Ingress, len(list.Items))
	for i := range list.Items {
		out[i] = &list.Items[i]
	}
	return out
}

package validate

import (
	"fmt"
	"slices"

	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/seed-d040b84d/portcullis/lib/config"
	"github.com/seed-d040b84d/portcullis/lib/intent"
	"github.com/seed-d040b84d/portcullis/lib/world"
)

// HostClaim is a host an Ingress names that another namespace owns: the
// Ingress is refused, and the owner is told which Ingress tried.
type HostClaim struct {
	// Host is the host as this Ingress's rule names it.
	Host string
	// Owner is the Ingress whose namespace owns the host.
	Owner intent.ObjectRef
	// OwnerHost is the owner's rule host that covers Host (equal to it, or
	// a wildcard covering it, or a name the wildcard Host covers).
	OwnerHost string
}

// tenancy refuses hosts another namespace owns (docs/security.md,
// "Tenancy"). A host belongs to the namespace of the oldest Ingress of ours
// that names it or a name it covers, unless that Ingress is itself refused
// for the same reason; another namespace may add to it only when the
// ConfigMap sets allow-cross-namespace-hosts or the owner's namespace lists
// it in portcullis.dev/share-hosts-with.
func (b *builder) tenancy() {
	if b.v.opts.Config.AllowCrossNamespaceHosts {
		return
	}
	for _, name := range b.order {
		if name == "" {
			continue
		}
		owner, ownerHost := b.hostOwner(b.ing, name, true)
		if owner == nil || owner.Namespace == b.ing.Namespace {
			continue
		}
		shared, why := sharedWith(b.r, owner.Namespace, b.ing.Namespace)
		if shared {
			continue
		}
		names := "names it"
		if ownerHost != name {
			names = fmt.Sprintf("names %q, which overlaps it,", ownerHost)
		}
		b.fs.Errorf(field.NewPath("spec", "rules").Index(b.hosts[name].rule).Child("host"), name,
			"host %q belongs to namespace %q: Ingress %s/%s %s and is older; this Ingress is not served until namespace %q lists %q in its annotation %s (or the controller ConfigMap sets allow-cross-namespace-hosts: \"true\")%s",
			name, owner.Namespace, owner.Namespace, owner.Name, names, owner.Namespace, b.ing.Namespace, config.ShareHostsWithAnnotation, why)
		b.claims = append(b.claims, HostClaim{Host: name, Owner: intent.ObjectRef{Namespace: owner.Namespace, Name: owner.Name}, OwnerHost: ownerHost})
	}
}

// hostOwner is the Ingress of ours whose namespace owns host as ing names
// it, and the owner's rule host that overlaps it; nil when ing itself is
// the oldest. With vetted, a candidate that another namespace's older
// Ingress already owns is passed over: an Ingress refused for taking a host
// does not own the names its wildcard covers.
func (b *builder) hostOwner(ing *networkingv1.Ingress, host string, vetted bool) (*networkingv1.Ingress, string) {
	var owner *networkingv1.Ingress
	ownerHost := ""
	for _, other := range world.IngressesOverlapping(b.r, host) {
		if other.Namespace == ing.Namespace && other.Name == ing.Name {
			continue
		}
		if !older(other, ing) || (owner != nil && !older(other, owner)) {
			continue
		}
		if _, ours, _ := IngressClassOf(other, b.r, b.v.opts.Class); !ours {
			continue
		}
		theirs := overlappingHost(other, host)
		if vetted && b.intruder(other, theirs) {
			continue
		}
		owner, ownerHost = other, theirs
	}
	return owner, ownerHost
}

// intruder reports whether ing names host in a namespace that does not own
// it (one level: the owner found is not vetted in turn).
func (b *builder) intruder(ing *networkingv1.Ingress, host string) bool {
	owner, _ := b.hostOwner(ing, host, false)
	if owner == nil || owner.Namespace == ing.Namespace {
		return false
	}
	shared, _ := sharedWith(b.r, owner.Namespace, ing.Namespace)
	return !shared
}

// overlappingHost is ing's first rule host that overlaps host.
func overlappingHost(ing *networkingv1.Ingress, host string) string {
	hosts := world.RuleHosts(ing)
	if i := slices.IndexFunc(hosts, func(h string) bool { return world.HostsOverlap(h, host) }); i >= 0 {
		return hosts[i]
	}
	return host
}

// sharedWith reports whether namespace owner lets namespace other add to its
// hosts (portcullis.dev/share-hosts-with); when the annotation is present
// but invalid, why says so (the hosts are then not shared).
func sharedWith(r world.Resolver, owner, other string) (bool, string) {
	ns, ok := r.Namespace(owner)
	if !ok {
		return false, ""
	}
	v, ok := ns.Annotations[config.ShareHostsWithAnnotation]
	if !ok {
		return false, ""
	}
	list, err := config.ParseShareHostsWith(v)
	if err != nil {
		return false, fmt.Sprintf(" (namespace %q's %s is invalid, so it shares nothing: %v)", owner, config.ShareHostsWithAnnotation, err)
	}
	return slices.Contains(list, other), ""
}

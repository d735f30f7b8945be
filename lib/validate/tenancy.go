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
// "Tenancy"). Each rule host of an Ingress is a claim on the names it
// covers. Going through the Ingresses of ours oldest first, a claim is
// granted unless a granted claim of another namespace overlaps it, and that
// namespace does not share its hosts with the claimant's
// (portcullis.dev/share-hosts-with); this Ingress's claim is refused naming
// the oldest such claim. allow-cross-namespace-hosts turns the rule off.
func (b *builder) tenancy() {
	if b.v.opts.Config.AllowCrossNamespaceHosts {
		return
	}
	for _, name := range b.order {
		if name == "" {
			continue
		}
		owner, why := b.hostOwner(name)
		if owner == nil {
			continue
		}
		names := "names it"
		if owner.host != name {
			names = fmt.Sprintf("names %q, which overlaps it,", owner.host)
		}
		o := owner.ing
		b.fs.Errorf(field.NewPath("spec", "rules").Index(b.hosts[name].rule).Child("host"), name,
			"host %q belongs to namespace %q: Ingress %s/%s %s and is older; this Ingress is not served until namespace %q lists %q in its annotation %s (or the controller ConfigMap sets allow-cross-namespace-hosts: \"true\")%s",
			name, o.Namespace, o.Namespace, o.Name, names, o.Namespace, b.ing.Namespace, config.ShareHostsWithAnnotation, why)
		b.claims = append(b.claims, HostClaim{Host: name, Owner: intent.ObjectRef{Namespace: o.Namespace, Name: o.Name}, OwnerHost: owner.host})
	}
}

// claim is one rule host of one Ingress.
type claim struct {
	ing  *networkingv1.Ingress
	host string
}

// hostOwner replays the claims older than this Ingress's on names host
// overlaps, oldest first, and returns the oldest granted claim of another
// namespace that keeps host from this Ingress (nil when none does), and why
// its namespace shares nothing when its annotation is invalid.
func (b *builder) hostOwner(host string) (*claim, string) {
	parent := world.HostParent(host)
	wildcard := "*." + parent
	// Only claims on host and on the wildcard above it decide an exact
	// host, unless an older wildcard is there: whether that one was granted
	// depends on every name under it.
	relevant := func(h string) bool { return h == host || h == wildcard }
	cands := b.olderOfOurs(world.IngressesWithHost(b.r, host))
	if wild := b.olderOfOurs(world.IngressesWithHost(b.r, wildcard)); len(wild) > 0 || host == wildcard {
		cands = b.olderOfOurs(world.IngressesUnder(b.r, parent))
		relevant = func(h string) bool { return world.HostParent(h) == parent }
	}
	slices.SortFunc(cands, func(x, y *networkingv1.Ingress) int {
		if older(x, y) {
			return -1
		}
		return 1
	})
	shares := map[[2]string]bool{}
	why := map[string]string{}
	shared := func(owner, other string) bool {
		k := [2]string{owner, other}
		v, ok := shares[k]
		if !ok {
			v, why[owner] = sharedWith(b.r, owner, other)
			shares[k] = v
		}
		return v
	}
	blocker := func(granted []claim, ns, h string) *claim {
		for i, g := range granted {
			if g.ing.Namespace != ns && world.HostsOverlap(g.host, h) && !shared(g.ing.Namespace, ns) {
				return &granted[i]
			}
		}
		return nil
	}
	var granted []claim
	for _, c := range cands {
		for _, h := range world.RuleHosts(c) {
			if relevant(h) && blocker(granted, c.Namespace, h) == nil {
				granted = append(granted, claim{c, h})
			}
		}
	}
	if o := blocker(granted, b.ing.Namespace, host); o != nil {
		return o, why[o.ing.Namespace]
	}
	return nil, ""
}

// olderOfOurs are the Ingresses of ours among ings that are older than the
// one being judged.
func (b *builder) olderOfOurs(ings []*networkingv1.Ingress) []*networkingv1.Ingress {
	var out []*networkingv1.Ingress
	for _, o := range ings {
		if (o.Namespace == b.ing.Namespace && o.Name == b.ing.Name) || !older(o, b.ing) {
			continue
		}
		if _, ours, _ := IngressClassOf(o, b.r, b.v.opts.Class); ours {
			out = append(out, o)
		}
	}
	return out
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

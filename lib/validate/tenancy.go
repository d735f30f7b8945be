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
// the oldest such claim. Creation times have whole seconds: two claims that
// block each other and were created in the same second have no order, so
// both are refused and both keep every other namespace out (fail closed:
// which namespace's name sorts first must not decide who gets a host).
// allow-cross-namespace-hosts turns the rule off.
func (b *builder) tenancy() {
	if b.v.opts.Config.AllowCrossNamespaceHosts {
		return
	}
	for _, name := range b.order {
		if name == "" {
			continue
		}
		owner, tie, why := b.hostOwner(name)
		if owner == nil {
			continue
		}
		names := "names it"
		if owner.host != name {
			names = fmt.Sprintf("names %q, which overlaps it,", owner.host)
		}
		o := owner.ing
		path := field.NewPath("spec", "rules").Index(b.hosts[name].rule).Child("host")
		if tie {
			b.fs.Errorf(path, name,
				"host %q is claimed by namespace %q too: Ingress %s/%s %s and was created in the same second as this Ingress, so neither is older and neither is served; delete one of the two (or namespace %q lists %q in its annotation %s)%s",
				name, o.Namespace, o.Namespace, o.Name, names, o.Namespace, b.ing.Namespace, config.ShareHostsWithAnnotation, why)
		} else {
			b.fs.Errorf(path, name,
				"host %q belongs to namespace %q: Ingress %s/%s %s and is older; this Ingress is not served until namespace %q lists %q in its annotation %s (or the controller ConfigMap sets allow-cross-namespace-hosts: \"true\")%s",
				name, o.Namespace, o.Namespace, o.Name, names, o.Namespace, b.ing.Namespace, config.ShareHostsWithAnnotation, why)
		}
		b.claims = append(b.claims, HostClaim{Host: name, Owner: intent.ObjectRef{Namespace: o.Namespace, Name: o.Name}, OwnerHost: owner.host})
	}
}

// claim is one rule host of one Ingress.
type claim struct {
	ing  *networkingv1.Ingress
	host string
	// guestOf are the namespaces that owned an overlapping host and shared
	// it with this claim's namespace when the claim was granted: it is
	// their guest, and keeps none of them out of their own hosts.
	guestOf []string
}

// claimKey names a claim.
type claimKey struct{ namespace, name, host string }

func keyOf(ing *networkingv1.Ingress, host string) claimKey {
	return claimKey{ing.Namespace, ing.Name, host}
}

// batchMemo is what a Batch Validator keeps between verdicts: the replay of
// the claims under each parent domain.
type batchMemo struct {
	owners map[string]*ownership
}

// ownership replays claims under one parent domain, oldest first: a claim
// is granted unless a granted claim of another namespace that does not
// share with the claimant's overlaps it.
type ownership struct {
	r        world.Resolver
	exact    map[string][]claim // granted claims on each name, oldest first
	wild     []claim            // granted claims on the wildcard, oldest first
	allExact []claim            // every granted claim on a name, oldest first
	decided  map[claimKey]*claim
	shares   map[[2]string]bool
	shareWhy map[string]string
	wildcard string
	relevant func(host string) bool
}

func newOwnership(r world.Resolver, parent string, relevant func(string) bool) *ownership {
	return &ownership{r: r, exact: map[string][]claim{}, decided: map[claimKey]*claim{}, shares: map[[2]string]bool{},
		shareWhy: map[string]string{}, wildcard: "*." + parent, relevant: relevant}
}

// shared is sharedWith, remembered.
func (o *ownership) shared(owner, other string) bool {
	k := [2]string{owner, other}
	v, ok := o.shares[k]
	if !ok {
		v, o.shareWhy[owner] = sharedWith(o.r, owner, other)
		o.shares[k] = v
	}
	return v
}

// firstForeign is the oldest claim of granted whose namespace is not ns,
// does not share with it, and is not ns's guest.
func (o *ownership) firstForeign(granted []claim, ns string) *claim {
	for i, g := range granted {
		if g.ing.Namespace != ns && !o.shared(g.ing.Namespace, ns) && !slices.Contains(g.guestOf, ns) {
			return &granted[i]
		}
	}
	return nil
}

// blocker is the oldest granted claim that keeps host from namespace ns.
func (o *ownership) blocker(ns, host string) *claim {
	var a, b *claim
	if host == o.wildcard {
		a, b = o.firstForeign(o.wild, ns), o.firstForeign(o.allExact, ns)
	} else {
		a, b = o.firstForeign(o.exact[host], ns), o.firstForeign(o.wild, ns)
	}
	if a == nil || (b != nil && older(b.ing, a.ing)) {
		return b
	}
	return a
}

// replay goes through ings (sorted oldest first) and grants or refuses each
// of their claims on relevant hosts, one creation second at a time: a claim
// that a granted older claim blocks is refused naming it; the others of the
// second are granted, and each of them that overlaps a claim of the same
// second from a namespace that neither shares with nor is shared with is
// refused too, naming the first such rival (there is no order between the
// two). Claims of one second never decide one another's grant, so the
// verdicts do not depend on which Ingresses of a second are in ings.
func (o *ownership) replay(ings []*networkingv1.Ingress) {
	for len(ings) > 0 {
		n := 1
		for n < len(ings) && sameSecond(ings[0], ings[n]) {
			n++
		}
		o.replaySecond(ings[:n])
		ings = ings[n:]
	}
}

// replaySecond replays the claims of Ingresses created in one second.
func (o *ownership) replaySecond(ings []*networkingv1.Ingress) {
	var open []claim // the claims no older claim blocks
	for _, ing := range ings {
		for _, h := range world.RuleHosts(ing) {
			if !o.relevant(h) {
				continue
			}
			if blk := o.blocker(ing.Namespace, h); blk != nil {
				o.decided[keyOf(ing, h)] = blk
				continue
			}
			open = append(open, claim{ing: ing, host: h})
		}
	}
	for i, c := range open {
		o.decided[keyOf(c.ing, c.host)] = o.rival(c, open)
		open[i].guestOf = o.hostsOf(c, open)
	}
	for _, c := range open {
		if c.host == o.wildcard {
			o.wild = append(o.wild, c)
		} else {
			o.exact[c.host] = append(o.exact[c.host], c)
			o.allExact = append(o.allExact, c)
		}
	}
}

// hostsOf are the namespaces other than c's whose granted claims, or claims
// of the same second in same, overlap c and that share with c's namespace.
func (o *ownership) hostsOf(c claim, same []claim) []string {
	granted := [][]claim{o.exact[c.host], o.wild, same}
	if c.host == o.wildcard {
		granted[0] = o.allExact
	}
	var hosts []string
	for _, list := range granted {
		for _, g := range list {
			ns := g.ing.Namespace
			if ns != c.ing.Namespace && world.HostsOverlap(c.host, g.host) && !slices.Contains(hosts, ns) && o.shared(ns, c.ing.Namespace) {
				hosts = append(hosts, ns)
			}
		}
	}
	return hosts
}

// rival is the first claim of same (claims created in the same second as c)
// that overlaps c, of a namespace that does not share with c's and that c's
// does not share with; nil when there is none.
func (o *ownership) rival(c claim, same []claim) *claim {
	for i, d := range same {
		if d.ing.Namespace != c.ing.Namespace && world.HostsOverlap(c.host, d.host) &&
			!o.shared(d.ing.Namespace, c.ing.Namespace) && !o.shared(c.ing.Namespace, d.ing.Namespace) {
			return &same[i]
		}
	}
	return nil
}

// hostOwner is the claim of another namespace that keeps host from this
// Ingress (nil when none does), whether that claim was created in the same
// second as this one (a tie: neither is served), and why its namespace
// shares nothing when its annotation is invalid.
func (b *builder) hostOwner(host string) (*claim, bool, string) {
	parent := world.HostParent(host)
	// olderOnly: the candidates that claimed before this Ingress or in the
	// same second; a host an update adds comes after all of them.
	olderOnly := !b.claimedNow[host]
	if m := b.v.batch; m != nil && olderOnly {
		o := m.owners[parent]
		if o == nil {
			o = newOwnership(b.r, parent, func(h string) bool { return world.HostParent(h) == parent })
			o.replay(b.sorted(b.ofOurs(world.IngressesUnder(b.r, parent))))
			m.owners[parent] = o
		}
		if blk, ok := o.decided[keyOf(b.ing, host)]; ok {
			return o.verdict(blk, b.ing)
		}
		// Not in the world the batch replayed: judged on its own below.
	}
	wildcard := "*." + parent
	// Only claims on host and on the wildcard above it decide a name,
	// unless an older wildcard is there: whether that one was granted
	// depends on every name under it.
	cands := b.others(world.IngressesWithHost(b.r, host), olderOnly)
	relevant := func(h string) bool { return h == host || h == wildcard }
	if host == wildcard || len(b.others(world.IngressesWithHost(b.r, wildcard), olderOnly)) > 0 {
		cands = b.others(world.IngressesUnder(b.r, parent), olderOnly)
		relevant = func(h string) bool { return world.HostParent(h) == parent }
	}
	o := newOwnership(b.r, parent, relevant)
	if olderOnly && slices.Contains(world.RuleHosts(b.ing), host) {
		// In its place among the others, as the batch replays it.
		o.replay(b.sorted(append(cands, b.ing)))
		return o.verdict(o.decided[keyOf(b.ing, host)], b.ing)
	}
	// A host an update adds, or one this Ingress would serve without
	// naming it (from-to-www-redirect): after every claim replayed.
	o.replay(b.sorted(cands))
	if blk := o.blocker(b.ing.Namespace, host); blk != nil {
		return blk, olderOnly && sameSecond(blk.ing, b.ing), o.shareWhy[blk.ing.Namespace] + o.contested(blk, b.ing)
	}
	return nil, false, ""
}

// verdict is hostOwner's answer for ing's claim, which blk keeps out (nil:
// granted, and served).
func (o *ownership) verdict(blk *claim, ing *networkingv1.Ingress) (*claim, bool, string) {
	if blk == nil {
		return nil, false, ""
	}
	return blk, sameSecond(blk.ing, ing), o.shareWhy[blk.ing.Namespace] + o.contested(blk, ing)
}

// contested says why blk, which keeps a host from ing, is not served
// itself: it was created in the same second as a claim of another namespace
// (empty when it is served, or when ing is its rival: the denial says so).
func (o *ownership) contested(blk *claim, ing *networkingv1.Ingress) string {
	rival := o.decided[keyOf(blk.ing, blk.host)]
	if rival == nil || !sameSecond(rival.ing, blk.ing) || sameSecond(blk.ing, ing) {
		return ""
	}
	return fmt.Sprintf(" (Ingress %s/%s is not served either: it and Ingress %s/%s were created in the same second, so neither namespace gets the host until one of the two is deleted)",
		blk.ing.Namespace, blk.ing.Name, rival.ing.Namespace, rival.ing.Name)
}

// ofOurs are the Ingresses of ours among ings.
func (b *builder) ofOurs(ings []*networkingv1.Ingress) []*networkingv1.Ingress {
	var out []*networkingv1.Ingress
	for _, o := range ings {
		if _, ours, _ := IngressClassOf(o, b.r, b.v.opts.Class); ours {
			out = append(out, o)
		}
	}
	return out
}

// others are the Ingresses of ours among ings other than the one being
// judged; with olderOnly, only those older than it or created in the same
// second.
func (b *builder) others(ings []*networkingv1.Ingress, olderOnly bool) []*networkingv1.Ingress {
	return slices.DeleteFunc(b.ofOurs(ings), func(o *networkingv1.Ingress) bool {
		return (o.Namespace == b.ing.Namespace && o.Name == b.ing.Name) || (olderOnly && !older(o, b.ing) && !sameSecond(o, b.ing))
	})
}

// sorted orders Ingresses oldest first.
func (b *builder) sorted(ings []*networkingv1.Ingress) []*networkingv1.Ingress {
	slices.SortFunc(ings, func(x, y *networkingv1.Ingress) int {
		switch {
		case older(x, y):
			return -1
		case older(y, x):
			return 1
		}
		return 0
	})
	return ings
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

// sameSecond reports whether a and b were both created in the same second
// (creation times have no finer resolution), so neither is older.
func sameSecond(a, b *networkingv1.Ingress) bool {
	at, bt := a.CreationTimestamp, b.CreationTimestamp
	return !at.IsZero() && at.Equal(&bt)
}

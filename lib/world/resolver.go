// Package world is what lib judges an object against: the Resolver interface
// through which it looks up Secrets, Policies, Namespaces, Services,
// IngressClasses and the other Ingresses, and a Static resolver over a fixed
// set of objects (lint's files, tests). Reading those files is lib/manifest's.
package world

import (
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"

	nginxv1 "github.com/seed-d040b84d/portcullis/lib/apis/k8snginx/v1"
)

// Resolver looks up the objects an Ingress refers to. The webhook backs it with
// the manager's cache, the controller with its cache and lint with the files it
// was given; lib has no Kubernetes client of its own. Lookups return false when
// the object does not exist. Returned objects must not be modified.
type Resolver interface {
	Secret(namespace, name string) (*corev1.Secret, bool)
	Policy(namespace, name string) (*nginxv1.Policy, bool)
	Namespace(name string) (*corev1.Namespace, bool)
	Service(namespace, name string) (*corev1.Service, bool)
	IngressClass(name string) (*networkingv1.IngressClass, bool)
	// Ingresses returns every Ingress known, in any order; callers filter by class.
	Ingresses() []*networkingv1.Ingress
}

// HostIndex is implemented by a Resolver that finds the Ingresses with a rule
// for a host without going through every Ingress. Judging one Ingress
// compares it with the others that share its hosts; with an index, judging
// every Ingress of a cluster stays linear in their number.
type HostIndex interface {
	// IngressesWithHost returns every Ingress with a rule for host (as
	// RuleHosts lists them), in any order.
	IngressesWithHost(host string) []*networkingv1.Ingress
	// IngressesUnder returns every Ingress with a rule for a host whose
	// HostParent is parent (a name or a wildcard one label under it), in
	// any order.
	IngressesUnder(parent string) []*networkingv1.Ingress
}

// IngressesWithHost returns the Ingresses with a rule for host: through r's
// index when it has one, else by going through r.Ingresses().
func IngressesWithHost(r Resolver, host string) []*networkingv1.Ingress {
	if ix, ok := r.(HostIndex); ok {
		return ix.IngressesWithHost(host)
	}
	var out []*networkingv1.Ingress
	for _, ing := range r.Ingresses() {
		for _, h := range RuleHosts(ing) {
			if h == host {
				out = append(out, ing)
				break
			}
		}
	}
	return out
}

// IngressesUnder returns the Ingresses with a rule for a host whose
// HostParent is parent: through r's index when it has one, else by going
// through r.Ingresses().
func IngressesUnder(r Resolver, parent string) []*networkingv1.Ingress {
	if ix, ok := r.(HostIndex); ok {
		return ix.IngressesUnder(parent)
	}
	var out []*networkingv1.Ingress
	for _, ing := range r.Ingresses() {
		if slices.Contains(RuleHostParents(ing), parent) {
			out = append(out, ing)
		}
	}
	return out
}

// HostParent is the domain one label above a rule host: "example.com" for
// both "www.example.com" and "*.example.com"; "" for a single label. Two
// hosts can share a name only when they have the same parent.
func HostParent(host string) string {
	_, parent, _ := strings.Cut(host, ".")
	return parent
}

// HostsOverlap reports whether two rule hosts share a name: they are equal,
// or one is a wildcard whose single label covers the other (an Ingress
// wildcard "*.example.com" covers "www.example.com", not "example.com" nor
// "a.b.example.com").
func HostsOverlap(a, b string) bool {
	if a == b {
		return true
	}
	if HostParent(a) != HostParent(b) || HostParent(a) == "" {
		return false
	}
	return strings.HasPrefix(a, "*.") || strings.HasPrefix(b, "*.")
}

// RuleHosts are the distinct non-empty hosts of an Ingress's rules, in
// rule order: the keys of a host index.
func RuleHosts(ing *networkingv1.Ingress) []string {
	var out []string
	for _, r := range ing.Spec.Rules {
		if r.Host != "" && !slices.Contains(out, r.Host) {
			out = append(out, r.Host)
		}
	}
	return out
}

// RuleHostParents are the distinct HostParents of an Ingress's rule hosts:
// the keys of the index IngressesUnder reads.
func RuleHostParents(ing *networkingv1.Ingress) []string {
	var out []string
	for _, h := range RuleHosts(ing) {
		if p := HostParent(h); !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	return out
}

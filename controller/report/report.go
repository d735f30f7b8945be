// Package report tells users what the data plane did with their Ingresses,
// where kubectl shows it: an event on each Ingress when its outcome changes
// (Rejected, Degraded, Programmed), and status.loadBalancer.ingress on the
// Ingresses nginx serves. Only the leader reports; every replica serves.
package report

import (
	"context"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"sync"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/seed-d040b84d/portcullis/controller/dataplane"
	"github.com/seed-d040b84d/portcullis/lib/intent"
)

// Event reasons.
const (
	// Rejected: lib refuses the Ingress; none of it is served.
	Rejected = "Rejected"
	// Degraded: the Ingress is served, but some of its hosts or paths fail
	// closed or fall back to the default certificate.
	Degraded = "Degraded"
	// Programmed: everything the Ingress asks for is in force in nginx.
	Programmed = "Programmed"
	// ConfigurationRefused: the controller ConfigMap does not parse; the
	// last good configuration stays in force (an event on the ConfigMap).
	ConfigurationRefused = "ConfigurationRefused"
	// HostClaimRefused: an Ingress of another namespace names a host this
	// Ingress's namespace owns, and is refused (an event on the owner).
	HostClaimRefused = "HostClaimRefused"
)

// maxMessage bounds an event's message (the API server's limit is 1 KiB).
const maxMessage = 1000

// Outcome is what the model does with one Ingress.
type Outcome struct {
	Ingress *networkingv1.Ingress
	// Reason is Rejected, Degraded or Programmed.
	Reason  string
	Message string
}

// Warning reports whether the outcome is a Warning event (else Normal).
func (o Outcome) Warning() bool { return o.Reason != Programmed }

// Outcomes says, for every Ingress the model was built from, whether it is
// refused, served in part, or served whole, and why, in the order of ings.
func Outcomes(ings []dataplane.Ingress, m *dataplane.Model, generation string) []Outcome {
	refused := map[intent.ObjectRef]string{}
	for _, r := range m.Refused {
		refused[r.Ingress] = r.Reason
	}
	servers := map[string]*dataplane.Server{}
	for i := range m.Servers {
		servers[m.Servers[i].Host] = &m.Servers[i]
	}
	failing := map[intent.ObjectRef][]string{}
	for _, s := range m.Servers {
		for _, l := range s.Locations {
			if l.Status != 0 {
				failing[l.Source] = append(failing[l.Source], fmt.Sprintf("%s%s answers %d: %s", s.Host, l.Path, l.Status, l.Reason))
			}
		}
	}
	for _, l := range m.Default.Locations {
		if l.Status != 0 {
			failing[l.Source] = append(failing[l.Source], fmt.Sprintf("%s (no host) answers %d: %s", l.Path, l.Status, l.Reason))
		}
	}

	out := make([]Outcome, 0, len(ings))
	for _, ing := range ings {
		ref := intent.ObjectRef{Namespace: ing.Object.Namespace, Name: ing.Object.Name}
		if why, ok := refused[ref]; ok {
			out = append(out, Outcome{Ingress: ing.Object, Reason: Rejected, Message: clip("not served: " + why)})
			continue
		}
		problems := slices.Clone(failing[ref])
		if in := ing.Verdict.Intent; in != nil {
			for _, h := range in.Hosts {
				s, ok := servers[h.Name]
				switch {
				case !ok:
				case s.Reject:
					problems = append(problems, fmt.Sprintf("%s refuses TLS handshakes: %s", h.Name, s.Reason))
				case s.Status != 0:
					problems = append(problems, fmt.Sprintf("%s answers %d: %s", h.Name, s.Status, s.Reason))
				case h.TLS != nil && h.TLS.Certificate == intent.CertDefault && h.TLS.Secret != nil:
					problems = append(problems, fmt.Sprintf("%s is served with the default certificate until secret %s is usable", h.Name, h.TLS.Secret))
				}
			}
		}
		if len(problems) > 0 {
			slices.Sort(problems)
			out = append(out, Outcome{Ingress: ing.Object, Reason: Degraded, Message: clip("served in part: " + strings.Join(problems, "; "))})
			continue
		}
		out = append(out, Outcome{Ingress: ing.Object, Reason: Programmed, Message: "in force in nginx (configuration " + generation + ")"})
	}
	return out
}

// Claims says, for every Ingress that owns a host another namespace's
// Ingress tried to add to, which Ingresses tried: one HostClaimRefused
// outcome per owner, in the order of ings.
func Claims(ings []dataplane.Ingress) []Outcome {
	tries := map[intent.ObjectRef][]string{}
	for _, ing := range ings {
		for _, c := range ing.Verdict.HostClaims {
			tries[c.Owner] = append(tries[c.Owner], fmt.Sprintf("Ingress %s/%s names %s", ing.Object.Namespace, ing.Object.Name, c.Host))
		}
	}
	var out []Outcome
	for _, ing := range ings {
		ref := intent.ObjectRef{Namespace: ing.Object.Namespace, Name: ing.Object.Name}
		t := tries[ref]
		if len(t) == 0 {
			continue
		}
		slices.Sort(t)
		out = append(out, Outcome{Ingress: ing.Object, Reason: HostClaimRefused, Message: clip(fmt.Sprintf(
			"hosts of namespace %s, which this Ingress is the oldest to name, were claimed from another namespace and refused there (share them with the namespace annotation portcullis.dev/share-hosts-with): %s",
			ref.Namespace, strings.Join(t, "; ")))})
	}
	return out
}

// clip shortens s to maxMessage bytes, never splitting a character.
func clip(s string) string {
	if len(s) <= maxMessage {
		return s
	}
	return strings.ToValidUTF8(s[:maxMessage-3], "") + "..."
}

// Recorder emits events (events.k8s.io), as the manager's recorder does.
type Recorder interface {
	Eventf(regarding runtime.Object, related runtime.Object, eventtype, reason, action, note string, args ...interface{})
}

// Applied is one model in force: the Ingresses it was built from, with
// lib's verdicts, and nginx's configuration generation.
type Applied struct {
	Ingresses  []dataplane.Ingress
	Model      *dataplane.Model
	Generation string
	// RefusedConfigMap is the controller ConfigMap when it does not parse
	// (RefusedWhy says why), nil when the one in the cluster is in force.
	RefusedConfigMap *corev1.ConfigMap
	RefusedWhy       string
}

// Publisher reports each model put in force: an event on every Ingress
// whose outcome changed since the last one it reported, and the load
// balancer's addresses in the status of every Ingress served. It is a
// manager runnable that runs on the leader only; Offer never blocks, and a
// model offered while the previous one is still being reported replaces it.
type Publisher struct {
	Client   client.Client
	Recorder Recorder
	// Addresses are where the data plane is reached (--publish-service,
	// --publish-status-address); nil leaves status alone.
	Addresses func(ctx context.Context) ([]networkingv1.IngressLoadBalancerIngress, error)
	Log       logr.Logger

	mu      sync.Mutex
	pending *Applied
	wake    chan struct{}
	once    sync.Once
	// last is the outcome reported per Ingress (UID), "reason\x00message".
	last map[types.UID]string
	// lastClaims is the HostClaimRefused message reported per owner (UID).
	lastClaims map[types.UID]string
	// lastRefused is the refused ConfigMap version last reported.
	lastRefused string
}

func (p *Publisher) init() {
	p.once.Do(func() {
		p.wake = make(chan struct{}, 1)
		p.last = map[types.UID]string{}
		p.lastClaims = map[types.UID]string{}
	})
}

// Offer hands the publisher a model in force.
func (p *Publisher) Offer(a Applied) {
	p.init()
	p.mu.Lock()
	p.pending = &a
	p.mu.Unlock()
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

// NeedLeaderElection is true: one replica reports for all.
func (p *Publisher) NeedLeaderElection() bool { return true }

// Start reports offered models until ctx ends.
func (p *Publisher) Start(ctx context.Context) error {
	p.init()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-p.wake:
		}
		p.mu.Lock()
		a := p.pending
		p.pending = nil
		p.mu.Unlock()
		if a != nil {
			p.Publish(ctx, *a)
		}
	}
}

// Publish reports one model now.
func (p *Publisher) Publish(ctx context.Context, a Applied) {
	p.init()
	if cm := a.RefusedConfigMap; cm != nil {
		if v := string(cm.UID) + "/" + cm.ResourceVersion; v != p.lastRefused {
			p.lastRefused = v
			p.Recorder.Eventf(cm, nil, corev1.EventTypeWarning, ConfigurationRefused, "Reconcile", "%s",
				clip("not applied, the last good configuration stays in force: "+a.RefusedWhy))
		}
	} else {
		p.lastRefused = ""
	}
	outcomes := Outcomes(a.Ingresses, a.Model, a.Generation)
	seen := make(map[types.UID]bool, len(outcomes))
	for _, o := range outcomes {
		uid := o.Ingress.UID
		seen[uid] = true
		// A new generation alone is no news: Programmed is reported once
		// per change of outcome, not on every reload.
		key := o.Reason + "\x00" + o.Message
		if o.Reason == Programmed {
			key = Programmed
		}
		if p.last[uid] != key {
			p.last[uid] = key
			typ := corev1.EventTypeNormal
			if o.Warning() {
				typ = corev1.EventTypeWarning
			}
			p.Recorder.Eventf(o.Ingress, nil, typ, o.Reason, "Reconcile", "%s", o.Message)
		}
	}
	for uid := range p.last {
		if !seen[uid] {
			delete(p.last, uid)
		}
	}
	claimed := map[types.UID]bool{}
	for _, o := range Claims(a.Ingresses) {
		uid := o.Ingress.UID
		claimed[uid] = true
		if p.lastClaims[uid] != o.Message {
			p.lastClaims[uid] = o.Message
			p.Recorder.Eventf(o.Ingress, nil, corev1.EventTypeWarning, o.Reason, "Reconcile", "%s", o.Message)
		}
	}
	for uid := range p.lastClaims {
		if !claimed[uid] {
			delete(p.lastClaims, uid)
		}
	}
	if p.Addresses == nil {
		return
	}
	addrs, err := p.Addresses(ctx)
	if err != nil {
		p.Log.Error(err, "load balancer addresses unknown; Ingress status not updated")
		return
	}
	for _, o := range outcomes {
		want := addrs
		if o.Reason == Rejected {
			want = nil
		}
		if err := p.setStatus(ctx, o.Ingress, want); err != nil {
			p.Log.Error(err, "Ingress status not updated", "ingress", o.Ingress.Namespace+"/"+o.Ingress.Name)
		}
	}
}

// setStatus writes status.loadBalancer.ingress when it differs.
func (p *Publisher) setStatus(ctx context.Context, ing *networkingv1.Ingress, want []networkingv1.IngressLoadBalancerIngress) error {
	if equalAddresses(ing.Status.LoadBalancer.Ingress, want) {
		return nil
	}
	patched := ing.DeepCopy()
	patched.Status.LoadBalancer.Ingress = want
	return p.Client.Status().Patch(ctx, patched, client.MergeFrom(ing))
}

func equalAddresses(a, b []networkingv1.IngressLoadBalancerIngress) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].IP != b[i].IP || a[i].Hostname != b[i].Hostname || len(a[i].Ports) != len(b[i].Ports) {
			return false
		}
	}
	return true
}

// ServiceAddresses are a Service's load balancer addresses, and its
// external IPs, as Ingress status entries (--publish-service).
func ServiceAddresses(svc *corev1.Service) []networkingv1.IngressLoadBalancerIngress {
	var out []networkingv1.IngressLoadBalancerIngress
	for _, lb := range svc.Status.LoadBalancer.Ingress {
		out = append(out, networkingv1.IngressLoadBalancerIngress{IP: lb.IP, Hostname: lb.Hostname})
	}
	for _, ip := range svc.Spec.ExternalIPs {
		out = append(out, networkingv1.IngressLoadBalancerIngress{IP: ip})
	}
	return sortAddresses(out)
}

// StaticAddresses are --publish-status-address's entries: each an IP
// address or a host name.
func StaticAddresses(list []string) []networkingv1.IngressLoadBalancerIngress {
	var out []networkingv1.IngressLoadBalancerIngress
	for _, a := range list {
		if isIP(a) {
			out = append(out, networkingv1.IngressLoadBalancerIngress{IP: a})
		} else {
			out = append(out, networkingv1.IngressLoadBalancerIngress{Hostname: a})
		}
	}
	return sortAddresses(out)
}

func sortAddresses(a []networkingv1.IngressLoadBalancerIngress) []networkingv1.IngressLoadBalancerIngress {
	slices.SortFunc(a, func(x, y networkingv1.IngressLoadBalancerIngress) int {
		return strings.Compare(x.IP+"\x00"+x.Hostname, y.IP+"\x00"+y.Hostname)
	})
	return slices.CompactFunc(a, func(x, y networkingv1.IngressLoadBalancerIngress) bool {
		return x.IP == y.IP && x.Hostname == y.Hostname
	})
}

func isIP(s string) bool { _, err := netip.ParseAddr(s); return err == nil }

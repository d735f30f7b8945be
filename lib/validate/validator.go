// Package validate judges Kubernetes objects against each other: it turns one
// Ingress, with the Secrets, Policies and Services it refers to, into its
// normalized intent and a verdict (field errors and warnings), and judges
// Secrets, Policies and the controller ConfigMap on their own admission. The
// webhook, the controller and lint all call it, so they agree.
package validate

import (
	"slices"
	"time"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"

	"github.com/seed-d040b84d/portcullis/lib/certs"
	"github.com/seed-d040b84d/portcullis/lib/config"
	"github.com/seed-d040b84d/portcullis/lib/findings"
	"github.com/seed-d040b84d/portcullis/lib/intent"
	"github.com/seed-d040b84d/portcullis/lib/world"
)

// Options are the controller settings a verdict depends on.
type Options struct {
	// Config is the parsed controller ConfigMap (config.Default() without one).
	Config config.Config
	// Class says which Ingresses are ours.
	Class ClassOptions
	// AnnotationsPrefix is ingress-nginx's annotation prefix (--annotations-prefix).
	AnnotationsPrefix string
	// EnableSSLPassthrough admits ssl-passthrough (--enable-ssl-passthrough).
	EnableSSLPassthrough bool
	// DefaultSSLCertificate is --default-ssl-certificate, if set.
	DefaultSSLCertificate *intent.ObjectRef
	// Now is the clock certificate validity is judged by; time.Now when nil.
	Now func() time.Time
	// AllowMisorderedChains reports certificate chains that are out of order
	// (the key on a later certificate, issuers out of order) as warnings
	// instead of errors. Admission leaves it off: such a chain is refused
	// when an Ingress is applied. The controller sets it: it writes every
	// chain leaf first in issuer order, so a secret rotated into the wrong
	// order later keeps its hosts served, with a warning.
	AllowMisorderedChains bool
}

// Validator judges objects. It is safe for concurrent use; build one per
// configuration and share its certificate cache.
type Validator struct {
	opts  Options
	certs *certs.Cache
	// batch, when set, remembers what judging one Ingress learned about the
	// world for the next ones (Batch).
	batch *batchMemo
}

// New returns a Validator. cache may be shared between Validators built for
// successive configurations; nil gets a private one.
func New(opts Options, cache *certs.Cache) *Validator {
	if cache == nil {
		cache = &certs.Cache{}
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Class.Name == "" {
		opts.Class.Name = DefaultClassName
	}
	return &Validator{opts: opts, certs: cache}
}

// ForConfigMap returns the Validator for base's flag-derived options and the
// controller ConfigMap cm (nil when there is none): base with cm's
// configuration, or with the defaults when cm is absent or refused. The
// verdict is cm's, nil when cm is nil; a caller that keeps an earlier
// configuration in force when cm is refused (the manager) checks it first.
// base.Config is ignored. This is the one way a ConfigMap becomes a
// Validator: the webhook, the controller, lint and the golden tests all come
// here.
func ForConfigMap(base Options, cm *corev1.ConfigMap, cache *certs.Cache) (*Validator, *Verdict) {
	base.Config = config.Default()
	if cm == nil {
		return New(base, cache), nil
	}
	cfg, verdict := ConfigMap(cm)
	if verdict.Findings.Allowed() {
		base.Config = cfg
	}
	return New(base, cache), &verdict
}

// Batch returns a Validator with the same settings and certificate cache
// for judging many Ingresses against one world that does not change
// meanwhile (a whole-cluster sync, lint's files): what one verdict learns
// about the world (which namespace owns which host) is kept for the next.
// Use it for one pass only, and from one goroutine.
func (v *Validator) Batch() *Validator {
	b := *v
	b.batch = &batchMemo{owners: map[string]*ownership{}}
	return &b
}

// Options returns the settings the Validator was built with.
func (v *Validator) Options() Options { return v.opts }

// IngressVerdict is the verdict on one Ingress.
type IngressVerdict struct {
	// Ours is false for Ingresses of other classes, which are not judged.
	Ours bool
	// Class is the ingress class the Ingress selects ("" for none).
	Class string
	// Intent is what the Ingress asks for, built from the parts that validate.
	Intent   *intent.Ingress
	Findings findings.Set
	// HostClaims are the hosts it names that another namespace owns; each is
	// also an error in Findings.
	HostClaims []HostClaim
}

// Ingress judges one Ingress against the world r holds.
func (v *Validator) Ingress(ing *networkingv1.Ingress, r world.Resolver) IngressVerdict {
	return v.judge(ing, nil, r)
}

// IngressUpdate judges an update of an Ingress: as Ingress, except that a
// host the update adds to its rules is claimed now, not when the Ingress was
// created, so an old Ingress cannot take another namespace's host by
// changing its rules (docs/security.md, "Tenancy").
func (v *Validator) IngressUpdate(ing, old *networkingv1.Ingress, r world.Resolver) IngressVerdict {
	before := world.RuleHosts(old)
	added := map[string]bool{}
	for _, h := range world.RuleHosts(ing) {
		if !slices.Contains(before, h) {
			added[h] = true
		}
	}
	return v.judge(ing, added, r)
}

func (v *Validator) judge(ing *networkingv1.Ingress, claimedNow map[string]bool, r world.Resolver) IngressVerdict {
	class, ours, fs := IngressClassOf(ing, r, v.opts.Class)
	if !ours {
		return IngressVerdict{Class: class}
	}
	b := newBuilder(v, ing, r)
	b.claimedNow = claimedNow
	b.fs.Merge(fs)
	b.build()
	b.fs.Sort()
	b.in.Class = class
	return IngressVerdict{Ours: true, Class: class, Intent: b.in, Findings: b.fs, HostClaims: b.claims}
}

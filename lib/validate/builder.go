package validate

import (
	"fmt"
	"strings"
	"time"

	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/seed-d040b84d/portcullis/lib/annotations"
	"github.com/seed-d040b84d/portcullis/lib/findings"
	"github.com/seed-d040b84d/portcullis/lib/intent"
	"github.com/seed-d040b84d/portcullis/lib/world"
)

// builder turns one Ingress into its intent, step by step; each step adds
// findings and fills in part of the model.
type builder struct {
	v   *Validator
	ing *networkingv1.Ingress
	r   world.Resolver
	now time.Time
	ann annotations.Parsed
	fs  findings.Set
	in  *intent.Ingress

	egress *egressPolicy
	// accessPolicy is the accessControl Policy the Ingress references.
	accessPolicy *accessPolicy
	// basicPolicy is the basicAuth Policy the Ingress references.
	basicPolicy *basicPolicy
	// pathFail fails every path of the Ingress closed: a minion's share of a
	// host, when what it asked for cannot be honoured.
	pathFail *intent.FailClosed

	hosts map[string]*hostState
	order []string // host names in rule order
	// claims are the hosts another namespace owns (tenancy).
	claims []HostClaim
	// claimedNow are hosts an update adds: claimed now, after every other
	// Ingress (IngressUpdate).
	claimedNow map[string]bool
	// masterOf caches masterAnnotations.
	masterOf *masterOf
}

// masterOf is a mergeable minion's master and its annotations; ing is nil
// when there is none.
type masterOf struct {
	ing *networkingv1.Ingress
	ann annotations.Parsed
}

// hostState is a host being built and where its parts came from.
type hostState struct {
	host     *intent.Host
	rule     int // index of the first rule with this host
	tlsIndex int // index of the TLS entry covering it, -1 if none
}

func newBuilder(v *Validator, ing *networkingv1.Ingress, r world.Resolver) *builder {
	return &builder{
		v: v, ing: ing, r: r, now: v.opts.Now(),
		in:    &intent.Ingress{ObjectRef: intent.ObjectRef{Namespace: ing.Namespace, Name: ing.Name}},
		hosts: map[string]*hostState{},
	}
}

func (b *builder) build() {
	var fs findings.Set
	b.ann, fs = annotations.Parse(b.ing.Annotations, annotations.Options{
		Prefix: b.v.opts.AnnotationsPrefix, AllowLegacyTLS: b.v.opts.Config.AllowLegacyTLS,
	})
	b.fs.Merge(fs)
	b.in.Mergeable = b.ann.Org.MergeableIngressType
	b.fs.Merge(Structure(b.ing, b.pathMatch()))
	b.mergeable()
	b.collectHosts()
	b.tls()
	b.clientAuth()
	b.policies()
	b.inheritEgressMTLS()
	b.paths()
	b.access()
	b.basicAuth()
	b.externalAuth()
	b.satisfy()
	b.traffic()
	b.errorPages()
	b.pathRedirects()
	b.literalRewriteTarget()
	b.headers()
	b.passthrough()
	b.redirectsAndHSTS()
	b.conflicts()
	b.tenancy()
	b.wwwRedirects()
	for _, name := range b.order {
		b.in.Hosts = append(b.in.Hosts, *b.hosts[name].host)
	}
}

// annPath is the field path of an annotation given by its full key.
func annPath(key string) *field.Path { return annotations.Path(key) }

// nkey is the full key of an ingress-nginx annotation.
func (b *builder) nkey(short string) string { return b.ann.NginxKey(short) }

// ref resolves an annotation's namespace/name reference, checking the namespace
// rule (docs/reference.md#ingress-structure): other namespaces only with
// allow-cross-namespace-resources.
func (b *builder) ref(r *annotations.Ref, key string) (intent.ObjectRef, bool) {
	ns := r.Namespace
	if ns == "" {
		ns = b.ing.Namespace
	}
	out := intent.ObjectRef{Namespace: ns, Name: r.Name}
	if ns != b.ing.Namespace && !b.v.opts.Config.AllowCrossNamespaceResources {
		b.fs.Errorf(annPath(key), r.Namespace+"/"+r.Name,
			"refers to namespace %q, but secrets must be in the Ingress's namespace %q unless the ConfigMap sets allow-cross-namespace-resources: \"true\"",
			ns, b.ing.Namespace)
		return out, false
	}
	return out, true
}

// mergeable applies NGINX Inc's master/minion structure rules.
func (b *builder) mergeable() {
	if b.in.Mergeable == "" {
		return
	}
	spec := field.NewPath("spec")
	switch b.in.Mergeable {
	// As in NGINX Inc, the one rule may be for the empty host (NGINX with
	// -allow-empty-ingress-host): master and minions then share the
	// catch-all server.
	case "master":
		if len(b.ing.Spec.Rules) != 1 {
			b.fs.Errorf(spec.Child("rules"), len(b.ing.Spec.Rules), "a mergeable master must have exactly one rule")
		} else if r := b.ing.Spec.Rules[0]; r.HTTP != nil && len(r.HTTP.Paths) > 0 {
			b.fs.Errorf(spec.Child("rules").Index(0).Child("http", "paths"), len(r.HTTP.Paths),
				"a mergeable master may not have paths; put them on minions (nginx.org/mergeable-ingress-type: minion)")
		}
	case "minion":
		if len(b.ing.Spec.TLS) > 0 {
			b.fs.Forbidden(spec.Child("tls"), "a mergeable minion may not have spec.tls (NGINX Inc ignores it); put TLS on the master")
		}
		if len(b.ing.Spec.Rules) != 1 {
			b.fs.Errorf(spec.Child("rules"), len(b.ing.Spec.Rules), "a mergeable minion must have exactly one rule")
		} else if r := b.ing.Spec.Rules[0]; r.HTTP == nil || len(r.HTTP.Paths) == 0 {
			b.fs.Required(spec.Child("rules").Index(0).Child("http", "paths"), "a mergeable minion must have at least one path")
		} else if !b.hasMaster(r.Host) {
			b.fs.Warnf(spec.Child("rules").Index(0).Child("host"),
				"no mergeable master (nginx.org/mergeable-ingress-type: master) serves host %q; the controller answers 404 for this minion's paths until one exists",
				r.Host)
			b.pathFail = &intent.FailClosed{Reason: "no mergeable master for host " + r.Host, Status: 404}
		}
	}
}

// hasMaster reports whether an Ingress of ours, in any namespace (NGINX Inc
// merges minions across namespaces), is the mergeable master of host.
func (b *builder) hasMaster(host string) bool { return len(b.masters(host)) > 0 }

// masters are the Ingresses of ours that are a mergeable master of host. The
// host index leaves out rules without a host, so the empty host's masters are
// found by going through every Ingress.
func (b *builder) masters(host string) []*networkingv1.Ingress {
	cands := world.IngressesWithHost(b.r, host)
	if host == "" {
		cands = b.r.Ingresses()
	}
	var out []*networkingv1.Ingress
	for _, other := range cands {
		if other.Annotations[annotations.KeyOrgMergeableIngressType] != "master" {
			continue
		}
		if len(other.Spec.Rules) != 1 || other.Spec.Rules[0].Host != host {
			continue
		}
		if _, ours, _ := IngressClassOf(other, b.r, b.v.opts.Class); ours {
			out = append(out, other)
		}
	}
	return out
}

// collectHosts creates one host per distinct rule host, in rule order, and
// notes which TLS entry covers each.
func (b *builder) collectHosts() {
	for i, r := range b.ing.Spec.Rules {
		if _, ok := b.hosts[r.Host]; !ok {
			b.hosts[r.Host] = &hostState{
				host: &intent.Host{Name: r.Host, Termination: intent.TerminateHTTP}, rule: i, tlsIndex: -1,
			}
			b.order = append(b.order, r.Host)
		}
	}
	seen := map[string]int{}
	for i, t := range b.ing.Spec.TLS {
		for j, h := range t.Hosts {
			if prev, dup := seen[h]; dup {
				if b.ing.Spec.TLS[prev].SecretName != t.SecretName {
					b.fs.Errorf(field.NewPath("spec", "tls").Index(i).Child("hosts").Index(j), h,
						"host %q is also in spec.tls[%d] with secret %q; a host can have only one certificate", h, prev, b.ing.Spec.TLS[prev].SecretName)
				}
				continue
			}
			seen[h] = i
			if hs, ok := b.hosts[h]; ok {
				hs.tlsIndex = i
			}
		}
	}
}

// hostsWithoutTLS lists this Ingress's named hosts that have no TLS entry.
func (b *builder) hostsWithoutTLS() []string {
	var out []string
	for _, name := range b.order {
		if hs := b.hosts[name]; hs.tlsIndex < 0 && name != "" {
			out = append(out, name)
		}
	}
	return out
}

func quoteHosts(hosts []string) string {
	q := make([]string, len(hosts))
	for i, h := range hosts {
		q[i] = fmt.Sprintf("%q", h)
	}
	return strings.Join(q, ", ")
}

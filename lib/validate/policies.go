package validate

import (
	"fmt"

	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/seed-d040b84d/portcullis/lib/annotations"
	nginxv1 "github.com/seed-d040b84d/portcullis/lib/apis/k8snginx/v1"
	"github.com/seed-d040b84d/portcullis/lib/certs"
	"github.com/seed-d040b84d/portcullis/lib/findings"
	"github.com/seed-d040b84d/portcullis/lib/intent"
	"github.com/seed-d040b84d/portcullis/lib/nginxpolicy"
)

// egressPolicy is an egressMTLS policy an Ingress references, resolved.
type egressPolicy struct {
	ref        intent.ObjectRef
	spec       *nginxpolicy.EgressMTLS
	failClosed *intent.FailClosed
	// inherited names the mergeable master the policy comes from, "" when
	// the Ingress references it itself.
	inherited string
}

// policies resolves nginx.org/policies (docs/migrate-from-nginx-inc.md#annotations,
// docs/migrate-from-nginx-inc.md#policy-specingressmtls,
// docs/migrate-from-nginx-inc.md#policy-specegressmtls): ingressMTLS becomes
// the hosts' client auth, egressMTLS the paths' backend TLS. A missing policy
// warns and fails closed; an invalid one is an error naming it.
func (b *builder) policies() {
	refs := b.ann.Org.Policies
	path := annPath(annotations.KeyOrgPolicies)
	if len(refs) == 0 {
		if b.ann.Has(annotations.KeyOrgPolicies) {
			// Present but refused (the findings say why): the policies it meant
			// cannot be applied, so nothing is served without them.
			b.failAll(&intent.FailClosed{Reason: annotations.KeyOrgPolicies + " is invalid", Status: 500})
		}
		return
	}
	seen := map[string]intent.ObjectRef{}
	for _, r := range refs {
		ref := intent.ObjectRef{Namespace: r.Namespace, Name: r.Name}
		if ref.Namespace == "" {
			ref.Namespace = b.ing.Namespace
		}
		if ref.Namespace != b.ing.Namespace && !b.v.opts.Config.AllowCrossNamespaceResources {
			b.fs.Errorf(path, ref.String(),
				"refers to policy %s in namespace %q, but policies (and the secrets they name) must be in the Ingress's namespace %q unless the ConfigMap sets allow-cross-namespace-resources: \"true\"",
				ref, ref.Namespace, b.ing.Namespace)
			b.failAll(&intent.FailClosed{Reason: "policy " + ref.String() + " is in another namespace", Status: 500})
			continue
		}
		p, ok := b.r.Policy(ref.Namespace, ref.Name)
		if !ok {
			b.fs.Warnf(path, "policy %s not found; the controller answers 500 for this Ingress's hosts until it exists", ref)
			b.failAll(&intent.FailClosed{Reason: "policy " + ref.String() + " not found", Status: 500})
			continue
		}
		norm, fs := nginxpolicy.Normalize(p, nginxpolicy.Options{AllowLegacyTLS: b.v.opts.Config.AllowLegacyTLS})
		b.mergeAbout(fs, path, "policy "+ref.String())
		if norm == nil {
			// NGINX answers 500 for whatever an invalid policy applies to.
			b.failAll(&intent.FailClosed{Reason: "policy " + ref.String() + " is invalid", Status: 500})
			continue
		}
		if prev, dup := seen[norm.Type]; dup {
			b.fs.Errorf(path, ref.String(), "references two %s policies (%s and %s); an Ingress may use one", norm.Type, prev, ref)
			continue
		}
		seen[norm.Type] = ref
		switch norm.Type {
		case nginxv1.TypeIngressMTLS:
			b.applyIngressMTLS(ref, norm.IngressMTLS)
		case nginxv1.TypeAccessControl:
			b.accessPolicy = &accessPolicy{ref: ref, spec: norm.AccessControl}
		case nginxv1.TypeBasicAuth:
			b.basicPolicy = &basicPolicy{ref: ref, spec: norm.BasicAuth}
		case nginxv1.TypeEgressMTLS:
			b.egress = b.resolveEgressMTLS(ref, norm.EgressMTLS)
		}
	}
}

// applyIngressMTLS turns an ingressMTLS policy into client auth for every host.
func (b *builder) applyIngressMTLS(ref intent.ObjectRef, m *nginxpolicy.IngressMTLS) {
	path := annPath(annotations.KeyOrgPolicies)
	about := "policy " + ref.String()
	if b.in.Mergeable == "minion" {
		b.fs.Errorf(path, ref.String(), "%s is an ingressMTLS policy, which is host-level: a mergeable minion may not use it; reference it from the master", about)
		b.failAll(&intent.FailClosed{Reason: about + " (ingressMTLS) is not allowed on a minion", Status: 500})
		return
	}
	if b.ann.Nginx.AuthTLSSecret != nil {
		b.fs.Errorf(path, ref.String(), "%s (ingressMTLS) conflicts with %s; keep one of them",
			about, b.nkey(annotations.KeyAuthTLSSecret))
		return
	}
	if missing := b.hostsWithoutTLS(); len(missing) > 0 {
		b.fs.Errorf(path, ref.String(), "%s: ingressMTLS does not enable TLS termination by itself, and host %s has no spec.tls entry: add one",
			about, quoteHosts(missing))
		b.failWithoutTLS(&intent.FailClosed{Reason: about + " (ingressMTLS) needs TLS, which the host does not have", Status: 500})
	}
	// lib/policy admits only the four words; any other would leave the
	// policy empty, which the data plane refuses.
	certificate, _ := intent.ClientCertificateFor(string(m.Verify))
	auth := &intent.ClientAuth{Certificate: certificate, Depth: m.Depth, Source: "policy:" + ref.String()}
	var failed *intent.FailClosed
	if m.CASecret != "" {
		auth.CA = intent.ObjectRef{Namespace: ref.Namespace, Name: m.CASecret}
		sec, ok := b.r.Secret(ref.Namespace, m.CASecret)
		if !ok {
			b.fs.Errorf(path, ref.String(), "%s: spec.ingressMTLS.clientCertSecret: secret %s not found", about, auth.CA)
			failed = &intent.FailClosed{Reason: about + ": client CA secret " + auth.CA.String() + " not found", Status: 500}
		} else {
			_, fs := b.v.certs.CA(sec, field.NewPath("spec", "ingressMTLS", "clientCertSecret"), b.now)
			b.mergeAbout(fs, path, about)
			if !fs.Allowed() {
				failed = &intent.FailClosed{Reason: about + ": client CA secret " + auth.CA.String() + " is invalid", Status: 500}
			}
		}
	}
	b.setClientAuth(auth, failed)
}

// resolveEgressMTLS checks the secrets an egressMTLS policy names.
func (b *builder) resolveEgressMTLS(ref intent.ObjectRef, m *nginxpolicy.EgressMTLS) *egressPolicy {
	path := annPath(annotations.KeyOrgPolicies)
	about := "policy " + ref.String()
	e := &egressPolicy{ref: ref, spec: m}
	if m.ClientCertSecret != "" {
		sec, ok := b.r.Secret(ref.Namespace, m.ClientCertSecret)
		if !ok {
			b.fs.Errorf(path, ref.String(), "%s: spec.egressMTLS.tlsSecret: secret %s/%s not found", about, ref.Namespace, m.ClientCertSecret)
			e.failClosed = &intent.FailClosed{Reason: "egress client certificate not found", Status: 500}
		} else {
			_, fs := b.v.certs.TLS(sec, field.NewPath("spec", "egressMTLS", "tlsSecret"), certs.TLSOptions{Now: b.now, AllowMisordered: b.v.opts.AllowMisorderedChains})
			b.mergeAbout(fs, path, about)
			if !fs.Allowed() {
				e.failClosed = &intent.FailClosed{Reason: "egress client certificate invalid", Status: 500}
			}
		}
	}
	if m.TrustedCASecret != "" {
		sec, ok := b.r.Secret(ref.Namespace, m.TrustedCASecret)
		if !ok {
			b.fs.Errorf(path, ref.String(), "%s: spec.egressMTLS.trustedCertSecret: secret %s/%s not found", about, ref.Namespace, m.TrustedCASecret)
			e.failClosed = &intent.FailClosed{Reason: "egress trusted CA not found", Status: 500}
		} else {
			_, fs := b.v.certs.CA(sec, field.NewPath("spec", "egressMTLS", "trustedCertSecret"), b.now)
			b.mergeAbout(fs, path, about)
			if !fs.Allowed() {
				e.failClosed = &intent.FailClosed{Reason: "egress trusted CA invalid", Status: 500}
			}
		}
	}
	return e
}

// mergeAbout records another object's findings on this Ingress's field path,
// each message naming the object and the field it is about.
func (b *builder) mergeAbout(fs findings.Set, path *field.Path, about string) {
	for _, e := range fs.Errors {
		b.fs.Errorf(path, about, "%s is invalid: %s: %s", about, e.Field, findings.ErrorMessage(e))
	}
	for _, w := range fs.Warnings {
		b.fs.Warn(path, fmt.Sprintf("%s: %s", about, w.String()))
	}
}

// failAll fails every host of the Ingress closed, keeping the first reason a
// host was given. A minion shares its host with the master and other minions,
// so only its own paths fail.
func (b *builder) failAll(fc *intent.FailClosed) {
	if b.in.Mergeable == "minion" {
		if b.pathFail == nil {
			b.pathFail = fc
		}
		return
	}
	for _, name := range b.order {
		failHost(b.hosts[name].host, fc)
	}
}

// failWithoutTLS fails closed the named hosts that have no TLS entry: they
// asked for client authentication, which plain HTTP cannot give.
func (b *builder) failWithoutTLS(fc *intent.FailClosed) {
	for _, name := range b.order {
		if hs := b.hosts[name]; hs.tlsIndex < 0 && name != "" {
			failHost(hs.host, fc)
		}
	}
}

func failHost(h *intent.Host, fc *intent.FailClosed) {
	if h.FailClosed == nil {
		h.FailClosed = fc
	}
}

// inheritEgressMTLS gives a mergeable minion without an egressMTLS policy of
// its own the one of its host's master (a minion's overrides the master's:
// docs/migrate-from-nginx-inc.md#mergeable-ingresses), so the master's
// backend verification and client certificate reach the minions' TLS paths instead of silently stopping at
// the master, which has no paths.
func (b *builder) inheritEgressMTLS() {
	if b.in.Mergeable != "minion" || b.egress != nil || len(b.ing.Spec.Rules) != 1 {
		return
	}
	host := b.ing.Spec.Rules[0].Host
	for _, m := range b.masters(host) {
		ann, _ := annotations.Parse(m.Annotations, annotations.Options{Prefix: b.v.opts.AnnotationsPrefix, AllowLegacyTLS: b.v.opts.Config.AllowLegacyTLS})
		for _, r := range ann.Org.Policies {
			ref := intent.ObjectRef{Namespace: r.Namespace, Name: r.Name}
			if ref.Namespace == "" {
				ref.Namespace = m.Namespace
			}
			p, ok := b.r.Policy(ref.Namespace, ref.Name)
			if !ok {
				continue // the master's own verdict says so, and fails its hosts
			}
			norm, _ := nginxpolicy.Normalize(p, nginxpolicy.Options{AllowLegacyTLS: b.v.opts.Config.AllowLegacyTLS})
			if norm == nil || norm.Type != nginxv1.TypeEgressMTLS {
				continue
			}
			b.egress = b.resolveEgressMTLS(ref, norm.EgressMTLS)
			b.egress.inherited = m.Namespace + "/" + m.Name
			return
		}
	}
}

package validate

import (
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/seed-d040b84d/portcullis/lib/annotations"
	nginxv1 "github.com/seed-d040b84d/portcullis/lib/apis/k8snginx/v1"
	"github.com/seed-d040b84d/portcullis/lib/certs"
	"github.com/seed-d040b84d/portcullis/lib/config"
	"github.com/seed-d040b84d/portcullis/lib/findings"
	"github.com/seed-d040b84d/portcullis/lib/nginxpolicy"
	"github.com/seed-d040b84d/portcullis/lib/world"
)

// Labels and annotations portcullis reads on Secrets.
const (
	// ValidateLabel opts a Secret into admission checks even when nothing of
	// ours references it yet.
	ValidateLabel = "portcullis.dev/validate"
	// CertManagerCertificateAnnotation marks a Secret cert-manager manages.
	CertManagerCertificateAnnotation = "cert-manager.io/certificate-name"
	// SecretTypeNginxCA is NGINX Inc's CA secret type.
	SecretTypeNginxCA corev1.SecretType = "nginx.org/ca"
)

// SecretRole is how portcullis uses a Secret.
type SecretRole int

// Secret roles; a Secret may have both.
const (
	RoleTLS SecretRole = 1 << iota // a certificate and key served or presented
	RoleCA                         // a CA bundle that verifies peers
)

// Verdict is the verdict on an object judged on its own admission.
type Verdict struct {
	// Judged is false when the object is none of ours and was not looked at.
	Judged   bool
	Findings findings.Set
}

// SecretRoles returns how Ingresses and Policies of ours, and the controller's
// --default-ssl-certificate, use the Secret.
func (v *Validator) SecretRoles(sec *corev1.Secret, r world.Resolver) SecretRole {
	var role SecretRole
	// The default certificate is validated like any other
	// (docs/migrate-from-ingress-nginx.md#default-certificate).
	if d := v.opts.DefaultSSLCertificate; d != nil && d.Namespace == sec.Namespace && d.Name == sec.Name {
		role |= RoleTLS
	}
	for _, ing := range r.Ingresses() {
		if _, ours, _ := IngressClassOf(ing, r, v.opts.Class); !ours {
			continue
		}
		if ing.Namespace == sec.Namespace {
			for _, t := range ing.Spec.TLS {
				if t.SecretName == sec.Name {
					role |= RoleTLS
				}
			}
		}
		ann, _ := annotations.Parse(ing.Annotations, annotations.Options{Prefix: v.opts.AnnotationsPrefix, AllowLegacyTLS: true})
		for _, ref := range []*annotations.Ref{ann.Nginx.AuthTLSSecret, ann.Nginx.ProxySSLSecret} {
			if ref != nil && ref.Name == sec.Name && qualify(ref.Namespace, ref.Name, ing.Namespace) == sec.Namespace+"/"+sec.Name {
				role |= RoleCA
				if ref == ann.Nginx.ProxySSLSecret && hasClientCertificate(sec) {
					role |= RoleTLS // the client certificate presented to the backend
				}
			}
		}
		for _, p := range ann.Org.Policies {
			pol, ok := r.Policy(orDefault(p.Namespace, ing.Namespace), p.Name)
			if !ok || pol.Namespace != sec.Namespace {
				continue
			}
			role |= policySecretRole(pol, sec.Name)
		}
	}
	return role
}

func policySecretRole(p *nginxv1.Policy, name string) SecretRole {
	var role SecretRole
	if m := p.Spec.IngressMTLS; m != nil && m.ClientCertSecret == name {
		role |= RoleCA
	}
	if m := p.Spec.EgressMTLS; m != nil {
		if m.TrustedCertSecret == name {
			role |= RoleCA
		}
		if m.TLSSecret == name {
			role |= RoleTLS
		}
	}
	return role
}

// Secret judges a Secret on its own admission (docs/webhook.md#what-it-judges,
// docs/reference.md#tls-secrets, docs/reference.md#ca-secrets): TLS and CA
// secrets that something of ours references, or that carry the validate label.
// A misordered chain only warns (the controller writes the normalized order);
// Secrets cert-manager manages are never denied, only warned about.
func (v *Validator) Secret(sec *corev1.Secret, r world.Resolver) Verdict {
	role := v.SecretRoles(sec, r)
	labelled := sec.Labels[ValidateLabel] == "true"
	if role == 0 && !labelled {
		return Verdict{}
	}
	if role == 0 {
		switch {
		case sec.Type == SecretTypeNginxCA:
			role = RoleCA
		case sec.Type == corev1.SecretTypeTLS:
			role = RoleTLS
			if _, ok := sec.Data["ca.crt"]; ok {
				role |= RoleCA
			}
		default:
			if _, ok := sec.Data["ca.crt"]; ok {
				role = RoleCA
			} else {
				role = RoleTLS
			}
		}
	}
	var fs findings.Set
	data := field.NewPath("data")
	now := v.opts.Now()
	if role&RoleTLS != 0 {
		_, f := v.certs.TLS(sec, data, certs.TLSOptions{Now: now, AllowMisordered: true})
		fs.Merge(f)
	}
	if role&RoleCA != 0 {
		_, f := v.certs.CA(sec, data, now)
		fs.Merge(f)
	}
	if _, managed := sec.Annotations[CertManagerCertificateAnnotation]; managed {
		fs = demote(fs, "managed by cert-manager, so not denied: ")
	}
	fs.Sort()
	return Verdict{Judged: true, Findings: fs}
}

// demote turns errors into warnings.
func demote(fs findings.Set, prefix string) findings.Set {
	out := findings.Set{Warnings: fs.Warnings}
	for _, e := range fs.Errors {
		out.Warnings = append(out.Warnings, findings.Warning{Field: e.Field, Message: prefix + findings.ErrorMessage(e)})
	}
	return out
}

// Policy judges a k8s.nginx.org Policy on its own admission
// (docs/webhook.md#what-it-judges):
// its fields, and the secrets it names when they exist (a missing one warns).
//
// A Policy for another ingress class (spec.ingressClassName), or outside the
// watched namespaces, is not looked at. A Policy only of types portcullis
// does not implement (rateLimit, jwt, waf, ...) that no Ingress of ours
// references is admitted with a warning: it may be NGINX Ingress
// Controller's, running beside portcullis during a migration. An Ingress of
// ours that references it is refused, except a cors Policy, which is ignored
// with a warning (nginxpolicy.Ignored).
func (v *Validator) Policy(p *nginxv1.Policy, r world.Resolver) Verdict {
	if c := p.Spec.IngressClassName; c != "" && !isOurs(c, r, v.opts.Class) {
		return Verdict{}
	}
	if ns := v.opts.Class.Namespaces; len(ns) > 0 && !slices.Contains(ns, p.Namespace) {
		return Verdict{}
	}
	handled := func(t string) bool { return nginxpolicy.Supported(t) || nginxpolicy.Ignored(t) }
	if types := p.Spec.SetTypes(); len(types) > 0 && !slices.ContainsFunc(types, handled) && !v.referencedByOurs(p, r) {
		var fs findings.Set
		fs.Warnf(field.NewPath("spec"), "type %s is not supported by portcullis; admitted as no Ingress of ours uses it", strings.Join(types, ", "))
		return Verdict{Judged: true, Findings: fs}
	}
	norm, fs := nginxpolicy.Normalize(p, nginxpolicy.Options{AllowLegacyTLS: v.opts.Config.AllowLegacyTLS})
	if norm == nil {
		fs.Sort()
		return Verdict{Judged: true, Findings: fs}
	}
	now := v.opts.Now()
	check := func(name string, path *field.Path, role SecretRole) {
		if name == "" {
			return
		}
		sec, ok := r.Secret(p.Namespace, name)
		if !ok {
			fs.Warnf(path, "secret %s/%s not found; Ingresses using this policy fail closed until it exists", p.Namespace, name)
			return
		}
		if role == RoleCA {
			_, f := v.certs.CA(sec, path, now)
			fs.Merge(f)
			return
		}
		_, f := v.certs.TLS(sec, path, certs.TLSOptions{Now: now})
		fs.Merge(f)
	}
	if m := norm.IngressMTLS; m != nil {
		check(m.CASecret, field.NewPath("spec", "ingressMTLS", "clientCertSecret"), RoleCA)
	}
	if m := norm.EgressMTLS; m != nil {
		check(m.TrustedCASecret, field.NewPath("spec", "egressMTLS", "trustedCertSecret"), RoleCA)
		check(m.ClientCertSecret, field.NewPath("spec", "egressMTLS", "tlsSecret"), RoleTLS)
	}
	fs.Sort()
	return Verdict{Judged: true, Findings: fs}
}

// ConfigMap judges the controller's ConfigMap (docs/webhook.md#what-it-judges,
// docs/annotations.md#global-configmap---configmap-default-portcullis-systemportcullis).
func ConfigMap(cm *corev1.ConfigMap) (config.Config, Verdict) {
	cfg, fs := config.Parse(cm.Data)
	for k := range cm.BinaryData {
		fs.Errorf(field.NewPath("binaryData").Key(k), "(binary)", "the controller ConfigMap holds text settings only; move %q to data", k)
	}
	fs.Sort()
	return cfg, Verdict{Judged: true, Findings: fs}
}

// referencedByOurs reports whether an Ingress of ours names the Policy in
// nginx.org/policies.
func (v *Validator) referencedByOurs(p *nginxv1.Policy, r world.Resolver) bool {
	for _, ing := range r.Ingresses() {
		if _, ours, _ := IngressClassOf(ing, r, v.opts.Class); !ours {
			continue
		}
		ann, _ := annotations.Parse(ing.Annotations, annotations.Options{Prefix: v.opts.AnnotationsPrefix, AllowLegacyTLS: true})
		for _, ref := range ann.Org.Policies {
			if ref.Name == p.Name && qualify(ref.Namespace, ref.Name, ing.Namespace) == p.Namespace+"/"+p.Name {
				return true
			}
		}
	}
	return false
}

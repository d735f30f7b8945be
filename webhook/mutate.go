package webhook

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"sort"
	"strings"

	"gomodules.xyz/jsonpatch/v2"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	"github.com/seed-d040b84d/portcullis/lib/annotations"
	"github.com/seed-d040b84d/portcullis/lib/config"
	"github.com/seed-d040b84d/portcullis/lib/validate"
)

// NamespaceDefaultIssuerAnnotation overrides the ConfigMap's default-issuer
// for one namespace ("none" turns it off there).
const NamespaceDefaultIssuerAnnotation = config.NamespaceDefaultIssuerAnnotation

// MutateIngress fills in, never overwrites: the default cert-manager issuer
// and the canonical spelling of values that differ from an accepted one only
// in case (docs/webhook.md#mutation). Each change is named in a warning; the
// patch touches annotations only.
func (h *Handlers) MutateIngress(ctx context.Context, req admission.Request) admission.Response {
	if r := expect(req, ingressGVK); r != nil {
		return *r
	}
	var ing networkingv1.Ingress
	if err := h.decoder.Decode(req, &ing); err != nil {
		return admission.Errored(http.StatusBadRequest, fmt.Errorf("decode Ingress: %w", err))
	}
	if ing.Namespace == "" {
		ing.Namespace = req.Namespace
	}
	v := h.Settings.Validator()
	if _, ours, _ := validate.IngressClassOf(&ing, h.Resolver, v.Options().Class); !ours {
		return admission.Allowed("")
	}
	m := mutation{set: map[string]string{}}
	canonicalize(&ing, v, &m)
	h.defaultIssuer(&ing, v, &m)
	if len(m.set) == 0 {
		return admission.Allowed("").WithWarnings(m.warnings...)
	}
	return admission.Patched("", m.patch(ing.Annotations)...).WithWarnings(m.warnings...)
}

// mutation is a set of annotation values to write and the warnings naming them.
type mutation struct {
	set      map[string]string
	warnings []string
}

func (m *mutation) add(key, value, why string) {
	m.set[key] = value
	m.warnings = append(m.warnings, wrap(why, maxWarningLen)...)
}

// patch is the minimal JSON patch writing m.set into existing annotations.
func (m *mutation) patch(existing map[string]string) []jsonpatch.JsonPatchOperation {
	if existing == nil {
		return []jsonpatch.JsonPatchOperation{{Operation: "add", Path: "/metadata/annotations", Value: m.set}}
	}
	keys := make([]string, 0, len(m.set))
	for k := range m.set {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	ops := make([]jsonpatch.JsonPatchOperation, 0, len(keys))
	for _, k := range keys {
		op := "add"
		if _, ok := existing[k]; ok {
			op = "replace"
		}
		ops = append(ops, jsonpatch.JsonPatchOperation{Operation: op, Path: "/metadata/annotations/" + escapePointer(k), Value: m.set[k]})
	}
	return ops
}

// escapePointer escapes a JSON pointer token (RFC 6901).
func escapePointer(s string) string {
	return strings.NewReplacer("~", "~0", "/", "~1").Replace(s)
}

// word is the shape of a value whose case may be fixed: a single word such as
// True, ON or Optional_No_CA. Free text (URLs, regular expressions) never is.
var word = regexp.MustCompile(`^[A-Za-z_]+$`)

// canonicalize rewrites a refused value to the accepted spelling that differs
// from it only in case, when exactly one does.
func canonicalize(ing *networkingv1.Ingress, v *validate.Validator, m *mutation) {
	opts := annotations.Options{Prefix: v.Options().AnnotationsPrefix, AllowLegacyTLS: v.Options().Config.AllowLegacyTLS}
	_, fs := annotations.Parse(ing.Annotations, opts)
	refused := map[string]bool{}
	for _, e := range fs.Errors {
		refused[e.Field] = true
	}
	keys := make([]string, 0, len(ing.Annotations))
	for k := range ing.Annotations {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		val := ing.Annotations[k]
		if !refused[annotations.Path(k).String()] || !word.MatchString(val) {
			continue
		}
		var accepted []string
		for _, cand := range []string{strings.ToLower(val), strings.ToUpper(val)} {
			if cand != val && acceptedAs(ing.Annotations, k, cand, opts) && !containsString(accepted, cand) {
				accepted = append(accepted, cand)
			}
		}
		if len(accepted) == 1 {
			m.add(k, accepted[0], fmt.Sprintf("portcullis changed %s from %q to %q (values are case-sensitive)", k, val, accepted[0]))
		}
	}
}

// acceptedAs reports whether the annotations parse without an error on key
// when key holds value.
func acceptedAs(all map[string]string, key, value string, opts annotations.Options) bool {
	trial := make(map[string]string, len(all))
	for k, v := range all {
		trial[k] = v
	}
	trial[key] = value
	_, fs := annotations.Parse(trial, opts)
	p := annotations.Path(key).String()
	for _, e := range fs.Errors {
		if e.Field == p {
			return false
		}
	}
	return true
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// defaultIssuer adds the namespace's or the cluster's default issuer to an
// Ingress that has TLS entries with secrets and no issuer of its own, unless a
// secret it names already exists and is not cert-manager's (cert-manager
// would take it over).
func (h *Handlers) defaultIssuer(ing *networkingv1.Ingress, v *validate.Validator, m *mutation) {
	cfg := v.Options().Config
	parsed, _ := annotations.Parse(ing.Annotations, annotations.Options{Prefix: v.Options().AnnotationsPrefix, AllowLegacyTLS: true})
	if parsed.CertManagerTriggers() || hasAny(ing.Annotations, annotations.KeyCMIssuerKind, annotations.KeyCMIssuerGroup) {
		return // the Ingress chose (or half-chose) its issuer itself
	}
	var secrets []string
	for _, t := range ing.Spec.TLS {
		if t.SecretName != "" {
			secrets = append(secrets, t.SecretName)
		}
	}
	if len(secrets) == 0 {
		return
	}
	issuer := cfg.DefaultIssuer
	source := "the ConfigMap's default-issuer"
	if ns, ok := h.Resolver.Namespace(ing.Namespace); ok {
		if s, set := ns.Annotations[NamespaceDefaultIssuerAnnotation]; set {
			ref, none, err := config.ParseNamespaceDefaultIssuer(s)
			switch {
			case err != nil:
				m.warnings = append(m.warnings, wrap(fmt.Sprintf("no default issuer added: namespace %s has %s: %v", ing.Namespace, NamespaceDefaultIssuerAnnotation, err), maxWarningLen)...)
				return
			case none:
				return
			default:
				issuer, source = &ref, "namespace "+ing.Namespace+"'s "+NamespaceDefaultIssuerAnnotation
			}
		}
	}
	if issuer == nil {
		return
	}
	for _, name := range secrets {
		sec, ok := h.Resolver.Secret(ing.Namespace, name)
		if !ok {
			continue
		}
		if _, managed := sec.Annotations[validate.CertManagerCertificateAnnotation]; !managed {
			m.warnings = append(m.warnings, wrap(fmt.Sprintf("no default issuer added: secret %s is user-provided, and cert-manager would take it over", name), maxWarningLen)...)
			return
		}
	}
	add := issuer.Annotations()
	for k, val := range cfg.DefaultCertificateAnnotations {
		if _, has := ing.Annotations[k]; !has {
			if _, issuerKey := add[k]; !issuerKey {
				add[k] = val
			}
		}
	}
	if !acceptableToCertManager(ing.Annotations, add) {
		m.warnings = append(m.warnings, "no default issuer added: the result would be a combination cert-manager refuses")
		return
	}
	keys := make([]string, 0, len(add))
	for k := range add {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		m.add(k, add[k], fmt.Sprintf("portcullis added %s: %q (from %s)", k, add[k], source))
	}
}

func hasAny(ann map[string]string, keys ...string) bool {
	for _, k := range keys {
		if _, ok := ann[k]; ok {
			return true
		}
	}
	return false
}

// acceptableToCertManager reports whether the annotations, with add applied,
// have no error on a cert-manager key.
func acceptableToCertManager(existing, add map[string]string) bool {
	merged := make(map[string]string, len(existing)+len(add))
	for k, v := range existing {
		merged[k] = v
	}
	for k, v := range add {
		merged[k] = v
	}
	_, fs := annotations.Parse(merged, annotations.Options{AllowLegacyTLS: true})
	prefix := field.NewPath("metadata", "annotations").String()
	for _, e := range fs.Errors {
		key := strings.TrimSuffix(strings.TrimPrefix(e.Field, prefix+"["), "]")
		if strings.HasPrefix(key, "cert-manager.io/") || strings.HasPrefix(key, "acme.cert-manager.io/") || key == annotations.KeyCMTLSACME {
			return false
		}
	}
	return true
}

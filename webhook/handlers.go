package webhook

import (
	"context"
	"fmt"
	"net/http"

	admissionv1 "k8s.io/api/admission/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	"github.com/seed-d040b84d/portcullis/cluster"
	"github.com/seed-d040b84d/portcullis/lib/apis"
	nginxv1 "github.com/seed-d040b84d/portcullis/lib/apis/k8snginx/v1"
	"github.com/seed-d040b84d/portcullis/lib/findings"
	"github.com/seed-d040b84d/portcullis/lib/intent"
	"github.com/seed-d040b84d/portcullis/lib/validate"
	"github.com/seed-d040b84d/portcullis/lib/world"
	"github.com/seed-d040b84d/portcullis/policies"
)

// Reviewer adds verdicts beyond lib's own (the Rego policies). It sees the
// object, lib's verdict and the Validator in force. Nil means lib alone.
type Reviewer interface {
	Review(ctx context.Context, req policies.Request, v *validate.Validator) findings.Set
}

// PolicyConfigMapLabel marks a ConfigMap in the controller namespace whose
// data keys are Rego policies (docs/policies.md#loading-policies).
const PolicyConfigMapLabel = policies.ConfigMapLabel

// PolicyConfigMapJudge judges a policy ConfigMap: its Rego compiles and its
// tests pass.
type PolicyConfigMapJudge interface {
	JudgePolicyConfigMap(ctx context.Context, cm *corev1.ConfigMap) findings.Set
}

// Handlers serve portcullis's admission webhooks. They have no side effects.
type Handlers struct {
	Settings *cluster.Settings
	Resolver world.Resolver
	Reviewer Reviewer
	// PolicyConfigMaps judges policy ConfigMaps; nil allows them.
	PolicyConfigMaps PolicyConfigMapJudge
	// Policies is the policy library in force, when Rego is on.
	Policies *PolicyLibrary
	decoder  admission.Decoder
}

// NewHandlers returns Handlers decoding with the scheme lib reads.
func NewHandlers(s *cluster.Settings, r world.Resolver, rev Reviewer) *Handlers {
	return &Handlers{Settings: s, Resolver: r, Reviewer: rev, decoder: admission.NewDecoder(apis.Scheme)}
}

var (
	ingressGVK   = schema.GroupVersionKind{Group: "networking.k8s.io", Version: "v1", Kind: "Ingress"}
	secretGVK    = schema.GroupVersionKind{Version: "v1", Kind: "Secret"}
	configMapGVK = schema.GroupVersionKind{Version: "v1", Kind: "ConfigMap"}
)

// expect refuses a request for a kind the handler does not serve.
func expect(req admission.Request, gvk schema.GroupVersionKind) *admission.Response {
	got := schema.GroupVersionKind(req.Kind)
	if got != gvk {
		r := admission.Errored(http.StatusBadRequest, fmt.Errorf("this webhook admits %s, got %s", gvk, got))
		return &r
	}
	if req.Operation == admissionv1.Delete || req.Operation == admissionv1.Connect {
		r := admission.Allowed("")
		return &r
	}
	return nil
}

// ValidateIngress judges an Ingress (CREATE, UPDATE) with lib and the Reviewer.
func (h *Handlers) ValidateIngress(ctx context.Context, req admission.Request) admission.Response {
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
	var verdict validate.IngressVerdict
	var old networkingv1.Ingress
	if req.Operation == admissionv1.Update && len(req.OldObject.Raw) > 0 && h.decoder.DecodeRaw(req.OldObject, &old) == nil {
		// Hosts the update adds are claimed now (tenancy).
		verdict = v.IngressUpdate(&ing, &old, h.Resolver)
	} else {
		verdict = v.Ingress(&ing, h.Resolver)
	}
	if !verdict.Ours {
		return admission.Allowed("")
	}
	fs := verdict.Findings
	if req.Operation == admissionv1.Update && !fs.Allowed() {
		fs = h.forgivePreexisting(req, v, fs)
	}
	fs = h.review(ctx, req, "Ingress", ing.Namespace, verdict.Intent, fs, v)
	return verdictResponse(req, "Ingress", fs)
}

// ValidateSecret judges TLS and CA Secrets that something of ours uses.
func (h *Handlers) ValidateSecret(ctx context.Context, req admission.Request) admission.Response {
	if r := expect(req, secretGVK); r != nil {
		return *r
	}
	var sec corev1.Secret
	if err := h.decoder.Decode(req, &sec); err != nil {
		return admission.Errored(http.StatusBadRequest, fmt.Errorf("decode Secret: %w", err))
	}
	if sec.Namespace == "" {
		sec.Namespace = req.Namespace
	}
	v := h.Settings.Validator()
	verdict := v.Secret(&sec, h.Resolver)
	if !verdict.Judged {
		return admission.Allowed("")
	}
	return verdictResponse(req, "Secret", h.review(ctx, req, "Secret", sec.Namespace, nil, verdict.Findings, v))
}

// ValidatePolicy judges a k8s.nginx.org Policy.
func (h *Handlers) ValidatePolicy(ctx context.Context, req admission.Request) admission.Response {
	if r := expect(req, nginxv1.PolicyGroupVersionKind); r != nil {
		return *r
	}
	var pol nginxv1.Policy
	if err := h.decoder.Decode(req, &pol); err != nil {
		return admission.Errored(http.StatusBadRequest, fmt.Errorf("decode Policy: %w", err))
	}
	if pol.Namespace == "" {
		pol.Namespace = req.Namespace
	}
	v := h.Settings.Validator()
	return verdictResponse(req, "Policy", h.review(ctx, req, "Policy", pol.Namespace, nil, v.Policy(&pol, h.Resolver).Findings, v))
}

// ValidateConfigMap judges the controller ConfigMap and the policy ConfigMaps
// in its namespace; other ConfigMaps pass.
func (h *Handlers) ValidateConfigMap(ctx context.Context, req admission.Request) admission.Response {
	if r := expect(req, configMapGVK); r != nil {
		return *r
	}
	var cm corev1.ConfigMap
	if err := h.decoder.Decode(req, &cm); err != nil {
		return admission.Errored(http.StatusBadRequest, fmt.Errorf("decode ConfigMap: %w", err))
	}
	if cm.Namespace == "" {
		cm.Namespace = req.Namespace
	}
	ref := h.Settings.ConfigMap
	if cm.Namespace == ref.Namespace && cm.Labels[PolicyConfigMapLabel] == "true" && cm.Name != ref.Name {
		if h.PolicyConfigMaps == nil {
			return admission.Allowed("")
		}
		return verdictResponse(req, "ConfigMap", h.PolicyConfigMaps.JudgePolicyConfigMap(ctx, &cm))
	}
	if cm.Namespace != ref.Namespace || cm.Name != ref.Name {
		return admission.Allowed("")
	}
	_, verdict := validate.ConfigMap(&cm)
	return verdictResponse(req, "ConfigMap", h.review(ctx, req, "ConfigMap", cm.Namespace, nil, verdict.Findings, h.Settings.Validator()))
}

// review adds the Reviewer's findings to lib's, with the input the Rego
// policies see (docs/policies.md#the-input-document).
func (h *Handlers) review(ctx context.Context, req admission.Request, kind, namespace string, in *intent.Ingress, fs findings.Set, v *validate.Validator) findings.Set {
	if h.Reviewer == nil {
		return fs
	}
	fs.Merge(h.Reviewer.Review(ctx, policies.Request{
		Operation: string(req.Operation), UserInfo: req.UserInfo, Kind: kind, Namespace: namespace,
		Object: req.Object.Raw, OldObject: req.OldObject.Raw, Intent: in, Findings: fs,
	}, v))
	fs.Sort()
	return fs
}

// forgivePreexisting demotes, on UPDATE, the errors the stored object already
// had (same field, same message) to warnings: an Ingress admitted before a
// Secret or Policy it uses went bad stays updatable, while a change that
// introduces an error is still denied. The controller fails such hosts closed.
func (h *Handlers) forgivePreexisting(req admission.Request, v *validate.Validator, fs findings.Set) findings.Set {
	var old networkingv1.Ingress
	if len(req.OldObject.Raw) == 0 || h.decoder.DecodeRaw(req.OldObject, &old) != nil {
		return fs
	}
	if old.Namespace == "" {
		old.Namespace = req.Namespace
	}
	before := v.Ingress(&old, h.Resolver)
	had := map[string]bool{}
	for _, e := range before.Findings.Errors {
		had[e.Field+"\x00"+findings.ErrorMessage(e)] = true
	}
	out := findings.Set{Warnings: fs.Warnings}
	for _, e := range fs.Errors {
		msg := findings.ErrorMessage(e)
		if had[e.Field+"\x00"+msg] {
			out.Warnings = append(out.Warnings, findings.Warning{Field: e.Field, Message: "already present before this update: " + msg})
			continue
		}
		out.Errors = append(out.Errors, e)
	}
	out.Sort()
	return out
}

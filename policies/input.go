package policies

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	corev1 "k8s.io/api/core/v1"

	"github.com/seed-d040b84d/portcullis/lib/certs"
	"github.com/seed-d040b84d/portcullis/lib/config"
	"github.com/seed-d040b84d/portcullis/lib/findings"
	"github.com/seed-d040b84d/portcullis/lib/intent"
	"github.com/seed-d040b84d/portcullis/lib/world"
)

// Operations of the input document.
const (
	OperationCreate = "CREATE"
	OperationUpdate = "UPDATE"
	OperationDelete = "DELETE"
	OperationLint   = "LINT"
)

// Input is what a policy sees (docs/policies.md#the-input-document), the
// same in the webhook and in lint. Object and OldObject are the objects' JSON as submitted.
type Input struct {
	Operation string
	UserInfo  any
	Object    json.RawMessage
	OldObject json.RawMessage
	Kind      string
	Intent    *intent.Ingress
	Findings  findings.Set
	Namespace *corev1.Namespace
	// Parameters are the controller ConfigMap's policy settings.
	Parameters Parameters
	// Certificates are the leaf certificates of the Ingress's TLS secrets,
	// by "namespace/name".
	Certificates map[string]Certificate
}

// Parameters are the ConfigMap settings the built-in policies read.
type Parameters struct {
	// Policies are the built-in policies turned on (ConfigMap `policies`).
	Policies                      []string `json:"policies"`
	MinTLSVersion                 string   `json:"minTLSVersion"`
	MaxCertificateLifetimeSeconds int64    `json:"maxCertificateLifetimeSeconds"`
}

// ParametersFrom reads the parameters from a parsed ConfigMap.
func ParametersFrom(c config.Config) Parameters {
	p := Parameters{Policies: c.Policies, MinTLSVersion: c.MinTLSVersion, MaxCertificateLifetimeSeconds: int64(c.MaxCertificateLifetime / time.Second)}
	if p.Policies == nil {
		p.Policies = []string{}
	}
	return p
}

// Certificate is what a policy may know of a certificate: never the key.
type Certificate struct {
	Subject   string    `json:"subject"`
	Issuer    string    `json:"issuer"`
	DNSNames  []string  `json:"dnsNames"`
	NotBefore time.Time `json:"notBefore"`
	NotAfter  time.Time `json:"notAfter"`
	// LifetimeSeconds is NotAfter - NotBefore.
	LifetimeSeconds int64 `json:"lifetimeSeconds"`
}

// CertificatesOf finds the leaf certificate of every TLS secret the intent
// names that exists and parses (through the shared parse cache).
func CertificatesOf(in *intent.Ingress, r world.Resolver, cache *certs.Cache) map[string]Certificate {
	out := map[string]Certificate{}
	if in == nil {
		return out
	}
	for _, h := range in.Hosts {
		if h.TLS == nil || h.TLS.Secret == nil {
			continue
		}
		key := h.TLS.Secret.String()
		if _, done := out[key]; done {
			continue
		}
		sec, ok := r.Secret(h.TLS.Secret.Namespace, h.TLS.Secret.Name)
		if !ok {
			continue
		}
		sc, _ := cache.TLS(sec, nil, certs.TLSOptions{AllowMisordered: true})
		if sc == nil || sc.Leaf == nil {
			continue
		}
		l := sc.Leaf
		out[key] = Certificate{
			Subject: l.Subject.String(), Issuer: l.Issuer.String(), DNSNames: append([]string{}, l.DNSNames...),
			NotBefore: l.NotBefore.UTC(), NotAfter: l.NotAfter.UTC(),
			LifetimeSeconds: int64(l.NotAfter.Sub(l.NotBefore) / time.Second),
		}
	}
	return out
}

// document is the input document's JSON shape.
type document struct {
	Operation    string                 `json:"operation"`
	UserInfo     any                    `json:"userInfo,omitempty"`
	Object       json.RawMessage        `json:"object"`
	OldObject    json.RawMessage        `json:"oldObject,omitempty"`
	Kind         string                 `json:"kind"`
	Intent       *intent.Ingress        `json:"intent,omitempty"`
	Findings     findingsDoc            `json:"findings"`
	Namespace    *namespaceDoc          `json:"namespace,omitempty"`
	Parameters   Parameters             `json:"parameters"`
	Certificates map[string]Certificate `json:"certificates"`
}

type findingsDoc struct {
	Errors   []findings.Entry `json:"errors"`
	Warnings []findings.Entry `json:"warnings"`
}

type namespaceDoc struct {
	Name        string            `json:"name"`
	Labels      map[string]string `json:"labels"`
	Annotations map[string]string `json:"annotations"`
}

// JSON renders the input document.
func (in Input) JSON() ([]byte, error) {
	d := document{
		Operation: in.Operation, UserInfo: in.UserInfo, Object: in.Object, OldObject: in.OldObject,
		Kind: in.Kind, Intent: in.Intent, Parameters: in.Parameters, Certificates: in.Certificates,
		Findings: findingsDoc{Errors: in.Findings.ErrorEntries(), Warnings: in.Findings.WarningEntries()},
	}
	if d.Object == nil {
		d.Object = json.RawMessage("null")
	}
	if d.Findings.Errors == nil {
		d.Findings.Errors = []findings.Entry{}
	}
	if d.Findings.Warnings == nil {
		d.Findings.Warnings = []findings.Entry{}
	}
	if d.Certificates == nil {
		d.Certificates = map[string]Certificate{}
	}
	if d.Parameters.Policies == nil {
		d.Parameters.Policies = []string{}
	}
	if ns := in.Namespace; ns != nil {
		d.Namespace = &namespaceDoc{Name: ns.Name, Labels: orEmpty(ns.Labels), Annotations: orEmpty(ns.Annotations)}
	}
	return json.Marshal(d)
}

// Value is the input document as the parsed value the evaluator takes.
func (in Input) Value() (ast.Value, error) {
	b, err := in.JSON()
	if err != nil {
		return nil, fmt.Errorf("render input: %w", err)
	}
	return ast.ValueFromReader(bytes.NewReader(b))
}

func orEmpty(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}

// Request is one object to review, as the webhook or lint has it.
type Request struct {
	// Operation is CREATE or UPDATE in the webhook, LINT in lint.
	Operation string
	// UserInfo is the requester (absent in lint).
	UserInfo any
	// Kind is Ingress, Secret, ConfigMap or Policy.
	Kind      string
	Namespace string
	// Object and OldObject are the objects' JSON as submitted.
	Object, OldObject []byte
	// Intent is lib's intent for an Ingress; Findings is lib's verdict.
	Intent   *intent.Ingress
	Findings findings.Set
}

// InputFor builds the input document the same way for the webhook and lint:
// the namespace and certificates are looked up through the resolver, the
// parameters come from the controller ConfigMap in force.
func InputFor(req Request, r world.Resolver, cache *certs.Cache, cfg config.Config) Input {
	in := Input{
		Operation: req.Operation, UserInfo: req.UserInfo, Kind: req.Kind,
		Object: req.Object, OldObject: req.OldObject, Intent: req.Intent, Findings: req.Findings,
		Parameters: ParametersFrom(cfg),
	}
	if req.Namespace != "" {
		if ns, ok := r.Namespace(req.Namespace); ok {
			in.Namespace = ns
		} else {
			in.Namespace = &corev1.Namespace{}
			in.Namespace.Name = req.Namespace
		}
	}
	if req.Intent != nil {
		in.Certificates = CertificatesOf(req.Intent, r, cache)
	}
	return in
}

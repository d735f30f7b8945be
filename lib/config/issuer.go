package config

import (
	"fmt"
	"strings"

	cmapi "github.com/cert-manager/cert-manager/pkg/apis/certmanager/v1"

	"github.com/seed-d040b84d/portcullis/lib/annotations"
	"github.com/seed-d040b84d/portcullis/lib/annotations/grammar"
)

// CertManagerGroup is the API group of cert-manager's own issuers.
const CertManagerGroup = "cert-manager.io"

// IssuerRef names the cert-manager issuer portcullis adds to Ingresses that
// have none (ConfigMap default-issuer, namespace annotation
// portcullis.dev/default-issuer).
type IssuerRef struct {
	Name  string `json:"name"`
	Kind  string `json:"kind"`
	Group string `json:"group"`
}

// String renders the reference in the syntax ParseIssuerRef reads.
func (r IssuerRef) String() string {
	if r.Group == CertManagerGroup {
		return r.Kind + "/" + r.Name
	}
	return r.Group + "/" + r.Kind + "/" + r.Name
}

// Annotations are the cert-manager annotations that select this issuer on an
// Ingress: cluster-issuer for cert-manager's ClusterIssuer, issuer for its
// Issuer, and issuer with issuer-kind and issuer-group for external issuers
// (cert-manager refuses issuer-kind and issuer-group next to cluster-issuer).
func (r IssuerRef) Annotations() map[string]string {
	switch {
	case r.Group == CertManagerGroup && r.Kind == cmapi.ClusterIssuerKind:
		return map[string]string{annotations.KeyCMClusterIssuer: r.Name}
	case r.Group == CertManagerGroup && r.Kind == cmapi.IssuerKind:
		return map[string]string{annotations.KeyCMIssuer: r.Name}
	}
	return map[string]string{
		annotations.KeyCMIssuer:      r.Name,
		annotations.KeyCMIssuerKind:  r.Kind,
		annotations.KeyCMIssuerGroup: r.Group,
	}
}

var issuerKinds = []string{cmapi.ClusterIssuerKind, cmapi.IssuerKind}

// ParseIssuerRef reads "ClusterIssuer/<name>", "Issuer/<name>" (cert-manager's
// own issuers) or "<group>/<Kind>/<name>" (external issuers).
func ParseIssuerRef(s string) (IssuerRef, error) {
	parts := strings.Split(s, "/")
	var ref IssuerRef
	switch len(parts) {
	case 2:
		ref = IssuerRef{Group: CertManagerGroup, Kind: parts[0], Name: parts[1]}
	case 3:
		ref = IssuerRef{Group: parts[0], Kind: parts[1], Name: parts[2]}
		if _, err := grammar.Subdomain("API group").Parse(ref.Group, grammar.Context{}); err != nil {
			return IssuerRef{}, fmt.Errorf("%s in %q", err, s)
		}
		if _, err := grammar.Kind.Parse(ref.Kind, grammar.Context{}); err != nil {
			return IssuerRef{}, fmt.Errorf("%s in %q", err, s)
		}
	default:
		return IssuerRef{}, fmt.Errorf(`must be "ClusterIssuer/<name>", "Issuer/<name>" or "<group>/<Kind>/<name>", got %q`, s)
	}
	if ref.Group == CertManagerGroup && ref.Kind != cmapi.ClusterIssuerKind && ref.Kind != cmapi.IssuerKind {
		return IssuerRef{}, fmt.Errorf(`cert-manager's own issuer kinds are "ClusterIssuer" and "Issuer", got %q in %q%s`,
			ref.Kind, s, grammar.Suggest(ref.Kind, issuerKinds))
	}
	if _, err := grammar.Subdomain("issuer name").Parse(ref.Name, grammar.Context{}); err != nil {
		return IssuerRef{}, fmt.Errorf("%s in %q", err, s)
	}
	return ref, nil
}

// NoDefaultIssuer is the namespace annotation value that turns the default
// issuer off for a namespace.
const NoDefaultIssuer = "none"

// ParseNamespaceDefaultIssuer reads the namespace annotation
// portcullis.dev/default-issuer: ParseIssuerRef's syntax, or "none" (none is
// then true).
func ParseNamespaceDefaultIssuer(s string) (ref IssuerRef, none bool, err error) {
	if s == NoDefaultIssuer {
		return IssuerRef{}, true, nil
	}
	ref, err = ParseIssuerRef(s)
	if err != nil {
		return IssuerRef{}, false, fmt.Errorf(`%w; or "none" to turn the default issuer off`, err)
	}
	return ref, false, nil
}

var issuerRefGrammar = grammar.Grammar[*IssuerRef]{
	Name: "ClusterIssuer/<name>, Issuer/<name> or <group>/<Kind>/<name>; empty = none",
	Parse: func(s string, _ grammar.Context) (*IssuerRef, error) {
		if s == "" {
			return nil, nil
		}
		ref, err := ParseIssuerRef(s)
		if err != nil {
			return nil, err
		}
		return &ref, nil
	},
	Format: func(r *IssuerRef) string {
		if r == nil {
			return ""
		}
		return r.String()
	},
}

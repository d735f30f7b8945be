package config

import (
	"fmt"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation"
)

// ShareHostsWithAnnotation is the namespace annotation through which the
// namespace that owns a host lets other namespaces add to it: a
// comma-separated list of namespace names.
const ShareHostsWithAnnotation = "portcullis.dev/share-hosts-with"

// ParseShareHostsWith reads the value of portcullis.dev/share-hosts-with:
// namespace names (DNS-1123 labels) separated by "," or ", ". Nothing is
// trimmed beyond that separator; an empty entry, a bad name or a name listed
// twice is an error naming it.
func ParseShareHostsWith(s string) ([]string, error) {
	if s == "" {
		return nil, fmt.Errorf(`must list namespace names separated by ",", got ""`)
	}
	var out []string
	for i, part := range strings.Split(s, ",") {
		if i > 0 {
			part = strings.TrimPrefix(part, " ")
		}
		if part == "" {
			return nil, fmt.Errorf("entry %d of %q is empty: list namespace names separated by \",\"", i+1, s)
		}
		if msgs := validation.IsDNS1123Label(part); len(msgs) > 0 {
			return nil, fmt.Errorf("entry %q of %q is not a namespace name: %s", part, s, strings.Join(msgs, "; "))
		}
		if slices.Contains(out, part) {
			return nil, fmt.Errorf("namespace %q is listed twice in %q", part, s)
		}
		out = append(out, part)
	}
	return out, nil
}

// NamespaceDefaultIssuerAnnotation is the namespace annotation that
// overrides the ConfigMap's default-issuer for Ingresses of the namespace.
const NamespaceDefaultIssuerAnnotation = "portcullis.dev/default-issuer"

// NamespaceAnnotation is one annotation portcullis reads on Namespaces.
type NamespaceAnnotation struct {
	Key, Grammar, Doc string
}

// NamespaceAnnotations lists the annotations portcullis reads on Namespaces,
// for the generated reference.
func NamespaceAnnotations() []NamespaceAnnotation {
	return []NamespaceAnnotation{
		{
			Key: NamespaceDefaultIssuerAnnotation, Grammar: "ClusterIssuer/<name>, Issuer/<name>, <group>/<Kind>/<name> or none",
			Doc: "The cert-manager issuer the mutating webhook adds to this namespace's Ingresses instead of the ConfigMap's `default-issuer`; `none` adds none.",
		},
		{
			Key: ShareHostsWithAnnotation, Grammar: "namespace names separated by \",\" (or \", \")",
			Doc: "Namespaces whose Ingresses may add paths to the hosts this namespace owns (a host belongs to the namespace of the oldest Ingress naming it). Without it, another namespace's Ingress naming an owned host is denied. An invalid value shares nothing, and the denial says why.",
		},
	}
}

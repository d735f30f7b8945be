package grammar

import (
	"fmt"
	"regexp"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation"
)

// Ref names a namespaced object. An empty Namespace means the namespace of the
// object that holds the reference.
type Ref struct {
	Namespace string `json:"namespace,omitempty"`
	Name      string `json:"name"`
}

// String renders the reference as namespace/name, or name alone when the
// namespace is implicit.
func (r Ref) String() string {
	if r.Namespace == "" {
		return r.Name
	}
	return r.Namespace + "/" + r.Name
}

// ObjectRef is ingress-nginx's "namespace/name": exactly one "/", a DNS-1123
// label (or nothing, for the Ingress's own namespace) before it and a DNS-1123
// subdomain after it.
var ObjectRef = Grammar[Ref]{
	Name: "namespace/name",
	Parse: func(s string, _ Context) (Ref, error) {
		ns, name, ok := strings.Cut(s, "/")
		if !ok || strings.Contains(name, "/") {
			return Ref{}, errorf(`must be "namespace/name" (or "/name" for the Ingress's own namespace), got %q`, s)
		}
		if err := checkRefParts(s, ns, name); err != nil {
			return Ref{}, err
		}
		return Ref{Namespace: ns, Name: name}, nil
	},
	Format: func(r Ref) string { return r.Namespace + "/" + r.Name },
}

func checkRefParts(s, ns, name string) error {
	if ns != "" {
		if msgs := validation.IsDNS1123Label(ns); len(msgs) > 0 {
			return errorf("namespace %q in %q is not a valid namespace name: %s", ns, s, strings.Join(msgs, "; "))
		}
	}
	if name == "" {
		return errorf("the name after the namespace is empty in %q", s)
	}
	if msgs := validation.IsDNS1123Subdomain(name); len(msgs) > 0 {
		return errorf("name %q in %q is not a valid object name: %s", name, s, strings.Join(msgs, "; "))
	}
	return nil
}

// RefList is NGINX Inc's policy list: comma-separated "name" or
// "namespace/name", with optional spaces around each entry (as NGINX Inc
// trims them).
var RefList = Grammar[[]Ref]{
	Name: "comma-separated name or namespace/name",
	Parse: func(s string, _ Context) ([]Ref, error) {
		var refs []Ref
		for i, item := range strings.Split(s, ",") {
			item = strings.Trim(item, " ")
			if item == "" {
				return nil, errorf("entry %d of %q is empty: list names separated by single commas", i+1, s)
			}
			ns, name, ok := strings.Cut(item, "/")
			if !ok {
				ns, name = "", item
			} else if ns == "" || strings.Contains(name, "/") {
				return nil, errorf(`entry %q must be "name" or "namespace/name"`, item)
			}
			if err := checkRefParts(item, ns, name); err != nil {
				return nil, err
			}
			refs = append(refs, Ref{Namespace: ns, Name: name})
		}
		return refs, nil
	},
	Format: func(refs []Ref) string {
		parts := make([]string, len(refs))
		for i, r := range refs {
			parts[i] = r.String()
		}
		return strings.Join(parts, ",")
	},
}

// ServiceList is a comma-separated list of Service names (DNS-1035 labels), no
// spaces (NGINX Inc does not trim them either).
var ServiceList = Grammar[[]string]{
	Name: "comma-separated service names",
	Parse: func(s string, _ Context) ([]string, error) {
		var out []string
		for i, item := range strings.Split(s, ",") {
			if item == "" {
				return nil, errorf("entry %d of %q is empty: list service names separated by single commas", i+1, s)
			}
			if msgs := validation.IsDNS1035Label(item); len(msgs) > 0 {
				return nil, errorf("entry %q is not a valid service name: %s", item, strings.Join(msgs, "; "))
			}
			out = append(out, item)
		}
		return out, nil
	},
	Format: func(v []string) string { return strings.Join(v, ",") },
}

// DNSName is a host name for SNI or certificate verification: a lower-case RFC
// 1123 subdomain, no wildcard, no nginx variable.
var DNSName = Grammar[string]{
	Name: "DNS name (RFC 1123, no wildcard)",
	Parse: func(s string, _ Context) (string, error) {
		if err := checkDNSName(s, false); err != nil {
			return "", err
		}
		return s, nil
	},
	Format: func(v string) string { return v },
}

// DNSNames is a comma-separated list of DNS names; a "*." wildcard is allowed
// as the whole left-most label.
var DNSNames = Grammar[[]string]{
	Name: "comma-separated DNS names (*. wildcard allowed)",
	Parse: func(s string, _ Context) ([]string, error) {
		var out []string
		for i, item := range strings.Split(s, ",") {
			if item == "" {
				return nil, errorf("entry %d of %q is empty: list names separated by single commas", i+1, s)
			}
			if err := checkDNSName(item, true); err != nil {
				return nil, err
			}
			out = append(out, item)
		}
		return out, nil
	},
	Format: func(v []string) string { return strings.Join(v, ",") },
}

func checkDNSName(s string, wildcard bool) error {
	if s == "" {
		return errorf("must be a DNS name, got an empty value")
	}
	name := s
	if strings.Contains(s, "*") {
		if !wildcard {
			return errorf("must be a DNS name without wildcard, got %q", s)
		}
		name = strings.TrimPrefix(s, "*.")
		if strings.Contains(name, "*") {
			return errorf(`a wildcard is allowed only as the whole left-most label ("*.example.com"), got %q`, s)
		}
	}
	if msgs := validation.IsDNS1123Subdomain(name); len(msgs) > 0 {
		return errorf("%q is not a valid DNS name: %s", s, strings.Join(msgs, "; "))
	}
	return nil
}

// Subdomain is a Kubernetes object name or API group: a DNS-1123 subdomain.
// what names the thing in messages ("issuer name").
func Subdomain(what string) Grammar[string] {
	return Grammar[string]{
		Name: what + " (DNS-1123 subdomain)",
		Parse: func(s string, _ Context) (string, error) {
			if s == "" {
				return "", errorf("%s must not be empty", what)
			}
			if msgs := validation.IsDNS1123Subdomain(s); len(msgs) > 0 {
				return "", errorf("%q is not a valid %s: %s", s, what, strings.Join(msgs, "; "))
			}
			return s, nil
		},
		Format: func(v string) string { return v },
	}
}

var kindRE = regexp.MustCompile(`^[A-Z][A-Za-z0-9]{0,62}$`)

// Kind is a Kubernetes kind name: an upper-case letter, then letters and digits.
var Kind = Grammar[string]{
	Name: "kind (e.g. Issuer, ClusterIssuer, AWSPCAIssuer)",
	Parse: func(s string, _ Context) (string, error) {
		if !kindRE.MatchString(s) {
			return "", errorf("must be a kind name (an upper-case letter, then letters and digits, e.g. %q), got %q%s",
				"ClusterIssuer", s, Suggest(s, []string{"Issuer", "ClusterIssuer"}))
		}
		return s, nil
	},
	Format: func(v string) string { return v },
}

// String is any value of at most max bytes: for free text that never reaches
// nginx (cert-manager subject fields). It is named for the docs by name.
func String(name string, max int) Grammar[string] {
	return Grammar[string]{
		Name: name,
		Parse: func(s string, _ Context) (string, error) {
			if len(s) > max {
				return "", errorf("must be at most %d bytes, got %d", max, len(s))
			}
			return s, nil
		},
		Format: func(v string) string { return v },
	}
}

// quoteOrEmpty renders s for messages.
func quoteOrEmpty(s string) string {
	if s == "" {
		return "an empty value"
	}
	return fmt.Sprintf("%q", s)
}

package validate

import (
	"fmt"
	"slices"

	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/seed-d040b84d/portcullis/lib/findings"
)

// ControllerName is the spec.controller of IngressClasses portcullis serves.
const ControllerName = "portcullis.dev/ingress-controller"

// DefaultClassName is the ingress class portcullis serves without configuration.
const DefaultClassName = "portcullis"

// LegacyClassAnnotation is the pre-IngressClass way to select a controller.
const LegacyClassAnnotation = "kubernetes.io/ingress.class"

// ClassOptions says which Ingresses are ours
// (docs/migrate-from-ingress-nginx.md#ingress-class).
type ClassOptions struct {
	// Name is the ingress class portcullis serves (--ingress-class).
	Name string
	// WatchWithoutClass also serves Ingresses that name no class.
	WatchWithoutClass bool
	// Namespaces, when not empty, are the only namespaces whose Ingresses
	// are ours (--watch-namespace); Ingresses elsewhere are left alone.
	Namespaces []string
}

// ClassLookup finds IngressClass objects.
type ClassLookup interface {
	IngressClass(name string) (*networkingv1.IngressClass, bool)
}

// IngressClassOf returns the class an Ingress selects and whether it is ours.
// spec.ingressClassName wins over the legacy annotation; both set and different
// is an error when either names our class.
func IngressClassOf(ing *networkingv1.Ingress, classes ClassLookup, opts ClassOptions) (string, bool, findings.Set) {
	if len(opts.Namespaces) > 0 && !slices.Contains(opts.Namespaces, ing.Namespace) {
		opts.Namespaces = nil
		name, _, _ := IngressClassOf(ing, classes, opts)
		return name, false, findings.Set{}
	}
	var fs findings.Set
	specName := ""
	if ing.Spec.IngressClassName != nil {
		specName = *ing.Spec.IngressClassName
	}
	annName, hasAnn := ing.Annotations[LegacyClassAnnotation]
	switch {
	case specName != "" && hasAnn && annName != specName:
		if isOurs(specName, classes, opts) || isOurs(annName, classes, opts) {
			fs.Error(field.NewPath("metadata", "annotations").Key(LegacyClassAnnotation), annName,
				fmt.Sprintf("got %q but spec.ingressClassName is %q: set one of them, or both to the same class", annName, specName))
			return specName, true, fs
		}
		return specName, false, fs
	case specName != "":
		return specName, isOurs(specName, classes, opts), fs
	case hasAnn:
		return annName, isOurs(annName, classes, opts), fs
	default:
		return "", opts.WatchWithoutClass, fs
	}
}

func isOurs(name string, classes ClassLookup, opts ClassOptions) bool {
	want := opts.Name
	if want == "" {
		want = DefaultClassName
	}
	if name == want {
		return true
	}
	if classes == nil {
		return false
	}
	ic, ok := classes.IngressClass(name)
	return ok && ic.Spec.Controller == ControllerName
}

package v1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// GroupName is the API group of NGINX Inc's custom resources.
const GroupName = "k8s.nginx.org"

// The names of the Policy type, as NGINX's CRD (policies.k8s.nginx.org) spells them.
const (
	Kind      = "Policy"
	ListKind  = "PolicyList"
	Plural    = "policies"
	Singular  = "policy"
	ShortName = "pol"
)

// SchemeGroupVersion is the group and version of the types in this package.
var SchemeGroupVersion = schema.GroupVersion{Group: GroupName, Version: "v1"}

// GroupVersion is SchemeGroupVersion under the name controller-runtime projects use.
var GroupVersion = SchemeGroupVersion

// PolicyGroupVersionResource and PolicyGroupVersionKind identify Policy for
// dynamic clients, admission requests and RESTMappers.
var (
	PolicyGroupVersionResource = SchemeGroupVersion.WithResource(Plural)
	PolicyGroupVersionKind     = SchemeGroupVersion.WithKind(Kind)
)

var (
	// SchemeBuilder registers the types of this package with a scheme.
	SchemeBuilder = runtime.NewSchemeBuilder(addKnownTypes)
	// AddToScheme adds Policy and PolicyList to a scheme.
	AddToScheme = SchemeBuilder.AddToScheme
)

func addKnownTypes(s *runtime.Scheme) error {
	s.AddKnownTypes(SchemeGroupVersion, &Policy{}, &PolicyList{})
	metav1.AddToGroupVersion(s, SchemeGroupVersion)
	return nil
}

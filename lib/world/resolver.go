// Package world is what lib judges an object against: the Resolver interface
// through which it looks up Secrets, Policies, Namespaces, Services,
// IngressClasses and the other Ingresses, a Static resolver over a fixed set of
// objects (lint's files, tests), and the decoder for lint's YAML input.
package world

import (
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"

	nginxv1 "github.com/seed-d040b84d/portcullis/lib/apis/k8snginx/v1"
)

// Resolver looks up the objects an Ingress refers to. The webhook backs it with
// the manager's cache, the controller with its cache and lint with the files it
// was given; lib has no Kubernetes client of its own. Lookups return false when
// the object does not exist. Returned objects must not be modified.
type Resolver interface {
	Secret(namespace, name string) (*corev1.Secret, bool)
	Policy(namespace, name string) (*nginxv1.Policy, bool)
	Namespace(name string) (*corev1.Namespace, bool)
	Service(namespace, name string) (*corev1.Service, bool)
	IngressClass(name string) (*networkingv1.IngressClass, bool)
	// Ingresses returns every Ingress known, in any order; callers filter by class.
	Ingresses() []*networkingv1.Ingress
}

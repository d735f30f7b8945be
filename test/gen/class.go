package gen

import (
	networkingv1 "k8s.io/api/networking/v1"
)

// IngressClassOption changes an IngressClass as it is built: a Meta or one of
// the options below.
type IngressClassOption interface {
	applyIngressClass(*networkingv1.IngressClass)
}

// IngressClassFunc is an IngressClassOption a test writes itself.
type IngressClassFunc func(*networkingv1.IngressClass)

func (f IngressClassFunc) applyIngressClass(c *networkingv1.IngressClass) { f(c) }
func (m Meta) applyIngressClass(c *networkingv1.IngressClass)             { m(&c.ObjectMeta) }

// Controller is the spec.controller of the IngressClasses portcullis serves
// (lib/validate's ControllerName; gen does not import lib, whose own tests use
// gen).
const Controller = "portcullis.dev/ingress-controller"

// IngressClass is an IngressClass named name whose controller is portcullis.
func IngressClass(name string, opts ...IngressClassOption) *networkingv1.IngressClass {
	c := &networkingv1.IngressClass{ObjectMeta: objectMeta(name), Spec: networkingv1.IngressClassSpec{Controller: Controller}}
	for _, o := range opts {
		o.applyIngressClass(c)
	}
	return c
}

// ClassController sets spec.controller (another controller's class).
func ClassController(controller string) IngressClassFunc {
	return func(c *networkingv1.IngressClass) { c.Spec.Controller = controller }
}

// IsDefaultClass marks the class as the cluster's default, for Ingresses
// naming none.
func IsDefaultClass() Meta {
	return Annotation(networkingv1.AnnotationIsDefaultIngressClass, "true")
}

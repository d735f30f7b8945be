package gen

import (
	"slices"

	networkingv1 "k8s.io/api/networking/v1"
)

// Class is the IngressClass an Ingress built here names unless told otherwise.
const Class = "portcullis"

// IngressOption changes an Ingress as it is built: a Meta, or one of the
// options below.
type IngressOption interface{ applyIngress(*networkingv1.Ingress) }

// IngressFunc is an IngressOption a test writes itself.
type IngressFunc func(*networkingv1.Ingress)

func (f IngressFunc) applyIngress(ing *networkingv1.Ingress) { f(ing) }
func (m Meta) applyIngress(ing *networkingv1.Ingress)        { m(&ing.ObjectMeta) }

// Ingress is an Ingress named name of IngressClass Class, with no rules.
func Ingress(name string, opts ...IngressOption) *networkingv1.Ingress {
	class := Class
	ing := &networkingv1.Ingress{ObjectMeta: objectMeta(name), Spec: networkingv1.IngressSpec{IngressClassName: &class}}
	for _, o := range opts {
		o.applyIngress(ing)
	}
	return ing
}

// IngressClassName names the Ingress's class; "" leaves the field unset.
func IngressClassName(class string) IngressFunc {
	return func(ing *networkingv1.Ingress) {
		ing.Spec.IngressClassName = nil
		if class != "" {
			ing.Spec.IngressClassName = &class
		}
	}
}

// Host adds a rule for host; the paths that follow go to it.
func Host(host string) IngressFunc {
	return func(ing *networkingv1.Ingress) {
		ing.Spec.Rules = append(ing.Spec.Rules, networkingv1.IngressRule{Host: host})
	}
}

// Path adds a Prefix path to service:port on the last rule (a rule for every
// host when there is none yet).
func Path(path, service string, port int32) IngressFunc {
	return PathOfType(networkingv1.PathTypePrefix, path, service, port)
}

// ExactPath adds an Exact path to service:port on the last rule.
func ExactPath(path, service string, port int32) IngressFunc {
	return PathOfType(networkingv1.PathTypeExact, path, service, port)
}

// PathOfType adds a path of the given type to service:port on the last rule.
func PathOfType(pathType networkingv1.PathType, path, service string, port int32) IngressFunc {
	return func(ing *networkingv1.Ingress) {
		if len(ing.Spec.Rules) == 0 {
			ing.Spec.Rules = append(ing.Spec.Rules, networkingv1.IngressRule{})
		}
		r := &ing.Spec.Rules[len(ing.Spec.Rules)-1]
		if r.HTTP == nil {
			r.HTTP = &networkingv1.HTTPIngressRuleValue{}
		}
		r.HTTP.Paths = append(r.HTTP.Paths, networkingv1.HTTPIngressPath{
			Path: path, PathType: &pathType, Backend: ServiceBackend(service, port)})
	}
}

// NamedPortPath adds a Prefix path to the port named portName of service
// on the last rule.
func NamedPortPath(path, service, portName string) IngressFunc {
	return func(ing *networkingv1.Ingress) {
		PathOfType(networkingv1.PathTypePrefix, path, service, 0)(ing)
		r := ing.Spec.Rules[len(ing.Spec.Rules)-1]
		r.HTTP.Paths[len(r.HTTP.Paths)-1].Backend.Service.Port = networkingv1.ServiceBackendPort{Name: portName}
	}
}

// DefaultBackend sends what no rule matches to service:port.
func DefaultBackend(service string, port int32) IngressFunc {
	return func(ing *networkingv1.Ingress) {
		b := ServiceBackend(service, port)
		ing.Spec.DefaultBackend = &b
	}
}

// ServiceBackend is a backend of service:port.
func ServiceBackend(service string, port int32) networkingv1.IngressBackend {
	return networkingv1.IngressBackend{Service: &networkingv1.IngressServiceBackend{
		Name: service, Port: networkingv1.ServiceBackendPort{Number: port}}}
}

// TLS adds a TLS entry with secret for hosts, or, without hosts, for the
// hosts of the rules added so far.
func TLS(secret string, hosts ...string) IngressFunc {
	return func(ing *networkingv1.Ingress) {
		entry := networkingv1.IngressTLS{Hosts: slices.Clone(hosts), SecretName: secret}
		if len(hosts) == 0 {
			for _, r := range ing.Spec.Rules {
				entry.Hosts = append(entry.Hosts, r.Host)
			}
		}
		ing.Spec.TLS = append(ing.Spec.TLS, entry)
	}
}

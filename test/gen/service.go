package gen

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// ServiceOption changes a Service as it is built: a Meta or one of the
// options below.
type ServiceOption interface{ applyService(*corev1.Service) }

// ServiceFunc is a ServiceOption a test writes itself.
type ServiceFunc func(*corev1.Service)

func (f ServiceFunc) applyService(s *corev1.Service) { f(s) }
func (m Meta) applyService(s *corev1.Service)        { m(&s.ObjectMeta) }

// Service is a ClusterIP Service named name with no ports.
func Service(name string, opts ...ServiceOption) *corev1.Service {
	s := &corev1.Service{ObjectMeta: objectMeta(name), Spec: corev1.ServiceSpec{Type: corev1.ServiceTypeClusterIP}}
	for _, o := range opts {
		o.applyService(s)
	}
	return s
}

// ExternalName is a Service of type ExternalName for host (a backend
// outside the cluster, or on this machine with "localhost").
func ExternalName(name, host string, opts ...ServiceOption) *corev1.Service {
	return Service(name, append([]ServiceOption{ServiceFunc(func(s *corev1.Service) {
		s.Spec.Type, s.Spec.ExternalName = corev1.ServiceTypeExternalName, host
	})}, opts...)...)
}

// ServicePort adds a TCP port named name (which may be "") on port, sent to
// targetPort (0 leaves it unset: the API server makes it port).
func ServicePort(name string, port, targetPort int32) ServiceFunc {
	return func(s *corev1.Service) {
		p := corev1.ServicePort{Name: name, Port: port, Protocol: corev1.ProtocolTCP}
		if targetPort != 0 {
			p.TargetPort = intstr.FromInt32(targetPort)
		}
		s.Spec.Ports = append(s.Spec.Ports, p)
	}
}

// ClusterIP sets the Service's cluster IP; corev1.ClusterIPNone makes it
// headless.
func ClusterIP(ip string) ServiceFunc { return func(s *corev1.Service) { s.Spec.ClusterIP = ip } }

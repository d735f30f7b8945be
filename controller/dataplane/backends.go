package dataplane

import (
	"fmt"
	"net"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/seed-d040b84d/portcullis/lib/intent"
	"github.com/seed-d040b84d/portcullis/lib/validate"
	"github.com/seed-d040b84d/portcullis/lib/world"
)

// Backends resolves a path's backend to the addresses the data plane proxies to.
type Backends interface {
	// Addresses returns the "host:port" addresses of the backend of an Ingress
	// in namespace, and the host name a TLS backend is verified against by
	// default. An error or no address makes the path answer 503.
	Addresses(namespace string, b intent.Backend) (servers []string, tlsName string, err error)
}

// ServiceBackends resolves backends through their Service: an ExternalName
// Service to its external name on the port the Ingress names, any other
// Service to its ClusterIP and service port.
type ServiceBackends struct {
	Resolver world.Resolver
}

// Addresses implements Backends.
func (s ServiceBackends) Addresses(namespace string, b intent.Backend) ([]string, string, error) {
	svc, ok := s.Resolver.Service(namespace, b.Service)
	if !ok {
		return nil, "", fmt.Errorf("service %s/%s not found", namespace, b.Service)
	}
	port := b.Port
	if b.PortName != "" {
		for _, p := range svc.Spec.Ports {
			if p.Name == b.PortName {
				port = p.Port
			}
		}
	}
	if port <= 0 || port > 65535 {
		return nil, "", fmt.Errorf("service %s/%s has no port %q", namespace, b.Service, b.PortName)
	}
	var host, name string
	switch svc.Spec.Type {
	case corev1.ServiceTypeExternalName:
		host = strings.TrimSuffix(svc.Spec.ExternalName, ".")
		name = host
	default:
		host = svc.Spec.ClusterIP
		name = b.Service + "." + namespace + ".svc"
		if host == "" || host == corev1.ClusterIPNone {
			return nil, "", fmt.Errorf("service %s/%s has no cluster IP", namespace, b.Service)
		}
	}
	addr, err := Address(host, int(port))
	if err != nil {
		return nil, "", fmt.Errorf("service %s/%s: %w", namespace, b.Service, err)
	}
	return []string{addr}, name, nil
}

// Address joins a validated host (an IP address or an RFC 1123 name) and port.
// Service fields reach the data plane through here only: an ExternalName is
// written by whoever can create Services and is checked like a host.
func Address(host string, port int) (string, error) {
	if port <= 0 || port > 65535 {
		return "", fmt.Errorf("port %d out of range", port)
	}
	if ip := net.ParseIP(host); ip != nil {
		return net.JoinHostPort(ip.String(), strconv.Itoa(port)), nil
	}
	if strings.HasPrefix(host, "*.") {
		return "", fmt.Errorf("address %q is a wildcard", host)
	}
	if _, ok := validate.ValidHost(host); !ok {
		return "", fmt.Errorf("address %q is not an IP address or an RFC 1123 host name", host)
	}
	return net.JoinHostPort(host, strconv.Itoa(port)), nil
}

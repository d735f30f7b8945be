package dataplane

import (
	"fmt"
	"net"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

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

// EndpointLookup finds the EndpointSlices of a Service (label
// kubernetes.io/service-name).
type EndpointLookup interface {
	EndpointSlices(namespace, service string) []*discoveryv1.EndpointSlice
}

// ServiceBackends resolves backends through their Service: an ExternalName
// Service to its external name on the port the Ingress names, or on that
// port's numeric targetPort when the Service lists it (as ingress-nginx
// does); any other
// Service to the ready addresses of its EndpointSlices (pod IPs and target
// ports) when Endpoints is set and the Ingress does not ask for
// service-upstream, else to its ClusterIP and service port.
type ServiceBackends struct {
	Resolver  world.Resolver
	Endpoints EndpointLookup
}

// Addresses implements Backends.
func (s ServiceBackends) Addresses(namespace string, b intent.Backend) ([]string, string, error) {
	svc, ok := s.Resolver.Service(namespace, b.Service)
	if !ok {
		return nil, "", fmt.Errorf("service %s/%s not found", namespace, b.Service)
	}
	var host, name string
	if svc.Spec.Type == corev1.ServiceTypeExternalName {
		port := b.Port
		if b.PortName != "" {
			return nil, "", fmt.Errorf("service %s/%s is ExternalName: a named port cannot be resolved", namespace, b.Service)
		}
		port, named := externalTargetPort(svc, port)
		if named != "" {
			return nil, "", fmt.Errorf("service %s/%s is ExternalName: port %d targets the named port %q, which cannot be resolved", namespace, b.Service, b.Port, named)
		}
		host = strings.TrimSuffix(svc.Spec.ExternalName, ".")
		addr, err := Address(host, int(port))
		if err != nil {
			return nil, "", fmt.Errorf("service %s/%s: %w", namespace, b.Service, err)
		}
		return []string{addr}, host, nil
	}
	var sp *corev1.ServicePort
	for i, p := range svc.Spec.Ports {
		if (b.PortName != "" && p.Name == b.PortName) || (b.PortName == "" && p.Port == b.Port) {
			sp = &svc.Spec.Ports[i]
		}
	}
	if sp == nil {
		label := strconv.Itoa(int(b.Port))
		if b.PortName != "" {
			label = strconv.Quote(b.PortName)
		}
		return nil, "", fmt.Errorf("service %s/%s has no port %s", namespace, b.Service, label)
	}
	name = b.Service + "." + namespace + ".svc"
	if s.Endpoints != nil && !b.ServiceUpstream {
		addrs, err := EndpointAddresses(namespace, b.Service, sp.Name, s.Endpoints)
		return addrs, name, err
	}
	host = svc.Spec.ClusterIP
	if host == "" || host == corev1.ClusterIPNone {
		return nil, "", fmt.Errorf("service %s/%s has no cluster IP", namespace, b.Service)
	}
	addr, err := Address(host, int(sp.Port))
	if err != nil {
		return nil, "", fmt.Errorf("service %s/%s: %w", namespace, b.Service, err)
	}
	return []string{addr}, name, nil
}

// EndpointAddresses are the ready addresses of a Service's EndpointSlices,
// on the endpoint port named like the Service port (portName, "" for an
// unnamed one), each checked like any host the data plane is given.
func EndpointAddresses(namespace, service, portName string, lookup EndpointLookup) ([]string, error) {
	var out []string
	for _, slice := range lookup.EndpointSlices(namespace, service) {
		var port int32
		for _, p := range slice.Ports {
			if p.Port != nil && (p.Name == nil && portName == "" || p.Name != nil && *p.Name == portName) {
				port = *p.Port
			}
		}
		if port == 0 {
			continue
		}
		for _, ep := range slice.Endpoints {
			if ep.Conditions.Ready != nil && !*ep.Conditions.Ready {
				continue
			}
			for _, a := range ep.Addresses {
				addr, err := Address(a, int(port))
				if err != nil {
					return nil, fmt.Errorf("service %s/%s: endpoint %w", namespace, service, err)
				}
				out = append(out, addr)
			}
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("service %s/%s has no ready endpoints", namespace, service)
	}
	return out, nil
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

// externalTargetPort is the port an ExternalName Service sends the Ingress's
// port to: the numeric targetPort of the Service port with that number, else
// the port itself (an ExternalName Service need list no ports). A named
// targetPort, which only endpoints could resolve, is returned as named.
func externalTargetPort(svc *corev1.Service, port int32) (target int32, named string) {
	for _, sp := range svc.Spec.Ports {
		switch {
		case sp.Port != port:
		case sp.TargetPort.Type == intstr.String:
			return 0, sp.TargetPort.StrVal
		case sp.TargetPort.IntVal > 0:
			return sp.TargetPort.IntVal, ""
		}
	}
	return port, ""
}

package passthrough

import (
	"fmt"
	"net"
	"slices"
	"sort"
	"strconv"

	corev1 "k8s.io/api/core/v1"

	"github.com/seed-d040b84d/portcullis/controller/dataplane"
	"github.com/seed-d040b84d/portcullis/lib/intent"
	"github.com/seed-d040b84d/portcullis/lib/world"
)

// Problem is a passthrough host that gets no route, and why: its connections
// go to nginx's fallback, which refuses them (the host has no server there).
type Problem struct {
	Host, Reason string
}

// Upstream modes (--passthrough-upstream).
const (
	// UpstreamService sends a host to its Service's ClusterIP (or an
	// ExternalName Service's external name).
	UpstreamService = "service"
	// UpstreamEndpoints sends a host to the ready addresses of its Service's
	// EndpointSlices.
	UpstreamEndpoints = "endpoints"
)

// EndpointLookup finds the EndpointSlices of a Service (label
// kubernetes.io/service-name).
type EndpointLookup = dataplane.EndpointLookup

// BuildOptions choose how backends are addressed.
type BuildOptions struct {
	// Upstream is UpstreamService (the default) or UpstreamEndpoints.
	Upstream  string
	Endpoints EndpointLookup
}

// BuildRoutes makes the routing table for the passthrough hosts of the
// Ingresses' intents: each to its Service's ClusterIP and port (or, with
// UpstreamEndpoints, its ready endpoints), or to an ExternalName Service's
// external name on the port the Ingress names. The same input gives the same
// table; hosts that cannot be routed are listed.
func BuildRoutes(ings []*intent.Ingress, r world.Resolver, o BuildOptions) (*Routes, []Problem) {
	hosts := map[string][]string{}
	var problems []Problem
	for _, ing := range ings {
		for _, h := range ing.Hosts {
			if h.Termination != intent.Passthrough || h.FailClosed != nil {
				continue
			}
			if h.PassthroughBackend == nil {
				problems = append(problems, Problem{h.Name, "no backend"})
				continue
			}
			addrs, err := backendAddresses(ing.Namespace, *h.PassthroughBackend, r, o)
			if err != nil {
				problems = append(problems, Problem{h.Name, err.Error()})
				continue
			}
			sort.Strings(addrs)
			if prev, dup := hosts[h.Name]; dup && !slices.Equal(prev, addrs) {
				problems = append(problems, Problem{h.Name, "two Ingresses pass it through to different backends"})
				delete(hosts, h.Name)
				continue
			}
			hosts[h.Name] = addrs
		}
	}
	sort.Slice(problems, func(i, j int) bool { return problems[i].Host < problems[j].Host })
	return NewRoutesMulti(hosts), problems
}

func backendAddresses(namespace string, b intent.Backend, r world.Resolver, o BuildOptions) ([]string, error) {
	svc, ok := r.Service(namespace, b.Service)
	if !ok {
		return nil, fmt.Errorf("service %s/%s not found", namespace, b.Service)
	}
	name := namespace + "/" + b.Service
	port, portName := b.Port, ""
	if svc.Spec.Type == corev1.ServiceTypeExternalName {
		if b.PortName != "" {
			return nil, fmt.Errorf("service %s is ExternalName: a named port cannot be resolved", name)
		}
		if port <= 0 {
			return nil, fmt.Errorf("service %s: no port", name)
		}
		return []string{net.JoinHostPort(svc.Spec.ExternalName, strconv.Itoa(int(port)))}, nil
	}
	found := false
	for _, p := range svc.Spec.Ports {
		if (b.PortName != "" && p.Name == b.PortName) || (b.PortName == "" && p.Port == b.Port) {
			port, portName, found = p.Port, p.Name, true
		}
	}
	if !found {
		return nil, fmt.Errorf("service %s has no port %s", name, portLabel(b))
	}
	if o.Upstream == UpstreamEndpoints {
		if o.Endpoints == nil {
			return nil, fmt.Errorf("service %s: endpoints are not watched", name)
		}
		return dataplane.EndpointAddresses(namespace, b.Service, portName, o.Endpoints)
	}
	if svc.Spec.ClusterIP == "" || svc.Spec.ClusterIP == corev1.ClusterIPNone {
		return nil, fmt.Errorf("service %s has no cluster IP (headless): use --passthrough-upstream=endpoints", name)
	}
	return []string{net.JoinHostPort(svc.Spec.ClusterIP, strconv.Itoa(int(port)))}, nil
}

func portLabel(b intent.Backend) string {
	if b.PortName != "" {
		return fmt.Sprintf("named %q", b.PortName)
	}
	return strconv.Itoa(int(b.Port))
}

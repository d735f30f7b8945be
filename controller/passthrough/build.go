package passthrough

import (
	"fmt"
	"net"
	"sort"
	"strconv"

	corev1 "k8s.io/api/core/v1"

	"github.com/seed-d040b84d/portcullis/lib/intent"
	"github.com/seed-d040b84d/portcullis/lib/world"
)

// Problem is a passthrough host that gets no route, and why: its connections
// go to nginx's fallback, which refuses them (the host has no server there).
type Problem struct {
	Host, Reason string
}

// BuildRoutes makes the routing table for the passthrough hosts of the
// Ingresses' intents: each to its Service's ClusterIP and port, or to an
// ExternalName Service's external name on the port the Ingress names. The
// same input gives the same table; hosts that cannot be routed are listed.
func BuildRoutes(ings []*intent.Ingress, r world.Resolver) (*Routes, []Problem) {
	hosts := map[string]string{}
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
			addr, err := backendAddress(ing.Namespace, *h.PassthroughBackend, r)
			if err != nil {
				problems = append(problems, Problem{h.Name, err.Error()})
				continue
			}
			if prev, dup := hosts[h.Name]; dup && prev != addr {
				problems = append(problems, Problem{h.Name, "two Ingresses pass it through to different backends"})
				delete(hosts, h.Name)
				continue
			}
			hosts[h.Name] = addr
		}
	}
	sort.Slice(problems, func(i, j int) bool { return problems[i].Host < problems[j].Host })
	return NewRoutes(hosts), problems
}

func backendAddress(namespace string, b intent.Backend, r world.Resolver) (string, error) {
	svc, ok := r.Service(namespace, b.Service)
	if !ok {
		return "", fmt.Errorf("service %s/%s not found", namespace, b.Service)
	}
	port := b.Port
	if b.PortName != "" {
		if svc.Spec.Type == corev1.ServiceTypeExternalName {
			return "", fmt.Errorf("service %s/%s is ExternalName: a named port cannot be resolved", namespace, b.Service)
		}
		for _, p := range svc.Spec.Ports {
			if p.Name == b.PortName {
				port = p.Port
			}
		}
		if port == 0 {
			return "", fmt.Errorf("service %s/%s has no port named %q", namespace, b.Service, b.PortName)
		}
	}
	if port <= 0 {
		return "", fmt.Errorf("service %s/%s: no port", namespace, b.Service)
	}
	switch {
	case svc.Spec.Type == corev1.ServiceTypeExternalName:
		return net.JoinHostPort(svc.Spec.ExternalName, strconv.Itoa(int(port))), nil
	case svc.Spec.ClusterIP != "" && svc.Spec.ClusterIP != corev1.ClusterIPNone:
		return net.JoinHostPort(svc.Spec.ClusterIP, strconv.Itoa(int(port))), nil
	}
	return "", fmt.Errorf("service %s/%s has no cluster IP (headless)", namespace, b.Service)
}

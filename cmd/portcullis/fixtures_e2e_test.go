//go:build e2e

package main

import (
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"

	"github.com/seed-d040b84d/portcullis/test/certgen"
	"github.com/seed-d040b84d/portcullis/test/gen"
)

// Shorthands over test/gen for the fault tests (fault_e2e_test.go), which
// predate it; new tests build their objects with gen directly.

func tlsSecret(ns, name string, c *certgen.Cert) *corev1.Secret {
	return gen.TLSSecret(name, c, gen.InNamespace(ns))
}

// externalName is a Service for a backend on this machine.
func externalName(ns, name string) *corev1.Service {
	return gen.ExternalName(name, "localhost", gen.InNamespace(ns))
}

// newIngress is an Ingress of ours with one rule for host.
func newIngress(ns, name, host string, opts ...gen.IngressOption) *networkingv1.Ingress {
	return gen.Ingress(name, append([]gen.IngressOption{gen.InNamespace(ns), gen.Host(host)}, opts...)...)
}

// route adds a Prefix path to service:port.
func route(path, service string, port int) gen.IngressOption {
	return gen.Path(path, service, int32(port))
}

// withTLS adds a TLS entry for the rule's host with secret.
func withTLS(secret string) gen.IngressOption { return gen.TLS(secret) }

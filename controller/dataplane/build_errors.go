package dataplane

import (
	"fmt"
	"slices"
	"strconv"

	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/seed-d040b84d/portcullis/lib/annotations/grammar"
	"github.com/seed-d040b84d/portcullis/lib/intent"
)

// ErrorPages is a location's default backend
// (docs/reference.md#default-backend-and-error-pages): a Service of the
// location's own namespace, spoken to over plain HTTP, that answers the
// location's responses with one of Codes.
type ErrorPages struct {
	// Name is a hash of Upstream, KeepStatus and the headers, naming the
	// internal locations; lower-case hex.
	Name string
	// Upstream is the default backend's upstream.
	Upstream string
	// Codes are sorted, unique, each one nginx's error_page takes
	// (grammar.ErrorCode); at most grammar.MaxErrorCodes.
	Codes []int
	// InterceptBackend sends the backend's own responses with one of Codes
	// too, not only nginx's.
	InterceptBackend bool
	// KeepStatus (NGINX Inc): the default backend is asked for the same
	// request and the client keeps the original status. Otherwise
	// (ingress-nginx) it is asked for "/" with the X-Code and the other
	// headers below, and its status is the client's.
	KeepStatus bool
	// Namespace, Ingress, Service and Port are the path's own: sent as
	// X-Namespace, X-Ingress-Name, X-Service-Name and X-Service-Port.
	// Kubernetes names and a port number or name, checked.
	Namespace, Ingress, Service, Port string
}

// errorPages checks a path's default backend again and resolves its
// addresses; nil when it has none (the path is served without it).
func (b *builder) errorPages(p intent.Path) (*ErrorPages, error) {
	e := p.Errors
	if e.Backend.Service == "" || len(validation.IsDNS1035Label(e.Backend.Service)) > 0 {
		return nil, fmt.Errorf("default backend service %q is not a service name", e.Backend.Service)
	}
	if len(e.Codes) > grammar.MaxErrorCodes {
		return nil, fmt.Errorf("%d status codes are more than %d", len(e.Codes), grammar.MaxErrorCodes)
	}
	for i, c := range e.Codes {
		if !grammar.ErrorCode(c) || i > 0 && c <= e.Codes[i-1] {
			return nil, fmt.Errorf("status codes %v are not sorted, unique codes from 300 to 599 but 499", e.Codes)
		}
	}
	port := p.Backend.PortName
	if port == "" {
		port = strconv.Itoa(int(p.Backend.Port))
	}
	for _, v := range []struct {
		what string
		bad  []string
	}{
		{"namespace", validation.IsDNS1123Label(p.Source.Namespace)},
		{"ingress name", validation.IsDNS1123Subdomain(p.Source.Name)},
		{"service name", validation.IsDNS1035Label(p.Backend.Service)},
		{"service port", portMsgs(p.Backend)},
	} {
		if len(v.bad) > 0 {
			return nil, fmt.Errorf("%s: %v", v.what, v.bad)
		}
	}
	// The default backend is always of the path's own namespace.
	servers, _, err := b.opts.Backends.Addresses(p.Source.Namespace, e.Backend)
	if err != nil {
		servers = nil // not found: served without it, as with no addresses
	}
	if len(servers) == 0 {
		return nil, nil
	}
	out := &ErrorPages{
		Upstream: b.upstream(p.Source.Namespace, e.Backend, servers, intent.ProtocolHTTP, nil),
		Codes:    slices.Clone(e.Codes), InterceptBackend: e.InterceptBackend, KeepStatus: e.KeepStatus,
		Namespace: p.Source.Namespace, Ingress: p.Source.Name, Service: p.Backend.Service, Port: port,
	}
	out.Name = shortHash("errors", out.Upstream, strconv.FormatBool(out.KeepStatus), out.Namespace, out.Ingress, out.Service, out.Port)
	return out, nil
}

// portMsgs checks a backend's port: a number from 1 to 65535 or a port name.
func portMsgs(be intent.Backend) []string {
	if be.PortName != "" {
		return validation.IsValidPortName(be.PortName)
	}
	return validation.IsValidPortNum(int(be.Port))
}

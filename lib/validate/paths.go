package validate

import (
	"slices"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/seed-d040b84d/portcullis/lib/annotations"
	"github.com/seed-d040b84d/portcullis/lib/certs"
	"github.com/seed-d040b84d/portcullis/lib/findings"
	"github.com/seed-d040b84d/portcullis/lib/intent"
	"github.com/seed-d040b84d/portcullis/lib/nginxpolicy"
)

// paths builds every path's backend, protocol and backend TLS from either
// dialect: docs/annotations.md#ingress-nginx-nginxingresskubernetesio,
// docs/annotations.md#nginx-inc-nginxorg,
// docs/controller.md#from-ingresses-to-the-model.
func (b *builder) paths() {
	b.checkServiceLists()
	backendTLS, fail := b.proxySSL()
	usedTLS := false
	for i, r := range b.ing.Spec.Rules {
		if r.HTTP == nil {
			continue
		}
		hs := b.hosts[r.Host]
		for j, p := range r.HTTP.Paths {
			pp := func() *field.Path { return field.NewPath("spec", "rules").Index(i).Child("http", "paths").Index(j) }
			ip := intent.Path{Path: p.Path, PathType: pathType(p.PathType), Source: b.in.ObjectRef}
			b.regexPath(&ip, pp)
			if p.Backend.Service != nil {
				ip.Backend = b.backend(p.Backend.Service, pp)
			}
			ip.Protocol = b.protocol(ip.Backend.Service, pp)
			if ip.Protocol == intent.ProtocolHTTPS || ip.Protocol == intent.ProtocolGRPCS {
				usedTLS = true
				switch {
				case b.egress != nil:
					ip.BackendTLS = egressTLS(b.egress)
					ip.FailClosed = b.egress.failClosed
				default:
					if backendTLS != nil {
						t := *backendTLS
						ip.BackendTLS = &t
					} else {
						ip.BackendTLS = b.plainBackendTLS()
					}
					ip.FailClosed = fail
				}
			}
			if t := ip.BackendTLS; t != nil && t.Verify && t.TrustedCA == nil && ip.FailClosed == nil {
				// Verification asked for without a CA to verify against (the
				// findings say so): nginx could verify nothing, so refuse.
				ip.FailClosed = &intent.FailClosed{Reason: "backend verification without a trusted CA", Status: 503}
			}
			if ip.FailClosed == nil {
				ip.FailClosed = b.pathFail
			}
			hs.host.Paths = append(hs.host.Paths, ip)
		}
	}
	if b.egress != nil && !usedTLS && b.egress.inherited == "" && b.in.Mergeable != "master" {
		b.fs.Warnf(annPath(annotations.KeyOrgPolicies), "egress mTLS policy %s has no TLS upstream to apply to: list the services in %s or %s",
			b.egress.ref, annotations.KeyOrgSSLServices, annotations.KeyOrgGRPCServices)
	}
	if backendTLS != nil && !usedTLS {
		b.fs.Warnf(annPath(b.nkey(annotations.KeyProxySSLSecret)), "has no effect: no backend of this Ingress uses HTTPS or GRPCS (set %s)",
			b.nkey(annotations.KeyBackendProtocol))
	}
}

func pathType(t *networkingv1.PathType) string {
	if t == nil {
		return string(networkingv1.PathTypePrefix)
	}
	return string(*t)
}

// backend resolves a Service backend. An ExternalName Service has no endpoints
// to map a named port to, so it needs a port number. pp is the path's field
// path, built only for a finding.
func (b *builder) backend(s *networkingv1.IngressServiceBackend, pp func() *field.Path) intent.Backend {
	be := intent.Backend{Service: s.Name, Port: s.Port.Number, PortName: s.Port.Name}
	if u := b.ann.Nginx.ServiceUpstream; u != nil {
		be.ServiceUpstream = *u
	}
	if svc, ok := b.r.Service(b.ing.Namespace, s.Name); ok && svc.Spec.Type == corev1.ServiceTypeExternalName && s.Port.Name != "" {
		b.fs.Errorf(pp().Child("backend", "service", "port", "name"), s.Port.Name,
			"service %q is of type ExternalName, which has no endpoints to map the named port %q to: use the port number", s.Name, s.Port.Name)
	}
	return be
}

// protocol decides a path's backend protocol. ingress-nginx's backend-protocol
// applies to every path; NGINX Inc's ssl-services and grpc-services name
// services. Both set and disagreeing for one path is an error naming both keys.
func (b *builder) protocol(service string, pp func() *field.Path) string {
	org := b.ann.Org
	ssl, grpc := slices.Contains(org.SSLServices, service), slices.Contains(org.GRPCServices, service)
	orgProto := ""
	switch {
	case ssl && grpc:
		orgProto = intent.ProtocolGRPCS
	case ssl:
		orgProto = intent.ProtocolHTTPS
	case grpc:
		orgProto = intent.ProtocolGRPC
	}
	nginxProto := b.ann.Nginx.BackendProtocol
	switch {
	case nginxProto != "" && orgProto != "" && nginxProto != orgProto:
		b.fs.Errorf(annPath(b.nkey(annotations.KeyBackendProtocol)), nginxProto,
			"sets %s for service %q, but nginx.org/ssl-services and nginx.org/grpc-services make it %s (path %s); keep one dialect or make them agree",
			nginxProto, service, orgProto, pp())
		return nginxProto
	case nginxProto != "":
		return nginxProto
	case orgProto != "":
		return orgProto
	}
	return intent.ProtocolHTTP
}

// checkServiceLists refuses ssl-services and grpc-services entries that name
// no service this Ingress uses (a typo would silently leave the backend plain).
func (b *builder) checkServiceLists() {
	used := map[string]bool{}
	var names []string
	for _, r := range b.ing.Spec.Rules {
		if r.HTTP == nil {
			continue
		}
		for _, p := range r.HTTP.Paths {
			if s := p.Backend.Service; s != nil && !used[s.Name] {
				used[s.Name] = true
				names = append(names, s.Name)
			}
		}
	}
	if d := b.ing.Spec.DefaultBackend; d != nil && d.Service != nil && !used[d.Service.Name] {
		used[d.Service.Name] = true
		names = append(names, d.Service.Name)
	}
	for _, key := range []string{annotations.KeyOrgSSLServices, annotations.KeyOrgGRPCServices} {
		list := b.ann.Org.SSLServices
		if key == annotations.KeyOrgGRPCServices {
			list = b.ann.Org.GRPCServices
		}
		for _, s := range list {
			if !used[s] {
				b.fs.Errorf(annPath(key), s, "names service %q, which no path of this Ingress uses; services used: %s%s",
					s, quoteHosts(names), findings.DidYouMean(s, names))
			}
		}
	}
}

// proxySSL is ingress-nginx's backend TLS (proxy-ssl-*), shared by every TLS
// path of the Ingress, and the fail-closed state when its secret is missing.
func (b *builder) proxySSL() (*intent.BackendTLS, *intent.FailClosed) {
	n := b.ann.Nginx
	if n.ProxySSLSecret == nil {
		return nil, nil
	}
	key := b.nkey(annotations.KeyProxySSLSecret)
	t := b.plainBackendTLS()
	ref, ok := b.ref(n.ProxySSLSecret, key)
	if !ok {
		return t, &intent.FailClosed{Reason: "backend CA secret in another namespace", Status: 503}
	}
	t.TrustedCA = &ref
	var fail *intent.FailClosed
	sec, found := b.r.Secret(ref.Namespace, ref.Name)
	switch {
	case !found:
		b.fs.Warnf(annPath(key), "secret %s not found; paths proxied over TLS answer 503 until it exists", ref)
		fail = &intent.FailClosed{Reason: "backend CA secret " + ref.String() + " not found", Status: 503}
	default:
		_, fs := b.v.certs.CA(sec, annPath(key), b.now)
		b.fs.Merge(fs)
		if !fs.Allowed() {
			fail = &intent.FailClosed{Reason: "backend CA secret " + ref.String() + " is invalid", Status: 503}
		}
		if hasClientCertificate(sec) {
			// Presented to the backend: checked like any certificate secret.
			_, fs := b.v.certs.TLS(sec, annPath(key), certs.TLSOptions{Now: b.now, AllowMisordered: b.v.opts.AllowMisorderedChains})
			b.fs.Merge(fs)
			if fs.Allowed() {
				t.ClientCertificate = &ref
			} else if fail == nil {
				fail = &intent.FailClosed{Reason: "backend client certificate in " + ref.String() + " is invalid", Status: 503}
			}
		}
	}
	return t, fail
}

// plainBackendTLS is backend TLS as the proxy-ssl-* annotations (or their
// defaults) describe it, without a CA.
func (b *builder) plainBackendTLS() *intent.BackendTLS {
	n := b.ann.Nginx
	t := &intent.BackendTLS{
		Depth:        annotations.DefaultProxySSLVerifyDepth,
		Name:         n.ProxySSLName,
		Protocols:    nginxpolicy.DefaultProtocols(),
		Ciphers:      annotations.DefaultProxySSLCiphers,
		SessionReuse: true,
		Source:       "annotation",
	}
	if n.ProxySSLVerify != nil {
		t.Verify = *n.ProxySSLVerify
	}
	if n.ProxySSLVerifyDepth != nil {
		t.Depth = *n.ProxySSLVerifyDepth
	}
	if n.ProxySSLServerName != nil {
		t.ServerName = *n.ProxySSLServerName
	}
	if len(n.ProxySSLProtocols) > 0 {
		t.Protocols = n.ProxySSLProtocols
	}
	if n.ProxySSLCiphers != "" {
		t.Ciphers = n.ProxySSLCiphers
	}
	return t
}

func egressTLS(e *egressPolicy) *intent.BackendTLS {
	m := e.spec
	t := &intent.BackendTLS{
		Verify: m.Verify, Depth: m.Depth, Name: m.SSLName, ServerName: m.ServerName,
		Protocols: m.Protocols, Ciphers: m.Ciphers, SessionReuse: m.SessionReuse,
		Source: "policy:" + e.ref.String(),
	}
	if m.TrustedCASecret != "" {
		t.TrustedCA = &intent.ObjectRef{Namespace: e.ref.Namespace, Name: m.TrustedCASecret}
	}
	if m.ClientCertSecret != "" {
		t.ClientCertificate = &intent.ObjectRef{Namespace: e.ref.Namespace, Name: m.ClientCertSecret}
	}
	return t
}

// hasClientCertificate reports whether a proxy-ssl-secret also holds the
// client certificate presented to the backend.
func hasClientCertificate(sec *corev1.Secret) bool {
	_, crt := sec.Data[corev1.TLSCertKey]
	_, key := sec.Data[corev1.TLSPrivateKeyKey]
	return crt && key
}

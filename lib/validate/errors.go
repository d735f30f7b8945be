package validate

import (
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/seed-d040b84d/portcullis/lib/annotations"
	"github.com/seed-d040b84d/portcullis/lib/intent"
	"github.com/seed-d040b84d/portcullis/lib/world"
)

// errorPages applies a default backend and the status codes it answers, from
// either dialect, to the Ingress's HTTP and HTTPS paths
// (docs/reference.md#default-backend-and-error-pages). The default backend is
// always a Service of the Ingress's own namespace: the annotation's grammar
// refuses "namespace/name", and spec.defaultBackend has no namespace.
func (b *builder) errorPages() {
	nginx := b.nginxErrorPages()
	org := b.orgErrorPages()
	ep := nginx
	switch {
	case nginx != nil && org != nil:
		b.fs.Errorf(annPath(annotations.KeyOrgCustomHTTPErrors), nil,
			"is set with %s: both dialects name a default backend for this Ingress's errors; keep one of them", b.nkey(annotations.KeyDefaultBackend))
		return
	case org != nil:
		ep = org
	case ep == nil:
		return
	}
	grpc := false
	for _, name := range b.order {
		h := b.hosts[name].host
		for i := range h.Paths {
			if p := h.Paths[i].Protocol; p == intent.ProtocolGRPC || p == intent.ProtocolGRPCS {
				grpc = true
				continue
			}
			e := *ep
			h.Paths[i].Errors = &e
		}
	}
	if grpc {
		for _, key := range []string{b.nkey(annotations.KeyDefaultBackend), b.nkey(annotations.KeyCustomHTTPErrors), annotations.KeyOrgCustomHTTPErrors} {
			if b.ann.Has(key) {
				b.fs.Warn(annPath(key), "has no effect on this Ingress's gRPC backends (their errors are gRPC statuses, not pages)")
			}
		}
	}
}

// nginxErrorPages is ingress-nginx's default-backend with its
// custom-http-errors; nil without a default backend that exists.
func (b *builder) nginxErrorPages() *intent.ErrorPages {
	n := b.ann.Nginx.Errors
	if n.DisableIntercept != nil && n.Codes == nil {
		b.fs.Warnf(annPath(b.nkey(annotations.KeyDisableProxyInterceptErrors)), "has no effect without %s", b.nkey(annotations.KeyCustomHTTPErrors))
	}
	if n.DefaultBackend == "" {
		if n.Codes != nil && !b.ann.Has(b.nkey(annotations.KeyDefaultBackend)) {
			b.fs.Warnf(annPath(b.nkey(annotations.KeyCustomHTTPErrors)),
				"has no effect without %s: portcullis has no controller-wide default backend; name a Service of this namespace there", b.nkey(annotations.KeyDefaultBackend))
		}
		return nil
	}
	key := b.nkey(annotations.KeyDefaultBackend)
	svc, ok := b.r.Service(b.ing.Namespace, n.DefaultBackend)
	switch {
	case !ok:
		b.fs.Warnf(annPath(key), "service %s/%s not found; the paths are served without a default backend until it exists", b.ing.Namespace, n.DefaultBackend)
		return nil
	case len(svc.Spec.Ports) == 0:
		b.fs.Warnf(annPath(key), "service %s/%s lists no ports: the default backend is spoken to on its first port; the paths are served without it", b.ing.Namespace, n.DefaultBackend)
		return nil
	}
	return &intent.ErrorPages{
		Backend:          intent.Backend{Service: n.DefaultBackend, Port: svc.Spec.Ports[0].Port},
		WhenUnavailable:  true,
		Codes:            n.Codes,
		InterceptBackend: n.Codes != nil && (n.DisableIntercept == nil || !*n.DisableIntercept),
	}
}

// orgErrorPages is NGINX Inc's custom-http-errors, answered by the Ingress's
// spec.defaultBackend. A minion's are answered by its master's
// spec.defaultBackend, in the same namespace; a minion without codes of its
// own takes its master's (NGINX Inc writes them in the server block).
func (b *builder) orgErrorPages() *intent.ErrorPages {
	key := annotations.KeyOrgCustomHTTPErrors
	codes, own := b.ann.Org.CustomHTTPErrors, b.ann.Has(key)
	owner, where := b.ing, "spec.defaultBackend"
	if b.in.Mergeable == "minion" {
		owner, where = b.master(), "its master's spec.defaultBackend"
		if codes == nil && owner != nil {
			ann, _ := annotations.Parse(owner.Annotations, annotations.Options{Prefix: b.v.opts.AnnotationsPrefix, AllowLegacyTLS: b.v.opts.Config.AllowLegacyTLS})
			codes = ann.Org.CustomHTTPErrors // a value the master's own verdict refuses is absent here
		}
	}
	if codes == nil {
		return nil
	}
	var d *networkingv1.IngressBackend
	if owner != nil {
		d = owner.Spec.DefaultBackend
	}
	switch {
	case d == nil || d.Service == nil:
		if own {
			b.fs.Warnf(annPath(key), "has no effect without %s (a Service of this namespace) to send the responses to", where)
		}
		return nil
	case owner.Namespace != b.ing.Namespace:
		if own {
			b.fs.Warnf(annPath(key), "has no effect: the master %s/%s is in another namespace, and a default backend must be in this Ingress's", owner.Namespace, owner.Name)
		}
		return nil
	case owner == b.ing:
		b.backend(d.Service, func() *field.Path { return field.NewPath("spec", "defaultBackend") })
	}
	if b.in.Mergeable == "master" {
		return nil // its minions' paths take them
	}
	s := d.Service
	return &intent.ErrorPages{
		Backend: intent.Backend{Service: s.Name, Port: s.Port.Number, PortName: s.Port.Name},
		Codes:   codes, InterceptBackend: true, KeepStatus: true,
	}
}

// masterAnnotations is a mergeable minion's master and its annotations as
// they parse (a value the master's own verdict refuses is absent), looked up
// once per judgement; zero when the Ingress is no minion or its host has no
// master of ours.
func (b *builder) masterAnnotations() masterOf {
	if b.masterOf == nil {
		b.masterOf = &masterOf{}
		if m := b.master(); m != nil && b.in.Mergeable == "minion" {
			b.masterOf.ing = m
			b.masterOf.ann, _ = annotations.Parse(m.Annotations, annotations.Options{Prefix: b.v.opts.AnnotationsPrefix, AllowLegacyTLS: b.v.opts.Config.AllowLegacyTLS})
		}
	}
	return *b.masterOf
}

// master is the mergeable master of a minion's host that is ours, nil if
// none.
func (b *builder) master() *networkingv1.Ingress {
	if len(b.ing.Spec.Rules) != 1 {
		return nil
	}
	for _, m := range world.IngressesWithHost(b.r, b.ing.Spec.Rules[0].Host) {
		if m.Annotations[annotations.KeyOrgMergeableIngressType] != "master" {
			continue
		}
		if _, ours, _ := IngressClassOf(m, b.r, b.v.opts.Class); ours {
			return m
		}
	}
	return nil
}

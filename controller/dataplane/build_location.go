package dataplane

import (
	"cmp"
	"errors"
	"slices"
	"strconv"

	networkingv1 "k8s.io/api/networking/v1"

	"github.com/seed-d040b84d/portcullis/lib/intent"
)

// locations claims every path of the valid contributions, oldest first; the
// literal paths of refused Ingresses that no valid one serves answer 503.
func (b *builder) locations(cs []contribution, owner *contribution) []Location {
	type key struct {
		path  string
		match Match
		regex bool
	}
	claimed := map[key]bool{}
	var out []Location
	add := func(l Location) {
		k := key{l.Path, l.Match, l.Regex}
		if claimed[k] {
			return
		}
		claimed[k] = true
		out = append(out, l)
	}
	for _, c := range cs {
		if !c.valid {
			continue
		}
		var hostFail *intent.FailClosed
		if owner != nil && c.ref != owner.ref && c.host.FailClosed != nil {
			hostFail = c.host.FailClosed // not the owner: only its own paths fail
		}
		for _, p := range c.host.Paths {
			if !safeIntentPath(p) {
				continue
			}
			l := b.location(p)
			if hostFail != nil && l.Status == 0 {
				l = failed(l, hostFail)
			}
			add(l)
		}
	}
	for _, c := range cs {
		if c.valid {
			continue
		}
		for _, p := range c.host.Paths {
			// A refused Ingress's regular expression is not served even as 503:
			// it could match the paths of others, of another namespace too
			// (docs/reference.md#regex-paths).
			if safeIntentPath(p) && !p.Regex {
				add(Location{Path: p.Path, Match: match(p.PathType), Status: 503, Reason: "Ingress " + c.ref.String() + " is refused: " + c.why, Source: c.ref})
			}
		}
	}
	slices.SortFunc(out, func(x, y Location) int {
		return cmp.Or(cmp.Compare(x.Path, y.Path), cmp.Compare(x.Match, y.Match), cmpBool(x.Regex, y.Regex))
	})
	return out
}

// location is one path, checked again: a path whose settings cannot be
// served fails closed on its own.
func (b *builder) location(p intent.Path) Location {
	l := Location{Path: p.Path, Match: match(p.PathType), Regex: p.Regex, CaseSensitive: p.RegexCaseSensitive, PathOnly: p.RegexPathOnly,
		Protocol: p.Protocol, Source: p.Source}
	if p.FailClosed != nil {
		return failed(l, p.FailClosed)
	}
	switch p.Protocol {
	case intent.ProtocolHTTP, intent.ProtocolHTTPS, intent.ProtocolGRPC, intent.ProtocolGRPCS:
	default:
		return failed(l, &intent.FailClosed{Reason: "backend protocol " + strconv.Quote(p.Protocol) + " is not supported"})
	}
	if p.Backend.Service == "" {
		return failed(l, &intent.FailClosed{Reason: "the path has no service backend"})
	}
	if p.Access != nil {
		a, err := access(p.Access)
		if err != nil {
			return failed(l, &intent.FailClosed{Reason: "access control: " + err.Error()})
		}
		l.Access = a
	}
	if p.ExternalAuth != nil {
		ea, err := externalAuth(p.ExternalAuth)
		if err != nil {
			return failed(l, &intent.FailClosed{Reason: "external authentication: " + err.Error()})
		}
		l.ExternalAuth = ea
	}
	if p.BasicAuth != nil {
		ba, err := b.basicAuth(p.BasicAuth)
		if err != nil {
			return failed(l, &intent.FailClosed{Reason: "basic authentication: " + err.Error()})
		}
		l.BasicAuth = ba
	}
	l.SatisfyAny = p.SatisfyAny && l.Access != nil && (l.BasicAuth != nil || l.ExternalAuth != nil)
	if p.Redirect != nil {
		r, err := pathRedirect(p.Redirect)
		if err != nil {
			return failed(l, &intent.FailClosed{Reason: err.Error()})
		}
		// Answered by the redirect in nginx's rewrite phase, before access
		// control and authentication (as in ingress-nginx): no backend is
		// asked, and the location holds nothing else.
		return Location{Path: l.Path, Match: l.Match, Regex: l.Regex, CaseSensitive: l.CaseSensitive, PathOnly: l.PathOnly,
			Protocol: l.Protocol, Redirect: r, Source: l.Source}
	}
	if p.Forwarding != nil {
		f, err := forwarding(p.Forwarding, p.RewriteTarget)
		if err != nil {
			return failed(l, &intent.FailClosed{Reason: "forwarding: " + err.Error()})
		}
		l.Forwarding = f
	}
	if p.Traffic != nil {
		t, err := traffic(p.Traffic)
		if err == nil {
			err = checkBuffers(b.opts.Config, p.Traffic)
		}
		if err != nil {
			return failed(l, &intent.FailClosed{Reason: "traffic: " + err.Error()})
		}
		l.Traffic = t
	}
	var pages *ErrorPages
	if p.Errors != nil && p.Protocol != intent.ProtocolGRPC && p.Protocol != intent.ProtocolGRPCS {
		ep, err := b.errorPages(p)
		if err != nil {
			return failed(l, &intent.FailClosed{Reason: "default backend: " + err.Error()})
		}
		pages = ep
	}
	if p.Headers != nil {
		h, err := headers(p.Headers)
		if err == nil && l.ExternalAuth != nil {
			err = notFromAuth(h.Request, l.ExternalAuth.Headers)
		}
		if err != nil {
			return failed(l, &intent.FailClosed{Reason: "headers: " + err.Error()})
		}
		l.Headers = h
	}
	servers, tlsName, err := b.opts.Backends.Addresses(p.Source.Namespace, p.Backend)
	if err == nil && len(servers) == 0 {
		err = errors.New("no addresses")
	}
	if err != nil {
		l = failed(l, &intent.FailClosed{Reason: "backend " + p.Backend.Service + ": " + err.Error()})
		if pages != nil && p.Errors.WhenUnavailable && !pages.KeepStatus {
			// The default backend answers the 503 (ingress-nginx's
			// default-backend).
			pages.Codes, pages.InterceptBackend = []int{l.Status}, false
			l.ErrorPages = pages
		}
		return l
	}
	if p.Protocol == intent.ProtocolHTTPS || p.Protocol == intent.ProtocolGRPCS {
		bt, err := b.backendTLS(p.BackendTLS, tlsName)
		if err != nil {
			return failed(l, &intent.FailClosed{Reason: "backend TLS: " + err.Error()})
		}
		l.BackendTLS = bt
	}
	l.Upstream = b.upstream(p.Source.Namespace, p.Backend, servers, p.Protocol, l.BackendTLS)
	l.Rewrite = p.RewriteTarget
	if pages != nil && len(pages.Codes) > 0 {
		l.ErrorPages = pages
	}
	return l
}

// failed is the location answering fc's status (503 when it has none).
func failed(l Location, fc *intent.FailClosed) Location {
	status := fc.Status
	if status == 0 {
		status = 503
	}
	return Location{Path: l.Path, Match: l.Match, Regex: l.Regex, CaseSensitive: l.CaseSensitive, PathOnly: l.PathOnly,
		Status: status, Reason: fc.Reason, Source: l.Source}
}

// match is how nginx matches a path of the given Ingress path type.
func match(pathType string) Match {
	if pathType == string(networkingv1.PathTypeExact) {
		return MatchExact
	}
	return MatchPrefix
}

package dataplane

import (
	"errors"
	"fmt"
	"strings"

	"github.com/seed-d040b84d/portcullis/lib/annotations/grammar"
	"github.com/seed-d040b84d/portcullis/lib/intent"
)

// pathRedirect checks a path's fixed redirect again: a URL in lib's
// grammar (nothing nginx could read as a variable or a second argument)
// and a status from 300 to 308 (docs/controller.md#what-is-rendered).
func pathRedirect(r *intent.PathRedirect) (*PathRedirect, error) {
	if !grammar.ValidRedirectURL(r.URL) {
		return nil, fmt.Errorf("redirect URL %q is not a plain absolute http(s) URL", r.URL)
	}
	if r.Code < 300 || r.Code > 308 {
		return nil, fmt.Errorf("redirect code %d is not from 300 to 308", r.Code)
	}
	return &PathRedirect{URL: r.URL, Code: r.Code}, nil
}

// forwarding checks a path's forwarding settings again, each in its lib
// grammar. A path rewrite and a rewrite-target are never both set (lib
// refuses the pair).
func forwarding(f *intent.Forwarding, rewriteTarget string) (*Forwarding, error) {
	if f.Host != "" && !grammar.ValidUpstreamHost(f.Host) {
		return nil, fmt.Errorf("upstream Host %q is not a host name with an optional port", f.Host)
	}
	if f.Prefix != "" && !grammar.ValidForwardedPrefix(f.Prefix) {
		return nil, fmt.Errorf("X-Forwarded-Prefix %q is not a plain absolute path", f.Prefix)
	}
	if f.PathRewrite != "" {
		if !grammar.ValidRewritePath(f.PathRewrite) {
			return nil, fmt.Errorf("path rewrite %q is not a plain absolute path", f.PathRewrite)
		}
		if rewriteTarget != "" {
			return nil, errors.New("a path rewrite and a rewrite-target on one path")
		}
	}
	out := &Forwarding{Host: f.Host, Prefix: f.Prefix, PathRewrite: f.PathRewrite, RelativeRedirects: f.RelativeRedirects,
		PortInRedirects: f.PortInRedirects}
	if *out == (Forwarding{}) {
		return nil, nil
	}
	return out, nil
}

// appRoot is the host's application root, checked again; "" when the host
// has none, or when one of its paths is exactly "/" (that path is served).
func appRoot(root string, locs []Location) string {
	if root == "" || !grammar.ValidAppRoot(root) {
		return ""
	}
	for _, l := range locs {
		if l.Path == "/" && l.Match == MatchExact {
			return ""
		}
	}
	return root
}

// wwwRedirects keeps each server's www. redirect only where it takes
// nothing from anyone: its name is the host's other name, a plain RFC 1123
// name, and no Ingress (valid or refused, of any namespace) names it or a
// wildcard covering it, nor does another server's redirect.
func (b *builder) wwwRedirects(servers []Server) {
	want := map[string]int{}
	for _, s := range servers {
		if s.WWWRedirect != "" {
			want[s.WWWRedirect]++
		}
	}
	for i := range servers {
		s := &servers[i]
		other := s.WWWRedirect
		if other == "" {
			continue
		}
		if other != wwwOther(s.Host) || !SafeHost(other) || strings.HasPrefix(other, "*.") || want[other] > 1 || b.named(other) {
			s.WWWRedirect, s.WWWRedirectCode = "", 0
		}
	}
}

// named reports whether an Ingress names host, or a wildcard covering it.
func (b *builder) named(host string) bool {
	if _, ok := b.hosts[host]; ok {
		return true
	}
	if _, rest, ok := strings.Cut(host, "."); ok {
		if _, ok := b.hosts["*."+rest]; ok {
			return true
		}
	}
	return false
}

// wwwOther is host with "www." removed, or added.
func wwwOther(host string) string {
	if rest, ok := strings.CutPrefix(host, "www."); ok {
		return rest
	}
	return "www." + host
}

package dataplane

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/seed-d040b84d/portcullis/lib/annotations/grammar"
	"github.com/seed-d040b84d/portcullis/lib/htpasswd"
	"github.com/seed-d040b84d/portcullis/lib/intent"
)

// access checks a path's client address rules again, as typed prefixes.
func access(a *intent.Access) (*Access, error) {
	allow, err := Prefixes(a.Allow)
	if err != nil {
		return nil, err
	}
	deny, err := Prefixes(a.Deny)
	if err != nil {
		return nil, err
	}
	return &Access{Allow: allow, Deny: deny}, nil
}

// Prefixes parses canonical CIDRs (as lib writes them: host bits cleared, no
// zone) into typed prefixes; anything else is an error naming it.
func Prefixes(list []string) ([]netip.Prefix, error) {
	out := make([]netip.Prefix, 0, len(list))
	for _, e := range list {
		p, err := netip.ParsePrefix(e)
		if err != nil || p != p.Masked() || p.Addr().Zone() != "" {
			return nil, fmt.Errorf("%q is not a canonical CIDR", e)
		}
		out = append(out, p)
	}
	return out, nil
}

// basicAuth looks up and checks a path's users again and records their file.
func (b *builder) basicAuth(a *intent.BasicAuth) (*BasicAuth, error) {
	if !SafeText(a.Realm) || strings.ContainsAny(a.Realm, "\"\\$") || a.Realm == "" {
		return nil, errors.New("realm is not plain text")
	}
	sec, ok := b.opts.Resolver.Secret(a.Secret.Namespace, a.Secret.Name)
	if !ok {
		return nil, fmt.Errorf("secret %s not found", a.Secret)
	}
	data, fs := htpasswd.FromSecret(sec, a.Format, a.Key, field.NewPath("data"))
	if data == nil || !fs.Allowed() {
		return nil, fmt.Errorf("secret %s holds no usable users", a.Secret)
	}
	return &BasicAuth{File: b.file("htpasswd", data, true), Realm: a.Realm}, nil
}

var authMethods = []string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}

// externalAuth checks a path's authentication service again.
func externalAuth(a *intent.ExternalAuth) (*ExternalAuth, error) {
	plainURL := func(u string) bool {
		return SafeText(u) && !strings.ContainsAny(u, " \"'`;{}\\<>^|") && (strings.HasPrefix(u, "http://") || strings.HasPrefix(u, "https://"))
	}
	if !plainURL(a.URL) || (a.SignIn != "" && !plainURL(a.SignIn)) {
		return nil, errors.New("URL is not a plain http(s) URL")
	}
	if !slices.Contains(authMethods, a.Method) {
		return nil, fmt.Errorf("method %q", a.Method)
	}
	for _, h := range a.ResponseHeaders {
		if !SafeHeaderName(h) {
			return nil, fmt.Errorf("header %q", h)
		}
		if why := grammar.ReservedRequestHeader(h); why != "" {
			return nil, fmt.Errorf("header %q: %s", h, why)
		}
	}
	out := &ExternalAuth{URL: a.URL, Method: a.Method, SignIn: a.SignIn, Headers: slices.Clone(a.ResponseHeaders)}
	out.Name = shortHash(append([]string{"auth", out.URL, out.Method, out.SignIn}, out.Headers...)...)
	return out, nil
}

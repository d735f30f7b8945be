package dataplane

import (
	"fmt"
	"slices"
	"strings"

	"github.com/seed-d040b84d/portcullis/lib/annotations/grammar"
	"github.com/seed-d040b84d/portcullis/lib/intent"
)

// Headers are what a location does to response headers: added, hidden and
// passed headers, CORS answers and the rewrite of backend redirects; and the
// request headers it sends to the backend.
type Headers struct {
	Add []intent.Header
	// Request are sent to the backend: names free of
	// grammar.ReservedRequestHeader, values in grammar.CheckHeaderValue
	// (Always unused).
	Request    []intent.Header
	Hide, Pass []string
	// CORS is nil when the location answers no cross-origin request.
	CORS *CORS
	// Redirect is nil for nginx's default proxy_redirect.
	Redirect *intent.ProxyRedirect
}

// CORS is a location's CORS answers (intent.CORS, checked again).
type CORS struct {
	// AnyOrigin answers "*"; else Origins are lower-case
	// scheme://host[:port], the host's first label possibly "*".
	AnyOrigin                bool
	Origins                  []string
	Methods, Headers, Expose []string
	Credentials              bool
	MaxAge                   int
}

// headers checks a path's header settings again with lib's grammars: what
// lib admitted, and nothing the renderer could not write as quoted text.
func headers(h *intent.Headers) (*Headers, error) {
	out := &Headers{Hide: slices.Clone(h.Hide), Pass: slices.Clone(h.Pass)}
	for _, a := range h.Add {
		if err := grammar.CheckHeaderName(a.Name); err != nil {
			return nil, err
		}
		if err := grammar.CheckHeaderValue(a.Value); err != nil {
			return nil, err
		}
		if _, err := grammar.AddHeaders.Parse(a.Name+": "+a.Value, grammar.Context{}); err != nil {
			return nil, fmt.Errorf("added header %q: %w", a.Name, err)
		}
		out.Add = append(out.Add, a)
	}
	seen := map[string]bool{}
	for _, r := range h.Request {
		if err := grammar.CheckHashedHeaderName(r.Name); err != nil {
			return nil, err
		}
		if strings.Contains(r.Name, "_") {
			return nil, fmt.Errorf("request header %q has an underscore", r.Name)
		}
		if err := grammar.CheckHeaderValue(r.Value); err != nil {
			return nil, err
		}
		if why := grammar.ReservedRequestHeader(r.Name); why != "" {
			return nil, fmt.Errorf("request header %q: %s", r.Name, why)
		}
		if seen[strings.ToLower(r.Name)] {
			return nil, fmt.Errorf("request header %q twice", r.Name)
		}
		seen[strings.ToLower(r.Name)] = true
		out.Request = append(out.Request, intent.Header{Name: r.Name, Value: r.Value})
	}
	for _, list := range [][]string{h.Hide, h.Pass} {
		for _, n := range list {
			if err := grammar.CheckHashedHeaderName(n); err != nil {
				return nil, err
			}
		}
	}
	if r := h.Redirect; r != nil {
		if _, err := grammar.RedirectFrom.Parse(r.From, grammar.Context{}); err != nil {
			return nil, fmt.Errorf("proxy_redirect from: %w", err)
		}
		keyword := r.From == "off" || r.From == "default"
		if keyword != (r.To == "") {
			return nil, fmt.Errorf("proxy_redirect %q needs a replacement exactly when it is a prefix", r.From)
		}
		if !keyword {
			if _, err := grammar.RedirectTarget.Parse(r.To, grammar.Context{}); err != nil {
				return nil, fmt.Errorf("proxy_redirect to: %w", err)
			}
		}
		rr := *r
		out.Redirect = &rr
	}
	if h.CORS != nil {
		for _, a := range h.Add {
			if len(a.Name) >= len("access-control-") && strings.EqualFold(a.Name[:len("access-control-")], "access-control-") {
				return nil, fmt.Errorf("added header %q beside CORS", a.Name)
			}
		}
		c, err := cors(h.CORS)
		if err != nil {
			return nil, err
		}
		out.CORS = c
	}
	return out, nil
}

// notFromAuth refuses a request header the location also copies from its
// authentication service's answer: the backend would get both.
func notFromAuth(request []intent.Header, fromAuth []string) error {
	for _, r := range request {
		if slices.ContainsFunc(fromAuth, func(a string) bool { return strings.EqualFold(a, r.Name) }) {
			return fmt.Errorf("request header %q is also copied from the authentication service's answer", r.Name)
		}
	}
	return nil
}

func cors(c *intent.CORS) (*CORS, error) {
	if c.AnyOrigin == (len(c.Origins) > 0) {
		return nil, fmt.Errorf("cors: either any origin or a list of origins")
	}
	if c.AnyOrigin && c.Credentials {
		return nil, fmt.Errorf("cors: credentials are never sent to any origin")
	}
	if c.MaxAge < 0 || len(c.Methods) == 0 {
		return nil, fmt.Errorf("cors: max age %d, %d methods", c.MaxAge, len(c.Methods))
	}
	out := &CORS{AnyOrigin: c.AnyOrigin, Credentials: c.Credentials, MaxAge: c.MaxAge}
	if !c.AnyOrigin {
		origins, err := grammar.CORSOrigins.Parse(strings.Join(c.Origins, ","), grammar.Context{})
		if err != nil || slices.Contains(origins, "*") {
			return nil, fmt.Errorf("cors origins: %v", err)
		}
		out.Origins = origins
	}
	for _, l := range []struct {
		g   grammar.Grammar[[]string]
		in  []string
		out *[]string
	}{{grammar.CORSMethods, c.Methods, &out.Methods}, {grammar.CORSHeaders, c.Headers, &out.Headers}, {grammar.CORSHeaders, c.Expose, &out.Expose}} {
		if len(l.in) == 0 {
			continue
		}
		v, err := l.g.Parse(strings.Join(l.in, ","), grammar.Context{})
		if err != nil {
			return nil, fmt.Errorf("cors: %w", err)
		}
		*l.out = v
	}
	return out, nil
}

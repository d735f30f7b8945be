package passthrough

import (
	"sort"
	"strings"
)

// Routes is an immutable routing table: exact host names, then one-label
// wildcards (*.example.com routes a.example.com, not a.b.example.com).
// Build a new one to change routes; the proxy swaps it atomically and open
// connections keep the backend they were given.
type Routes struct {
	exact    map[string][]string
	wildcard map[string][]string // by the parent domain: "example.com" for *.example.com
}

// NewRoutes builds a table from host → backend address ("host:port"). Host
// names are matched lower-cased without a trailing dot; "*.example.com" is a
// wildcard.
func NewRoutes(hosts map[string]string) *Routes {
	multi := make(map[string][]string, len(hosts))
	for h, b := range hosts {
		multi[h] = []string{b}
	}
	return NewRoutesMulti(multi)
}

// NewRoutesMulti builds a table whose hosts may have several backends (the
// endpoints of a Service); a connection goes to one of them, the next one
// when it does not answer.
func NewRoutesMulti(hosts map[string][]string) *Routes {
	r := &Routes{exact: map[string][]string{}, wildcard: map[string][]string{}}
	for h, backends := range hosts {
		if len(backends) == 0 {
			continue
		}
		h = strings.TrimSuffix(strings.ToLower(h), ".")
		backends = append([]string(nil), backends...)
		sort.Strings(backends)
		if parent, ok := strings.CutPrefix(h, "*."); ok {
			r.wildcard[parent] = backends
		} else {
			r.exact[h] = backends
		}
	}
	return r
}

// Lookup returns a backend for a canonical server name (as Hello gives it).
func (r *Routes) Lookup(name string) (string, bool) {
	backends := r.Backends(name)
	if len(backends) == 0 {
		return "", false
	}
	return backends[0], true
}

// Backends returns every backend for a canonical server name, sorted.
func (r *Routes) Backends(name string) []string {
	if r == nil || name == "" {
		return nil
	}
	if b, ok := r.exact[name]; ok {
		return b
	}
	if _, parent, ok := strings.Cut(name, "."); ok {
		if b, ok := r.wildcard[parent]; ok {
			return b
		}
	}
	return nil
}

// Hosts lists the table's host names, sorted (wildcards as "*.parent").
func (r *Routes) Hosts() []string {
	var out []string
	for h := range r.exact {
		out = append(out, h)
	}
	for p := range r.wildcard {
		out = append(out, "*."+p)
	}
	sort.Strings(out)
	return out
}

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
	exact    map[string]string
	wildcard map[string]string // by the parent domain: "example.com" for *.example.com
}

// NewRoutes builds a table from host → backend address ("host:port"). Host
// names are matched lower-cased without a trailing dot; "*.example.com" is a
// wildcard.
func NewRoutes(hosts map[string]string) *Routes {
	r := &Routes{exact: map[string]string{}, wildcard: map[string]string{}}
	for h, backend := range hosts {
		h = strings.TrimSuffix(strings.ToLower(h), ".")
		if parent, ok := strings.CutPrefix(h, "*."); ok {
			r.wildcard[parent] = backend
		} else {
			r.exact[h] = backend
		}
	}
	return r
}

// Lookup returns the backend for a canonical server name (as Hello gives it).
func (r *Routes) Lookup(name string) (string, bool) {
	if r == nil || name == "" {
		return "", false
	}
	if b, ok := r.exact[name]; ok {
		return b, true
	}
	if _, parent, ok := strings.Cut(name, "."); ok {
		if b, ok := r.wildcard[parent]; ok {
			return b, true
		}
	}
	return "", false
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

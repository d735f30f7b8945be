package passthrough

import (
	"sort"
	"strings"
)

// Routes is an immutable routing table by server name. A name is looked up
// as nginx's server_name would be: the exact name first, then the one-label
// wildcard above it (*.example.com covers a.example.com, not a.b.example.com
// nor example.com). What it finds is a passthrough backend, a passthrough
// host that cannot be served (its connections are refused), or a host nginx
// terminates; a name it does not find goes to nginx too. Build a new table to
// change routes; the proxy swaps it atomically and open connections keep the
// backend they were given.
type Routes struct {
	exact    map[string]route
	wildcard map[string]route // by the parent domain: "example.com" for *.example.com
}

// route is where one table entry sends a connection.
type route struct {
	// backends, when not empty, receive the connection untouched.
	backends []string
	// refuse closes the connection: a passthrough host that cannot be
	// served (its backends must never get anything else, nor nginx its TLS).
	refuse bool
}

// Decision is what the table does with a server name.
type Decision int

// Decisions.
const (
	// ToNginx sends the connection to nginx (with a PROXY header).
	ToNginx Decision = iota
	// ToBackend passes the connection through to a backend.
	ToBackend
	// Refuse closes the connection.
	Refuse
)

// NewRoutes builds a table of passthrough hosts from host → backend address
// ("host:port"). Host names are matched lower-cased without a trailing dot;
// "*.example.com" is a wildcard.
func NewRoutes(hosts map[string]string) *Routes {
	multi := make(map[string][]string, len(hosts))
	for h, b := range hosts {
		multi[h] = []string{b}
	}
	return NewRoutesMulti(multi)
}

// NewRoutesMulti builds a table of passthrough hosts that may have several
// backends (the endpoints of a Service); a connection goes to one of them,
// the next one when it does not answer. A host without backends is refused.
func NewRoutesMulti(hosts map[string][]string) *Routes {
	r := &Routes{exact: map[string]route{}, wildcard: map[string]route{}}
	for h, backends := range hosts {
		backends = append([]string(nil), backends...)
		sort.Strings(backends)
		r.set(h, route{backends: backends, refuse: len(backends) == 0})
	}
	return r
}

// set records a route for a host name or wildcard.
func (r *Routes) set(h string, rt route) {
	h = strings.TrimSuffix(strings.ToLower(h), ".")
	if parent, ok := strings.CutPrefix(h, "*."); ok {
		r.wildcard[parent] = rt
	} else {
		r.exact[h] = rt
	}
}

// find is the entry for a canonical server name, by nginx's precedence.
func (r *Routes) find(name string) (route, bool) {
	if r == nil || name == "" {
		return route{}, false
	}
	if rt, ok := r.exact[name]; ok {
		return rt, true
	}
	if _, parent, ok := strings.Cut(name, "."); ok {
		if rt, ok := r.wildcard[parent]; ok {
			return rt, true
		}
	}
	return route{}, false
}

// Decide says what happens to a connection for a canonical server name (as
// Hello gives it), and with ToBackend to which backends, sorted.
func (r *Routes) Decide(name string) (Decision, []string) {
	rt, _ := r.find(name)
	switch {
	case rt.refuse:
		return Refuse, nil
	case len(rt.backends) > 0:
		return ToBackend, rt.backends
	}
	return ToNginx, nil
}

// Lookup returns a passthrough backend for a canonical server name.
func (r *Routes) Lookup(name string) (string, bool) {
	backends := r.Backends(name)
	if len(backends) == 0 {
		return "", false
	}
	return backends[0], true
}

// Backends returns every passthrough backend for a canonical server name,
// sorted; none when the name goes to nginx or is refused.
func (r *Routes) Backends(name string) []string {
	_, b := r.Decide(name)
	return b
}

// Hosts lists the table's passthrough host names, sorted (wildcards as
// "*.parent"); the names nginx terminates are not listed.
func (r *Routes) Hosts() []string {
	var out []string
	for h, rt := range r.exact {
		if rt.refuse || len(rt.backends) > 0 {
			out = append(out, h)
		}
	}
	for p, rt := range r.wildcard {
		if rt.refuse || len(rt.backends) > 0 {
			out = append(out, "*."+p)
		}
	}
	sort.Strings(out)
	return out
}

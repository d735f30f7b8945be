package nginx

// Server blocks shared by hosts that render alike.

import (
	"fmt"
	"slices"
	"strings"

	"github.com/seed-d040b84d/portcullis/controller/dataplane"
)

// hostServers adds the hosts' server blocks to h. Hosts whose blocks are
// alike (the same listener, certificate directives, client authentication,
// locations and headers) share one block with a server_name for each: nginx
// chooses a block by name as before, and loads one block (one TLS context)
// instead of many.
func (r *renderer) hostServers(h *Node, servers []dataplane.Server) error {
	shared := map[string]*Node{}
	for _, s := range servers {
		nodes, err := r.server(s)
		if err == nil {
			for _, srv := range nodes {
				if _, err = r.withAuth(srv); err != nil {
					break
				}
				key := fingerprint(srv)
				if first, ok := shared[key]; ok && !r.o.separate {
					addNames(first, serverNames(srv))
					continue
				}
				shared[key] = srv
				h.add(srv)
			}
		}
		if err != nil {
			return fmt.Errorf("nginx: host %s: %w", s.Host, err)
		}
	}
	return nil
}

// serverNames are the server_name directives of a server block.
func serverNames(srv *Node) []*Node {
	var out []*Node
	for _, c := range srv.Children {
		if c.Name == "server_name" {
			out = append(out, c)
		}
	}
	return out
}

// addNames adds server_name directives after the block's last one.
func addNames(srv *Node, names []*Node) {
	at := 0
	for i, c := range srv.Children {
		if c.Name == "server_name" {
			at = i + 1
		}
	}
	srv.Children = slices.Insert(srv.Children, at, names...)
}

// fingerprint identifies a server block by everything in it but its names:
// every node and argument (kind and text), length-prefixed.
func fingerprint(srv *Node) string {
	var b strings.Builder
	var walk func(nodes []*Node)
	walk = func(nodes []*Node) {
		for _, n := range nodes {
			fmt.Fprintf(&b, "%d:%s|%t|%t|%d|", len(n.Name), n.Name, n.block, n.entry, len(n.Args))
			for _, a := range n.Args {
				fmt.Fprintf(&b, "%d.%d.%d:%s|", a.kind, a.user, len(a.s), a.s)
			}
			b.WriteString("{")
			walk(n.Children)
			b.WriteString("}")
		}
	}
	var rest []*Node
	for _, c := range srv.Children {
		if c.Name != "server_name" {
			rest = append(rest, c)
		}
	}
	walk(rest)
	return b.String()
}

// hashSize is a hash table size nginx can place n names in without
// searching for one (and warning that it could not).
func hashSize(n int) int {
	size := 512
	for size < 2*n {
		size *= 2
	}
	return size
}

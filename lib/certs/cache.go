package certs

import (
	"sync"
	"sync/atomic"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/seed-d040b84d/portcullis/lib/findings"
)

// DefaultCacheSize is the number of TLS and of CA secrets a zero Cache keeps.
const DefaultCacheSize = 4096

// Cache parses each version of a Secret once. It keys on namespace/name and
// keeps one version per name, so a new resourceVersion (or UID) supersedes and
// evicts the old one; beyond its size it evicts the least recently used name.
// What depends on the call (the time, the hosts, the referencing field) is
// computed on every call, never cached. Secrets without a resourceVersion
// (files given to lint) are not cached. Safe for concurrent use; the zero value
// is ready with DefaultCacheSize.
type Cache struct {
	// Size caps the entries of each kind (TLS, CA); 0 means DefaultCacheSize.
	Size int

	mu     sync.Mutex
	clock  uint64
	tls    map[secretKey]*entry[*tlsParsed]
	ca     map[secretKey]*entry[*caParsed]
	parses atomic.Int64 // for tests: how many times a secret was parsed
}

type secretKey struct{ namespace, name string }

type entry[P any] struct {
	uid      types.UID
	version  string
	parsed   P
	lastUsed uint64
}

// TLS is CheckTLSSecret with the secret's parse cached.
func (c *Cache) TLS(s *corev1.Secret, fld *field.Path, opts TLSOptions) (*ServerCert, findings.Set) {
	if s == nil || s.ResourceVersion == "" {
		return CheckTLSSecret(s, fld, opts)
	}
	p := lookup(c, &c.tls, s, func() *tlsParsed { return parseTLS(s) })
	return p.finish(s, fld, opts)
}

// CA is CheckCASecret with the secret's parse cached.
func (c *Cache) CA(s *corev1.Secret, fld *field.Path, now time.Time) (*CABundle, findings.Set) {
	if s == nil || s.ResourceVersion == "" {
		return CheckCASecret(s, fld, now)
	}
	p := lookup(c, &c.ca, s, func() *caParsed { return parseCA(s) })
	return p.finish(s, fld, now)
}

// Forget drops a secret (deleted, or no longer referenced) from the cache.
func (c *Cache) Forget(namespace, name string) {
	k := secretKey{namespace, name}
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.tls, k)
	delete(c.ca, k)
}

// Len is the number of cached TLS and CA parses.
func (c *Cache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.tls) + len(c.ca)
}

// lookup returns the cached parse of s's version, parsing it (outside the lock:
// two callers may race to parse the same version, and one result wins) when
// there is none.
func lookup[P any](c *Cache, m *map[secretKey]*entry[P], s *corev1.Secret, parse func() P) P {
	k := secretKey{s.Namespace, s.Name}
	c.mu.Lock()
	if e, ok := (*m)[k]; ok && e.version == s.ResourceVersion && e.uid == s.UID {
		c.clock++
		e.lastUsed = c.clock
		p := e.parsed
		c.mu.Unlock()
		return p
	}
	c.mu.Unlock()

	c.parses.Add(1)
	p := parse()

	c.mu.Lock()
	defer c.mu.Unlock()
	if *m == nil {
		*m = make(map[secretKey]*entry[P])
	}
	c.clock++
	(*m)[k] = &entry[P]{uid: s.UID, version: s.ResourceVersion, parsed: p, lastUsed: c.clock}
	evict(*m, c.size())
	return p
}

func (c *Cache) size() int {
	if c.Size > 0 {
		return c.Size
	}
	return DefaultCacheSize
}

// evict drops least recently used entries until m holds at most max. The scan
// is linear, and runs only on a miss that overflows the cache.
func evict[P any](m map[secretKey]*entry[P], max int) {
	for len(m) > max {
		var oldest secretKey
		first := true
		var at uint64
		for k, e := range m {
			if first || e.lastUsed < at {
				oldest, at, first = k, e.lastUsed, false
			}
		}
		delete(m, oldest)
	}
}

package certs

import (
	"container/list"
	"sync"
	"sync/atomic"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/seed-d040b84d/portcullis/lib/findings"
)

// DefaultCacheSize is the number of TLS and of CA secrets a zero Cache keeps:
// room for the certificates of a cluster of tens of thousands of Ingresses,
// so a whole-cluster rebuild parses nothing twice. The bound only matters
// for secrets that are gone; the controller forgets those as they go.
const DefaultCacheSize = 65536

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
	tls    lru[*tlsParsed]
	ca     lru[*caParsed]
	parses atomic.Int64 // for tests: how many times a secret was parsed
}

type secretKey struct{ namespace, name string }

type entry[P any] struct {
	key     secretKey
	uid     types.UID
	version string
	parsed  P
}

// lru is a map with its entries in a list, most recently used first, so a
// hit and an eviction each cost O(1).
type lru[P any] struct {
	m     map[secretKey]*list.Element // of *entry[P]
	order list.List
}

func (l *lru[P]) get(k secretKey) (*entry[P], bool) {
	el, ok := l.m[k]
	if !ok {
		return nil, false
	}
	l.order.MoveToFront(el)
	return el.Value.(*entry[P]), true
}

// put stores e, replacing any entry for its key, and evicts the least
// recently used entries beyond max.
func (l *lru[P]) put(e *entry[P], max int) {
	if l.m == nil {
		l.m = map[secretKey]*list.Element{}
	}
	if el, ok := l.m[e.key]; ok {
		el.Value = e
		l.order.MoveToFront(el)
	} else {
		l.m[e.key] = l.order.PushFront(e)
	}
	for len(l.m) > max {
		last := l.order.Back()
		l.order.Remove(last)
		delete(l.m, last.Value.(*entry[P]).key)
	}
}

func (l *lru[P]) remove(k secretKey) {
	if el, ok := l.m[k]; ok {
		l.order.Remove(el)
		delete(l.m, k)
	}
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
	c.tls.remove(k)
	c.ca.remove(k)
}

// Len is the number of cached TLS and CA parses.
func (c *Cache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.tls.m) + len(c.ca.m)
}

// lookup returns the cached parse of s's version, parsing it (outside the lock:
// two callers may race to parse the same version, and one result wins) when
// there is none.
func lookup[P any](c *Cache, l *lru[P], s *corev1.Secret, parse func() P) P {
	k := secretKey{s.Namespace, s.Name}
	c.mu.Lock()
	if e, ok := l.get(k); ok && e.version == s.ResourceVersion && e.uid == s.UID {
		p := e.parsed
		c.mu.Unlock()
		return p
	}
	c.mu.Unlock()

	c.parses.Add(1)
	p := parse()

	c.mu.Lock()
	defer c.mu.Unlock()
	l.put(&entry[P]{key: k, uid: s.UID, version: s.ResourceVersion, parsed: p}, c.size())
	return p
}

func (c *Cache) size() int {
	if c.Size > 0 {
		return c.Size
	}
	return DefaultCacheSize
}

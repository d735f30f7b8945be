package certs

import "sync"

// Parses is how many secret versions c has parsed.
func Parses(c *Cache) int64 { return c.parses.Load() }

// CertgenMu serializes fixture generation, keeping key generation from
// competing across parallel tests (certgen itself is safe for concurrent use).
var CertgenMu sync.Mutex

// generate runs a certgen call under CertgenMu.
func generate[T any](f func() (T, error)) (T, error) {
	CertgenMu.Lock()
	defer CertgenMu.Unlock()
	return f()
}

// Generate is generate for the external tests.
func Generate[T any](f func() (T, error)) (T, error) { return generate(f) }

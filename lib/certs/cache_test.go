package certs

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/seed-d040b84d/portcullis/test/certgen"
)

// These tests are internal: they count parses.

func cacheFixture(t testing.TB, validity certgen.Option) (*corev1.Secret, *corev1.Secret) {
	t.Helper()
	root, err := generate(func() (*certgen.Cert, error) { return certgen.NewCA() })
	require.NoError(t, err)
	inter, err := generate(func() (*certgen.Cert, error) { return root.NewIntermediate() })
	require.NoError(t, err)
	leaf, err := generate(func() (*certgen.Cert, error) {
		return inter.NewLeaf(certgen.DNSNames("a.example.com", "b.example.com", "*.c.example.com"), validity)
	})
	require.NoError(t, err)
	meta := metav1.ObjectMeta{Namespace: "shop", Name: "cert", UID: "uid-1", ResourceVersion: "7"}
	tlsS := &corev1.Secret{ObjectMeta: meta, Type: corev1.SecretTypeTLS, Data: map[string][]byte{
		"tls.crt": append(leaf.ChainPEM(), root.CertPEM()...), "tls.key": leaf.KeyPEM()}}
	caS := &corev1.Secret{ObjectMeta: meta, Type: "nginx.org/ca", Data: map[string][]byte{"ca.crt": root.CertPEM()}}
	return tlsS, caS
}

func TestCacheParsesEachVersionOnce(t *testing.T) {
	t.Parallel()
	now := time.Now().Truncate(time.Second)
	s, _ := cacheFixture(t, certgen.Validity(now.Add(-time.Hour), now.Add(30*24*time.Hour)))
	var c Cache
	opts := TLSOptions{Hosts: []string{"a.example.com"}, Now: now}

	first, set := c.TLS(s, field.NewPath("a"), opts)
	require.NotNil(t, first)
	assert.True(t, set.Allowed())
	second, _ := c.TLS(s.DeepCopy(), field.NewPath("b"), opts)
	assert.Same(t, first, second, "same resourceVersion: same parse")
	assert.EqualValues(t, 1, Parses(&c))

	t.Run("findings carry the caller's path", func(t *testing.T) {
		wrongType := s.DeepCopy()
		wrongType.ResourceVersion = "8"
		wrongType.Type = corev1.SecretTypeOpaque
		_, set := c.TLS(wrongType, field.NewPath("spec", "tls").Index(0).Child("secretName"), opts)
		require.Len(t, set.Warnings, 1)
		assert.Equal(t, "spec.tls[0].secretName", set.Warnings[0].Field)
		_, set = c.TLS(wrongType, field.NewPath("spec", "tls").Index(3).Child("secretName"), opts)
		require.Len(t, set.Warnings, 1)
		assert.Equal(t, "spec.tls[3].secretName", set.Warnings[0].Field)
		assert.EqualValues(t, 2, Parses(&c))
	})

	t.Run("time and hosts are judged per call", func(t *testing.T) {
		late := opts
		late.Now = now.Add(20 * 24 * time.Hour)
		late.Hosts = []string{"x.c.example.com", "d.example.com"}
		late.HostPath = func(i int) *field.Path { return field.NewPath("hosts").Index(i) }
		_, set := c.TLS(s, field.NewPath("a"), late)
		require.Len(t, set.Warnings, 1)
		assert.Contains(t, set.Warnings[0].Message, "in 10 days")
		require.Len(t, set.Errors, 1)
		assert.Equal(t, "hosts[1]", set.Errors[0].Field)
		assert.Contains(t, set.Errors[0].Detail, `host "d.example.com" is not covered`)
	})

	t.Run("a new resourceVersion or UID is parsed again", func(t *testing.T) {
		before := Parses(&c)
		newer := s.DeepCopy()
		newer.ResourceVersion = "9"
		third, _ := c.TLS(newer, field.NewPath("a"), opts)
		assert.NotSame(t, first, third)
		assert.Equal(t, before+1, Parses(&c))

		recreated := newer.DeepCopy()
		recreated.UID = types.UID("uid-2")
		fourth, _ := c.TLS(recreated, field.NewPath("a"), opts)
		assert.NotSame(t, third, fourth)
		assert.Equal(t, before+2, Parses(&c))
		assert.Equal(t, 1, c.Len(), "one entry per name: superseded versions are gone")
	})
}

func TestCacheCA(t *testing.T) {
	t.Parallel()
	_, s := cacheFixture(t, certgen.Validity(time.Now().Add(-time.Hour), time.Now().Add(time.Hour)))
	var c Cache
	a, set := c.CA(s, field.NewPath("a"), time.Now())
	require.NotNil(t, a)
	assert.True(t, set.Allowed())
	b, _ := c.CA(s, field.NewPath("b"), time.Now())
	assert.Same(t, a, b)
	assert.EqualValues(t, 1, Parses(&c))

	noCRT := s.DeepCopy()
	noCRT.ResourceVersion = "8"
	delete(noCRT.Data, "ca.crt")
	for _, path := range []string{"x", "y"} {
		bundle, set := c.CA(noCRT, field.NewPath(path), time.Now())
		assert.Nil(t, bundle)
		require.Len(t, set.Errors, 1)
		assert.Equal(t, path, set.Errors[0].Field)
		assert.Contains(t, set.Errors[0].Detail, "ca.crt is required")
	}
	assert.EqualValues(t, 2, Parses(&c))

	c.Forget("shop", "cert")
	assert.Zero(t, c.Len())
}

func TestCacheSkipsSecretsWithoutVersion(t *testing.T) {
	t.Parallel()
	s, _ := cacheFixture(t, certgen.Validity(time.Now().Add(-time.Hour), time.Now().Add(90*24*time.Hour)))
	s.ResourceVersion = ""
	var c Cache
	a, _ := c.TLS(s, field.NewPath("a"), TLSOptions{})
	b, _ := c.TLS(s, field.NewPath("a"), TLSOptions{})
	require.NotNil(t, a)
	assert.NotSame(t, a, b)
	assert.Zero(t, c.Len())
}

func TestCacheEvictsLeastRecentlyUsed(t *testing.T) {
	t.Parallel()
	s, _ := cacheFixture(t, certgen.Validity(time.Now().Add(-time.Hour), time.Now().Add(90*24*time.Hour)))
	c := Cache{Size: 2}
	named := func(n string) *corev1.Secret {
		cp := s.DeepCopy()
		cp.Name = n
		return cp
	}
	c.TLS(named("a"), nil, TLSOptions{})
	c.TLS(named("b"), nil, TLSOptions{})
	c.TLS(named("a"), nil, TLSOptions{}) // a is now the most recently used
	c.TLS(named("c"), nil, TLSOptions{}) // evicts b
	assert.Equal(t, 2, c.Len())
	assert.EqualValues(t, 3, Parses(&c))
	c.TLS(named("a"), nil, TLSOptions{})
	assert.EqualValues(t, 3, Parses(&c), "a kept")
	c.TLS(named("b"), nil, TLSOptions{})
	assert.EqualValues(t, 4, Parses(&c), "b was evicted")
}

func TestCacheConcurrent(t *testing.T) {
	t.Parallel()
	s, caS := cacheFixture(t, certgen.Validity(time.Now().Add(-time.Hour), time.Now().Add(90*24*time.Hour)))
	c := Cache{Size: 4}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 50 {
				cp := s.DeepCopy()
				cp.Name = fmt.Sprintf("s%d", (g+i)%6)
				cp.ResourceVersion = fmt.Sprint(i % 3)
				cert, set := c.TLS(cp, field.NewPath("x"), TLSOptions{Hosts: []string{"a.example.com"}})
				if !assert.NotNil(t, cert) || !assert.True(t, set.Allowed(), "%v", set.Errors) {
					return
				}
				bundle, _ := c.CA(caS, field.NewPath("y"), time.Time{})
				assert.NotNil(t, bundle)
			}
		})
	}
	wg.Wait()
	assert.LessOrEqual(t, c.Len(), 8)
}

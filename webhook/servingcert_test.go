package webhook

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	"github.com/seed-d040b84d/portcullis/lib/apis"
)

// rotatorFixture is a CertRotator over a fake client with a settable clock.
type rotatorFixture struct {
	t   *testing.T
	c   client.Client
	r   *CertRotator
	now time.Time
	dir string
}

func newRotatorFixture(t *testing.T) *rotatorFixture {
	f := &rotatorFixture{t: t, now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), dir: t.TempDir()}
	f.c = fake.NewClientBuilder().WithScheme(apis.Scheme).WithObjects(
		&admissionregistrationv1.ValidatingWebhookConfiguration{
			ObjectMeta: metav1.ObjectMeta{Name: "portcullis"},
			Webhooks:   []admissionregistrationv1.ValidatingWebhook{{Name: "a.portcullis.dev"}, {Name: "b.portcullis.dev"}},
		},
		&admissionregistrationv1.MutatingWebhookConfiguration{
			ObjectMeta: metav1.ObjectMeta{Name: "portcullis"},
			Webhooks:   []admissionregistrationv1.MutatingWebhook{{Name: "m.portcullis.dev"}},
		},
	).Build()
	var err error
	f.r, err = NewCertRotator(CertOptions{
		Client: f.c, Namespace: "portcullis-system", Hosts: []string{"portcullis-webhook.portcullis-system.svc", "127.0.0.1"},
		CertDir: f.dir, ValidatingConfigs: []string{"portcullis", "absent"}, MutatingConfigs: []string{"portcullis"},
		CAValidity: 300 * 24 * time.Hour, CertValidity: 90 * 24 * time.Hour, CAGrace: time.Minute,
		Now: func() time.Time { return f.now },
	})
	require.NoError(t, err)
	return f
}

func (f *rotatorFixture) secret() *corev1.Secret {
	var s corev1.Secret
	require.NoError(f.t, f.c.Get(context.Background(), client.ObjectKey{Namespace: "portcullis-system", Name: DefaultServingSecret}, &s))
	return &s
}

func (f *rotatorFixture) ensure() {
	require.NoError(f.t, f.r.Ensure(context.Background()))
}

// onDisk is the serving certificate the webhook server would load.
func (f *rotatorFixture) onDisk() *x509.Certificate {
	b, err := os.ReadFile(filepath.Join(f.dir, "tls.crt"))
	require.NoError(f.t, err)
	return parsePEM(f.t, b)[0]
}

func parsePEM(t *testing.T, b []byte) []*x509.Certificate {
	var out []*x509.Certificate
	for {
		var blk *pem.Block
		blk, b = pem.Decode(b)
		if blk == nil {
			return out
		}
		c, err := x509.ParseCertificate(blk.Bytes)
		require.NoError(t, err)
		out = append(out, c)
	}
}

func TestRotatorStartsFromNothing(t *testing.T) {
	f := newRotatorFixture(t)
	f.ensure()
	sec := f.secret()
	cas := parsePEM(t, sec.Data["ca.crt"])
	require.Len(t, cas, 1)
	assert.True(t, cas[0].IsCA)
	leaf := f.onDisk()
	require.NoError(t, leaf.CheckSignatureFrom(cas[0]))
	assert.NoError(t, leaf.VerifyHostname("portcullis-webhook.portcullis-system.svc"))
	assert.NoError(t, leaf.VerifyHostname("127.0.0.1"))
	assert.Equal(t, []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, leaf.ExtKeyUsage)
	for _, name := range []string{"tls.crt", "tls.key"} {
		fi, err := os.Stat(filepath.Join(f.dir, name))
		require.NoError(t, err)
		assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm(), name)
	}
	var v admissionregistrationv1.ValidatingWebhookConfiguration
	require.NoError(t, f.c.Get(context.Background(), client.ObjectKey{Name: "portcullis"}, &v))
	for _, w := range v.Webhooks {
		assert.Equal(t, sec.Data["ca.crt"], w.ClientConfig.CABundle, w.Name)
	}
	var m admissionregistrationv1.MutatingWebhookConfiguration
	require.NoError(t, f.c.Get(context.Background(), client.ObjectKey{Name: "portcullis"}, &m))
	assert.Equal(t, sec.Data["ca.crt"], m.Webhooks[0].ClientConfig.CABundle)

	// Nothing is due: nothing changes.
	f.now = f.now.Add(24 * time.Hour)
	f.ensure()
	assert.Equal(t, sec.ResourceVersion, f.secret().ResourceVersion)
}

func TestRotatorRenewsTheServingCertificateWhenAThirdRemains(t *testing.T) {
	f := newRotatorFixture(t)
	f.ensure()
	before := f.onDisk()
	f.now = f.now.Add(50 * 24 * time.Hour) // 41 of 91 days left: not yet
	f.ensure()
	assert.Equal(t, before.SerialNumber, f.onDisk().SerialNumber)
	f.now = f.now.Add(12 * 24 * time.Hour) // 29 days left
	f.ensure()
	after := f.onDisk()
	assert.NotEqual(t, before.SerialNumber, after.SerialNumber)
	assert.Equal(t, before.AuthorityKeyId, after.AuthorityKeyId, "same CA")
	assert.Len(t, parsePEM(t, f.secret().Data["ca.crt"]), 1)
}

func TestRotatorRotatesTheCAWithAGracePeriod(t *testing.T) {
	f := newRotatorFixture(t)
	f.ensure()
	oldCA := parsePEM(t, f.secret().Data["ca.crt"])[0]

	start := f.now
	for _, day := range []int{60, 120, 180} { // serving certificates renewed by the first CA
		f.now = start.Add(time.Duration(day) * 24 * time.Hour)
		f.ensure()
	}
	serving := f.onDisk()
	require.NoError(t, serving.CheckSignatureFrom(oldCA))

	f.now = start.Add(205 * 24 * time.Hour) // the CA has 95 of 300 days left
	f.ensure()                              // the CA is due: a new one is trusted, not yet used
	cas := parsePEM(t, f.secret().Data["ca.crt"])
	require.Len(t, cas, 2)
	assert.Equal(t, oldCA.Raw, cas[1].Raw, "the old CA stays trusted")
	assert.Equal(t, serving.SerialNumber, f.onDisk().SerialNumber, "the new CA signs nothing during its grace period")

	f.now = f.now.Add(2 * time.Minute)
	f.ensure()
	require.NoError(t, f.onDisk().CheckSignatureFrom(cas[0]), "after the grace period the new CA signs")

	f.now = oldCA.NotAfter.Add(time.Hour)
	f.ensure()
	cas = parsePEM(t, f.secret().Data["ca.crt"])
	require.Len(t, cas, 1, "an expired CA leaves the bundle")
	assert.NotEqual(t, oldCA.Raw, cas[0].Raw)
}

func TestRotatorReplacesUnreadableOrForeignContent(t *testing.T) {
	f := newRotatorFixture(t)
	require.NoError(t, f.c.Create(context.Background(), &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: "portcullis-system", Name: DefaultServingSecret},
		Data:       map[string][]byte{"ca.crt": []byte("not PEM"), "ca.key": []byte("nor this")},
	}))
	f.ensure()
	cas := parsePEM(t, f.secret().Data["ca.crt"])
	require.Len(t, cas, 1)
	require.NoError(t, f.onDisk().CheckSignatureFrom(cas[0]))
}

func TestRotatorReissuesForNewHosts(t *testing.T) {
	f := newRotatorFixture(t)
	f.ensure()
	f.r.o.Hosts = append(f.r.o.Hosts, "portcullis-webhook.portcullis-system.svc.cluster.local")
	f.ensure()
	assert.NoError(t, f.onDisk().VerifyHostname("portcullis-webhook.portcullis-system.svc.cluster.local"))
}

func TestRotatorNeedsItsInputs(t *testing.T) {
	_, err := NewCertRotator(CertOptions{})
	assert.ErrorContains(t, err, "required")
}

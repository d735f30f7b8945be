package webhook

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
)

// Serving certificate defaults. The serving certificate is renewed when a
// third of its life remains, the CA likewise; a new CA is trusted (added to
// caBundle) for CAGrace before the serving certificate it signs is used, so
// the API server never meets a certificate it cannot verify.
const (
	DefaultServingSecret = "portcullis-webhook-tls"
	DefaultCAValidity    = 5 * 365 * 24 * time.Hour
	DefaultCertValidity  = 365 * 24 * time.Hour
	DefaultCAGrace       = 2 * time.Minute
	DefaultCertCheck     = time.Minute
)

// Data keys of the serving Secret.
const (
	keyCABundle = "ca.crt" // every CA still trusted, newest first
	keyCAKey    = "ca.key" // the newest CA's key
	keyTLSCert  = "tls.crt"
	keyTLSKey   = "tls.key"
	// annCAAdded records when the newest CA joined ca.crt (RFC 3339).
	annCAAdded = "portcullis.dev/ca-added-at"
)

// CertOptions configure the self-signed serving certificate.
type CertOptions struct {
	// Client reads and writes the Secret and the webhook configurations
	// directly (not through a cache: this runs before the manager starts).
	Client    client.Client
	Namespace string
	// Secret holds the CA and serving certificate (DefaultServingSecret).
	Secret string
	// Hosts are the serving certificate's DNS names and IP addresses.
	Hosts []string
	// CertDir receives tls.crt and tls.key (0600), which the webhook server
	// reloads when they change.
	CertDir string
	// ValidatingConfigs and MutatingConfigs are the webhook configurations
	// whose caBundle is kept current.
	ValidatingConfigs, MutatingConfigs []string

	CAValidity, CertValidity, CAGrace, Check time.Duration
	Now                                      func() time.Time
}

// CertRotator keeps a self-signed CA and serving certificate in a Secret,
// on disk for the webhook server, and in the webhook configurations' caBundle.
// Several replicas may run it: the Secret is the single source, updated with
// optimistic concurrency.
type CertRotator struct {
	o CertOptions
}

// NewCertRotator fills defaults.
func NewCertRotator(o CertOptions) (*CertRotator, error) {
	if o.Client == nil || o.Namespace == "" || o.CertDir == "" || len(o.Hosts) == 0 {
		return nil, errors.New("serving certificate: client, namespace, certificate directory and hosts are required")
	}
	if o.Secret == "" {
		o.Secret = DefaultServingSecret
	}
	if o.CAValidity == 0 {
		o.CAValidity = DefaultCAValidity
	}
	if o.CertValidity == 0 {
		o.CertValidity = DefaultCertValidity
	}
	if o.CAGrace == 0 {
		o.CAGrace = DefaultCAGrace
	}
	if o.Check == 0 {
		o.Check = DefaultCertCheck
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &CertRotator{o: o}, nil
}

// Start keeps the certificate current until ctx ends (a manager Runnable).
func (r *CertRotator) Start(ctx context.Context) error {
	log := logf.FromContext(ctx).WithName("serving-cert")
	t := time.NewTicker(r.o.Check)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
			if err := r.Ensure(ctx); err != nil {
				log.Error(err, "keeping the webhook serving certificate current")
			}
		}
	}
}

// NeedLeaderElection is false: every replica writes its own files.
func (r *CertRotator) NeedLeaderElection() bool { return false }

// Ensure creates or renews what is due, writes the files and patches caBundle.
func (r *CertRotator) Ensure(ctx context.Context) error {
	return r.update(ctx, false, false)
}

// Rotate renews now, as an operator would after a suspected key exposure:
// the serving certificate, or with ca the CA, whose new serving certificate
// follows after CAGrace (on a later Ensure).
func (r *CertRotator) Rotate(ctx context.Context, ca bool) error {
	return r.update(ctx, !ca, ca)
}

func (r *CertRotator) update(ctx context.Context, forceCert, forceCA bool) error {
	for attempt := 0; ; attempt++ {
		sec, exists, err := r.read(ctx)
		if err != nil {
			return err
		}
		st, err := loadState(sec)
		if err != nil {
			return err
		}
		changed, err := r.advance(st, forceCert, forceCA)
		if err != nil {
			return err
		}
		if changed {
			st.store(sec)
			if exists {
				err = r.o.Client.Update(ctx, sec)
			} else {
				err = r.o.Client.Create(ctx, sec)
			}
			if (apierrors.IsConflict(err) || apierrors.IsAlreadyExists(err)) && attempt < 5 {
				continue // another replica renewed first: start from its state
			}
			if err != nil {
				return fmt.Errorf("write secret %s/%s: %w", r.o.Namespace, r.o.Secret, err)
			}
		}
		if err := r.writeFiles(st); err != nil {
			return err
		}
		return r.patchCABundle(ctx, st.bundlePEM())
	}
}

func (r *CertRotator) read(ctx context.Context) (*corev1.Secret, bool, error) {
	sec := &corev1.Secret{}
	err := r.o.Client.Get(ctx, client.ObjectKey{Namespace: r.o.Namespace, Name: r.o.Secret}, sec)
	switch {
	case apierrors.IsNotFound(err):
		return &corev1.Secret{
			ObjectMeta: metav1.ObjectMeta{Namespace: r.o.Namespace, Name: r.o.Secret,
				Labels: map[string]string{"app.kubernetes.io/name": "portcullis"}},
			Type: corev1.SecretTypeOpaque,
		}, false, nil
	case err != nil:
		return nil, false, fmt.Errorf("read secret %s/%s: %w", r.o.Namespace, r.o.Secret, err)
	}
	return sec, true, nil
}

// certState is the parsed content of the serving Secret.
type certState struct {
	cas     []*x509.Certificate // newest first
	caKey   *ecdsa.PrivateKey
	caAdded time.Time
	cert    *x509.Certificate
	certPEM []byte
	keyPEM  []byte
}

// loadState parses the Secret. Content that does not parse is replaced, never
// trusted: the state is rebuilt from nothing.
func loadState(sec *corev1.Secret) (*certState, error) {
	st := &certState{}
	if len(sec.Data) == 0 {
		return st, nil
	}
	rest := sec.Data[keyCABundle]
	for {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		if c, err := x509.ParseCertificate(b.Bytes); err == nil {
			st.cas = append(st.cas, c)
		}
	}
	if b, _ := pem.Decode(sec.Data[keyCAKey]); b != nil {
		if k, err := x509.ParseECPrivateKey(b.Bytes); err == nil {
			st.caKey = k
		}
	}
	if len(st.cas) == 0 || st.caKey == nil || !st.caKey.PublicKey.Equal(st.cas[0].PublicKey) {
		return &certState{}, nil
	}
	st.caAdded, _ = time.Parse(time.RFC3339Nano, sec.Annotations[annCAAdded])
	if b, _ := pem.Decode(sec.Data[keyTLSCert]); b != nil {
		if c, err := x509.ParseCertificate(b.Bytes); err == nil {
			st.cert = c
			st.certPEM = sec.Data[keyTLSCert]
			st.keyPEM = sec.Data[keyTLSKey]
		}
	}
	return st, nil
}

func (st *certState) store(sec *corev1.Secret) {
	caKey, _ := x509.MarshalECPrivateKey(st.caKey)
	sec.Data = map[string][]byte{
		keyCABundle: st.bundlePEM(),
		keyCAKey:    pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: caKey}),
		keyTLSCert:  st.certPEM,
		keyTLSKey:   st.keyPEM,
	}
	if sec.Annotations == nil {
		sec.Annotations = map[string]string{}
	}
	sec.Annotations[annCAAdded] = st.caAdded.UTC().Format(time.RFC3339Nano)
}

func (st *certState) bundlePEM() []byte {
	var b bytes.Buffer
	for _, c := range st.cas {
		_ = pem.Encode(&b, &pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})
	}
	return b.Bytes()
}

// due reports whether less than a third of c's life remains.
func due(c *x509.Certificate, now time.Time) bool {
	life := c.NotAfter.Sub(c.NotBefore)
	return now.After(c.NotAfter.Add(-life / 3))
}

// advance moves the state forward. A new CA is made when there is none, when
// the newest is due, or on request; it is trusted (in ca.crt, and so in
// caBundle) at once but signs serving certificates only after CAGrace, so the
// API server has the new bundle before it meets a certificate from it. A
// serving certificate is issued when there is none usable, when it is due,
// when a newer CA has become usable, or on request.
func (r *CertRotator) advance(st *certState, forceCert, forceCA bool) (bool, error) {
	now := r.o.Now()
	changed := false
	kept := st.cas[:0]
	for _, c := range st.cas {
		if now.Before(c.NotAfter) { // an expired CA verifies nothing
			kept = append(kept, c)
		}
	}
	changed = len(kept) != len(st.cas)
	st.cas = kept
	switch {
	case len(st.cas) == 0:
		ca, key, err := newCA(now, r.o.CAValidity)
		if err != nil {
			return false, err
		}
		// Nothing else was trusted before: usable at once.
		st.cas, st.caKey, st.caAdded, st.cert = []*x509.Certificate{ca}, key, now.Add(-r.o.CAGrace), nil
		changed = true
	case forceCA || due(st.cas[0], now):
		ca, key, err := newCA(now, r.o.CAValidity)
		if err != nil {
			return false, err
		}
		st.cas, st.caKey, st.caAdded = append([]*x509.Certificate{ca}, st.cas...), key, now
		changed = true
	}
	signer := st.cas[0]
	usableCA := !now.Before(st.caAdded.Add(r.o.CAGrace))
	usable := st.cert != nil && now.Before(st.cert.NotAfter) && r.covers(st.cert) && r.trusts(st, st.cert)
	issue := false
	switch {
	case !usable:
		issue = true // nothing to serve with: use the newest CA even in its grace period
	case st.cert.CheckSignatureFrom(signer) == nil:
		issue = forceCert || due(st.cert, now)
	default:
		issue = usableCA // signed by an older CA: move on once the newest is usable
	}
	if issue && forceCert && !usableCA && usable {
		issue = false // renew once the newest CA is usable
	}
	if !issue {
		return changed, nil
	}
	certPEM, keyPEM, cert, err := newServingCert(now, r.o.CertValidity, r.o.Hosts, signer, st.caKey)
	if err != nil {
		return false, err
	}
	st.cert, st.certPEM, st.keyPEM = cert, certPEM, keyPEM
	return true, nil
}

// trusts reports whether a CA in the bundle signed c.
func (r *CertRotator) trusts(st *certState, c *x509.Certificate) bool {
	for _, ca := range st.cas {
		if c.CheckSignatureFrom(ca) == nil {
			return true
		}
	}
	return false
}

func (r *CertRotator) covers(c *x509.Certificate) bool {
	for _, h := range r.o.Hosts {
		if c.VerifyHostname(h) != nil {
			return false
		}
	}
	return true
}

func serial() (*big.Int, error) {
	return rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
}

func newCA(now time.Time, validity time.Duration) (*x509.Certificate, *ecdsa.PrivateKey, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	sn, err := serial()
	if err != nil {
		return nil, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          sn,
		Subject:               pkix.Name{CommonName: fmt.Sprintf("portcullis webhook CA %s %x", now.UTC().Format("2006-01-02"), sn.Bytes()[:4])},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(validity),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, fmt.Errorf("create webhook CA: %w", err)
	}
	c, err := x509.ParseCertificate(der)
	return c, key, err
}

func newServingCert(now time.Time, validity time.Duration, hosts []string, ca *x509.Certificate, caKey *ecdsa.PrivateKey) (certPEM, keyPEM []byte, cert *x509.Certificate, err error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, nil, err
	}
	sn, err := serial()
	if err != nil {
		return nil, nil, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: sn,
		Subject:      pkix.Name{CommonName: hosts[0]},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(validity),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	if tmpl.NotAfter.After(ca.NotAfter) {
		tmpl.NotAfter = ca.NotAfter
	}
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, h)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("create webhook serving certificate: %w", err)
	}
	cert, err = x509.ParseCertificate(der)
	if err != nil {
		return nil, nil, nil, err
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return nil, nil, nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), cert, nil
}

// writeFiles writes tls.crt and tls.key when they differ from what is on disk,
// each to a temporary file (0600) renamed into place. The webhook server's
// certificate watcher reloads the pair once both match.
func (r *CertRotator) writeFiles(st *certState) error {
	if err := os.MkdirAll(r.o.CertDir, 0o700); err != nil {
		return fmt.Errorf("create certificate directory: %w", err)
	}
	for _, f := range []struct {
		name string
		data []byte
	}{{keyTLSCert, st.certPEM}, {keyTLSKey, st.keyPEM}} {
		path := filepath.Join(r.o.CertDir, f.name)
		if old, err := os.ReadFile(path); err == nil && bytes.Equal(old, f.data) {
			continue
		}
		tmp, err := os.CreateTemp(r.o.CertDir, "."+f.name+"-*")
		if err != nil {
			return fmt.Errorf("write %s: %w", f.name, err)
		}
		_, werr := tmp.Write(f.data)
		cerr := tmp.Close()
		if err := errors.Join(werr, cerr, os.Chmod(tmp.Name(), 0o600)); err != nil {
			_ = os.Remove(tmp.Name())
			return fmt.Errorf("write %s: %w", f.name, err)
		}
		if err := os.Rename(tmp.Name(), path); err != nil {
			_ = os.Remove(tmp.Name())
			return fmt.Errorf("write %s: %w", f.name, err)
		}
	}
	return nil
}

// patchCABundle sets caBundle on every webhook of the named configurations.
// A configuration that does not exist yet is skipped; the next check finds it.
func (r *CertRotator) patchCABundle(ctx context.Context, bundle []byte) error {
	var errs []error
	for _, name := range r.o.ValidatingConfigs {
		cfg := &admissionregistrationv1.ValidatingWebhookConfiguration{}
		errs = append(errs, r.patchOne(ctx, "ValidatingWebhookConfiguration", name, cfg, bundle, func() []*admissionregistrationv1.WebhookClientConfig {
			out := make([]*admissionregistrationv1.WebhookClientConfig, len(cfg.Webhooks))
			for i := range cfg.Webhooks {
				out[i] = &cfg.Webhooks[i].ClientConfig
			}
			return out
		}))
	}
	for _, name := range r.o.MutatingConfigs {
		cfg := &admissionregistrationv1.MutatingWebhookConfiguration{}
		errs = append(errs, r.patchOne(ctx, "MutatingWebhookConfiguration", name, cfg, bundle, func() []*admissionregistrationv1.WebhookClientConfig {
			out := make([]*admissionregistrationv1.WebhookClientConfig, len(cfg.Webhooks))
			for i := range cfg.Webhooks {
				out[i] = &cfg.Webhooks[i].ClientConfig
			}
			return out
		}))
	}
	return errors.Join(errs...)
}

// patchOne reads the configuration name into cfg and patches bundle into the
// client configs clients returns, when any differs.
func (r *CertRotator) patchOne(ctx context.Context, kind, name string, cfg client.Object, bundle []byte, clients func() []*admissionregistrationv1.WebhookClientConfig) error {
	if err := r.o.Client.Get(ctx, client.ObjectKey{Name: name}, cfg); err != nil {
		if apierrors.IsNotFound(err) {
			return nil
		}
		return fmt.Errorf("read %s %s: %w", kind, name, err)
	}
	patch := client.MergeFrom(cfg.DeepCopyObject().(client.Object))
	changed := false
	for _, cc := range clients() {
		if !bytes.Equal(cc.CABundle, bundle) {
			cc.CABundle, changed = bundle, true
		}
	}
	if !changed {
		return nil
	}
	if err := r.o.Client.Patch(ctx, cfg, patch); err != nil {
		return fmt.Errorf("patch caBundle of %s %s: %w", kind, name, err)
	}
	return nil
}

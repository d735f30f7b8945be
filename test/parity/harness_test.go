package parity

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-logr/logr"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	admissionv1 "k8s.io/api/admission/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"

	cmapi "github.com/cert-manager/cert-manager/pkg/apis/certmanager/v1"
	cmmeta "github.com/cert-manager/cert-manager/pkg/apis/meta/v1"
	cmfake "github.com/cert-manager/cert-manager/pkg/client/clientset/versioned/fake"
	cmlisters "github.com/cert-manager/cert-manager/pkg/client/listers/certmanager/v1"
	"github.com/cert-manager/cert-manager/pkg/controller"
	shimhelper "github.com/cert-manager/cert-manager/pkg/controller/certificate-shim"
	"github.com/cert-manager/cert-manager/pkg/webhook/server"
	cmwebhook "github.com/cert-manager/cert-manager/test/webhook"

	"github.com/seed-d040b84d/portcullis/lib/annotations"
	"github.com/seed-d040b84d/portcullis/lib/config"
	"github.com/seed-d040b84d/portcullis/lib/findings"
	"github.com/seed-d040b84d/portcullis/lib/validate"
	"github.com/seed-d040b84d/portcullis/lib/world"
)

const (
	namespace   = "web"
	ingressName = "shop"
	className   = "portcullis"

	// reasonBadConfig is the Warning event reason the shim uses for
	// annotations and TLS blocks it refuses (sync.go reasonBadConfig).
	reasonBadConfig = "BadConfig"
	// reasonCreateCertificate is the Normal event of a created Certificate.
	reasonCreateCertificate = "CreateCertificate"
)

// shimDefaults are cert-manager's controller defaults for the ingress-shim
// (internal/apis/config/controller/v1alpha1 SetDefaults_IngressShimConfig):
// no default issuer name, kind Issuer, group cert-manager.io, and
// kubernetes.io/tls-acme as the auto-certificate annotation.
func shimDefaults() controller.IngressShimOptions {
	return controller.IngressShimOptions{
		DefaultIssuerKind:                 cmapi.IssuerKind,
		DefaultIssuerGroup:                "cert-manager.io",
		DefaultAutoCertificateAnnotations: []string{annotations.KeyCMTLSACME},
	}
}

// withDefaultIssuer is shimDefaults with --default-issuer-name and
// --default-issuer-kind set, as clusters using kubernetes.io/tls-acme run it.
func withDefaultIssuer(name, kind string) controller.IngressShimOptions {
	d := shimDefaults()
	d.DefaultIssuerName, d.DefaultIssuerKind = name, kind
	return d
}

// clusterIssuer is the issuerRef of cert-manager.io/cluster-issuer: le.
var clusterIssuer = cmmeta.IssuerReference{Name: "le", Kind: cmapi.ClusterIssuerKind, Group: "cert-manager.io"}

// withIssuer returns the cluster-issuer annotation plus extra, the usual
// shape of a row that tests one per-certificate annotation.
func withIssuer(extra ...string) map[string]string {
	ann := map[string]string{annotations.KeyCMClusterIssuer: "le"}
	for i := 0; i+1 < len(extra); i += 2 {
		ann[extra[i]] = extra[i+1]
	}
	return ann
}

// defaultTLS is one TLS entry with one host.
func defaultTLS() []networkingv1.IngressTLS {
	return []networkingv1.IngressTLS{{Hosts: []string{"shop.example.com"}, SecretName: "shop-tls"}}
}

// newIngress returns an Ingress of class portcullis with the annotations and
// TLS entries given, and a rule routing every TLS host to a Service.
func newIngress(ann map[string]string, tlsEntries []networkingv1.IngressTLS) *networkingv1.Ingress {
	if tlsEntries == nil {
		tlsEntries = defaultTLS()
	}
	class := className
	prefix := networkingv1.PathTypePrefix
	ing := &networkingv1.Ingress{
		TypeMeta: metav1.TypeMeta{APIVersion: "networking.k8s.io/v1", Kind: "Ingress"},
		ObjectMeta: metav1.ObjectMeta{
			Name: ingressName, Namespace: namespace, UID: types.UID("3f1c2a7e-parity"),
			Labels: map[string]string{"app": "shop"}, Annotations: ann,
		},
		Spec: networkingv1.IngressSpec{IngressClassName: &class, TLS: tlsEntries},
	}
	var hosts []string
	for _, t := range tlsEntries {
		for _, h := range t.Hosts {
			if !slices.Contains(hosts, h) {
				hosts = append(hosts, h)
			}
		}
	}
	if len(hosts) == 0 {
		hosts = []string{"shop.example.com"}
	}
	for _, h := range hosts {
		ing.Spec.Rules = append(ing.Spec.Rules, networkingv1.IngressRule{
			Host: h,
			IngressRuleValue: networkingv1.IngressRuleValue{HTTP: &networkingv1.HTTPIngressRuleValue{
				Paths: []networkingv1.HTTPIngressPath{{
					Path: "/", PathType: &prefix,
					Backend: networkingv1.IngressBackend{Service: &networkingv1.IngressServiceBackend{
						Name: "shop", Port: networkingv1.ServiceBackendPort{Number: 80},
					}},
				}},
			}},
		})
	}
	return ing
}

// portcullisVerdict is lib/validate's verdict on the Ingress, in a world with
// none of the objects it refers to (so "secret not found" warnings are normal).
func portcullisVerdict(t *testing.T, ing *networkingv1.Ingress) findings.Set {
	t.Helper()
	v := validate.New(validate.Options{Config: config.Default()}, nil).Ingress(ing.DeepCopy(), world.NewStatic())
	require.True(t, v.Ours, "the Ingress must be of class %s", className)
	return v.Findings
}

// annotationErrors returns the messages of the errors on metadata.annotations[key].
func annotationErrors(fs findings.Set, key string) []string {
	var out []string
	path := annotations.Path(key).String()
	for _, e := range fs.Errors {
		if e.Field == path {
			out = append(out, e.Error())
		}
	}
	return out
}

// shimResult is what cert-manager's ingress-shim did with one Ingress.
type shimResult struct {
	// Err is SyncFn's return value: the shim requeues the Ingress with backoff.
	Err error
	// Events are the FakeRecorder's events, "<type> <reason> <message>".
	Events []string
	// Certificates are those the shim created, by name.
	Certificates map[string]*cmapi.Certificate
	// Resync are the events of a second sync once the lister holds the
	// created Certificates; a stable result has none.
	Resync []string
	// ResyncErr is the second sync's return value.
	ResyncErr error
}

// badConfig returns the BadConfig events.
func (r shimResult) badConfig() []string { return withReason(r.Events, reasonBadConfig) }

// warnings returns the Warning events of any reason.
func (r shimResult) warnings() []string {
	var out []string
	for _, e := range r.Events {
		if strings.HasPrefix(e, "Warning ") {
			out = append(out, e)
		}
	}
	return out
}

func withReason(events []string, reason string) []string {
	var out []string
	for _, e := range events {
		if f := strings.Fields(e); len(f) > 1 && f[1] == reason {
			out = append(out, e)
		}
	}
	return out
}

// runShim runs cert-manager's ingress-shim sync on the Ingress, twice: once
// on an empty cluster, and once more with the created Certificates in the
// lister (as the informer would hold them), to see whether the result is stable.
func runShim(t *testing.T, ing *networkingv1.Ingress, defaults controller.IngressShimOptions) shimResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()

	client := cmfake.NewClientset()
	indexer := cache.NewIndexer(cache.MetaNamespaceKeyFunc, cache.Indexers{cache.NamespaceIndex: cache.MetaNamespaceIndexFunc})
	lister := cmlisters.NewCertificateLister(indexer)
	rec := record.NewFakeRecorder(100)
	sync := shimhelper.SyncFnFor(rec, logr.Discard(), client, lister, defaults, "cert-manager-certificates-ingress-shim")

	var r shimResult
	r.Err = sync(ctx, ing.DeepCopy())
	r.Events = drain(rec)

	list, err := client.CertmanagerV1().Certificates(namespace).List(ctx, metav1.ListOptions{})
	require.NoError(t, err)
	r.Certificates = map[string]*cmapi.Certificate{}
	for i := range list.Items {
		crt := &list.Items[i]
		r.Certificates[crt.Name] = crt
		require.NoError(t, indexer.Add(crt))
	}

	r.ResyncErr = sync(ctx, ing.DeepCopy())
	r.Resync = drain(rec)
	return r
}

// drain empties the recorder's channel without blocking.
func drain(rec *record.FakeRecorder) []string {
	var out []string
	for {
		select {
		case e := <-rec.Events:
			out = append(out, e)
		default:
			return out
		}
	}
}

// webhook calls cert-manager's own validating webhook, as the API server does
// when the shim creates a Certificate.
type webhook struct {
	url    string
	client *http.Client
}

// startWebhook starts cert-manager's webhook server (its real admission
// chain, including internal/apis/certmanager/validation) for the test and
// its subtests. It needs no API server for Certificates: the host below is
// only used by the CertificateRequest approval plugin.
func startWebhook(t *testing.T) *webhook {
	t.Helper()
	port := freePort(t)
	opts, stop := cmwebhook.StartWebhookServer(t, []string{"--api-server-host=https://127.0.0.1:1"},
		func(s *server.Server) {
			// A fixed port: with 0, Server.Run picks one and writes it while
			// StartWebhookServer polls Server.Port, a data race in v1.21.2.
			s.ListenAddr = port
			s.HealthzAddr = nil // no healthz listener on every interface
		})
	t.Cleanup(stop)
	pool := x509.NewCertPool()
	require.True(t, pool.AppendCertsFromPEM(opts.CAPEM), "webhook CA")
	w := &webhook{url: opts.URL + "/validate", client: &http.Client{
		Timeout:   10 * time.Second,
		Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}},
	}}
	// StartWebhookServer returns once the port is chosen, which can be
	// before the server accepts connections.
	host := strings.TrimPrefix(opts.URL, "https://")
	require.Eventually(t, func() bool {
		conn, err := net.DialTimeout("tcp", host, time.Second)
		if err != nil {
			return false
		}
		_ = conn.Close()
		return true
	}, 20*time.Second, 50*time.Millisecond, "cert-manager's webhook does not listen on %s", host)
	return w
}

// freePort returns a TCP port free on the loopback interface.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer func() { _ = l.Close() }()
	return l.Addr().(*net.TCPAddr).Port
}

// admitCreate returns "" when cert-manager's webhook admits creating the
// Certificate, else its denial message.
func (w *webhook) admitCreate(t *testing.T, crt *cmapi.Certificate) string {
	t.Helper()
	crt = crt.DeepCopy()
	crt.TypeMeta = metav1.TypeMeta{APIVersion: cmapi.SchemeGroupVersion.String(), Kind: cmapi.CertificateKind}
	raw, err := json.Marshal(crt)
	require.NoError(t, err)
	review := admissionv1.AdmissionReview{
		TypeMeta: metav1.TypeMeta{APIVersion: "admission.k8s.io/v1", Kind: "AdmissionReview"},
		Request: &admissionv1.AdmissionRequest{
			UID:       types.UID("parity-" + crt.Name),
			Kind:      metav1.GroupVersionKind{Group: cmapi.SchemeGroupVersion.Group, Version: "v1", Kind: cmapi.CertificateKind},
			Resource:  metav1.GroupVersionResource{Group: cmapi.SchemeGroupVersion.Group, Version: "v1", Resource: "certificates"},
			Name:      crt.Name,
			Namespace: crt.Namespace,
			Operation: admissionv1.Create,
			Object:    runtime.RawExtension{Raw: raw},
		},
	}
	body, err := json.Marshal(review)
	require.NoError(t, err)
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, w.url, bytes.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	resp, err := w.client.Do(req)
	require.NoError(t, err)
	defer func() { _ = resp.Body.Close() }()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	var out admissionv1.AdmissionReview
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&out))
	require.NotNil(t, out.Response)
	if out.Response.Allowed {
		return ""
	}
	if out.Response.Result == nil || out.Response.Result.Message == "" {
		return "denied without a message"
	}
	return out.Response.Result.Message
}

// denials returns cert-manager's webhook verdict on each Certificate
// the shim created, by name; admitted ones are left out.
func (w *webhook) denials(t *testing.T, r shimResult) map[string]string {
	t.Helper()
	out := map[string]string{}
	for name, crt := range r.Certificates {
		if msg := w.admitCreate(t, crt); msg != "" {
			out[name] = msg
		}
	}
	return out
}

// assertCertificateFor checks the Certificate the shim built for one TLS
// entry: named after the secret, owned by the Ingress, issued by issuer, for
// the entry's hosts (de-duplicated, in order) followed by extraDNS.
func assertCertificateFor(t *testing.T, crt *cmapi.Certificate, entry networkingv1.IngressTLS, issuer cmmeta.IssuerReference, extraDNS []string) {
	t.Helper()
	var dns []string
	for _, h := range entry.Hosts {
		if !slices.Contains(dns, h) {
			dns = append(dns, h)
		}
	}
	dns = append(dns, extraDNS...)
	assert.Equal(t, entry.SecretName, crt.Spec.SecretName, "spec.secretName")
	assert.Equal(t, dns, crt.Spec.DNSNames, "spec.dnsNames")
	assert.Equal(t, issuer, crt.Spec.IssuerRef, "spec.issuerRef")
	owner := metav1.GetControllerOf(crt)
	if assert.NotNil(t, owner, "controller owner reference") {
		assert.Equal(t, fmt.Sprintf("Ingress/%s", ingressName), owner.Kind+"/"+owner.Name)
	}
}

package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"
)

// demoNamespace holds the demo objects.
const demoNamespace = "demo"

// demoFiles are what the demo leaves in the state directory, and what it
// asked cert-manager for.
type demoFiles struct {
	dir, broken string
	// issued: demo/issued gets its certificate from dev-ca. acmeRoot, when
	// set, is the root demo/acme's ACME-issued certificate chains to.
	issued   bool
	acmeRoot string
}

// demoCert is a certificate and its key, in PEM.
type demoCert struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	pem  []byte
	kpem []byte
}

func newDemoCert(tmpl *x509.Certificate, parent *demoCert) (*demoCert, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	sn, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, err
	}
	tmpl.SerialNumber = sn
	tmpl.NotBefore = time.Now().Add(-time.Hour)
	tmpl.NotAfter = time.Now().Add(90 * 24 * time.Hour)
	signer, signerKey := tmpl, key
	if parent != nil {
		signer, signerKey = parent.cert, parent.key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, signer, &key.PublicKey, signerKey)
	if err != nil {
		return nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	kder, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, err
	}
	return &demoCert{cert: cert, key: key,
		pem:  pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		kpem: pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder})}, nil
}

// devCA makes the dev CA (the demo's certificates and ClusterIssuer dev-ca
// sign with it) and writes its certificate to dir/ca.crt.
func devCA(dir string) (*demoCert, error) {
	ca, err := newDemoCert(&x509.Certificate{
		Subject: pkix.Name{CommonName: "portcullis dev demo CA"}, IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}, nil)
	if err != nil {
		return nil, err
	}
	return ca, os.WriteFile(filepath.Join(dir, "ca.crt"), ca.pem, 0o600)
}

// demoCerts makes a server certificate for the demo hosts and a client
// certificate, signed by ca.
func demoCerts(ca *demoCert) (server, clientCert *demoCert, err error) {
	if server, err = newDemoCert(&x509.Certificate{
		Subject: pkix.Name{CommonName: "tls.demo.test"}, DNSNames: []string{"tls.demo.test", "mtls.demo.test", reencryptHost},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}, ca); err != nil {
		return
	}
	clientCert, err = newDemoCert(&x509.Certificate{
		Subject:  pkix.Name{CommonName: "demo-client"},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}, ca)
	return
}

// demoIngress routes host to the Service "echo" on port (the echo backend's,
// a loopback port it gets when it starts).
func demoIngress(name, host, secret string, port int32, ann map[string]string) *networkingv1.Ingress {
	class := "portcullis"
	prefix := networkingv1.PathTypePrefix
	return &networkingv1.Ingress{
		TypeMeta:   metav1.TypeMeta{APIVersion: "networking.k8s.io/v1", Kind: "Ingress"},
		ObjectMeta: metav1.ObjectMeta{Namespace: demoNamespace, Name: name, Annotations: ann},
		Spec: networkingv1.IngressSpec{
			IngressClassName: &class,
			TLS:              []networkingv1.IngressTLS{{Hosts: []string{host}, SecretName: secret}},
			Rules: []networkingv1.IngressRule{{Host: host, IngressRuleValue: networkingv1.IngressRuleValue{
				HTTP: &networkingv1.HTTPIngressRuleValue{Paths: []networkingv1.HTTPIngressPath{{
					Path: "/", PathType: &prefix,
					Backend: networkingv1.IngressBackend{Service: &networkingv1.IngressServiceBackend{
						Name: "echo", Port: networkingv1.ServiceBackendPort{Number: port}}},
				}}},
			}}},
		},
	}
}

// passthroughIngress sends passthroughHost, untouched, to the backend port.
func passthroughIngress(port int) *networkingv1.Ingress {
	ing := demoIngress("pass", passthroughHost, "", int32(port), map[string]string{"nginx.ingress.kubernetes.io/ssl-passthrough": "true"})
	ing.Spec.TLS = nil
	ing.Spec.Rules[0].HTTP.Paths[0].Backend.Service = &networkingv1.IngressServiceBackend{Name: "pass", Port: networkingv1.ServiceBackendPort{Number: int32(port)}}
	return ing
}

// brokenIngress has three mistakes ingress-nginx would have accepted
// silently: a misspelt key, a misspelt value, and a CA secret in another
// namespace. It is refused before anything serves it: its backend port is
// any number.
func brokenIngress(ns, name string) *networkingv1.Ingress {
	ing := demoIngress(name, "broken.demo.test", "broken-tls", 8081, map[string]string{
		"nginx.ingress.kubernetes.io/auth-tls-verify-clinet": "on",
		"nginx.ingress.kubernetes.io/auth-tls-secret":        "kube-system/demo-ca",
		"nginx.ingress.kubernetes.io/backend-protocol":       "HTTPS",
		"nginx.ingress.kubernetes.io/proxy-ssl-verify":       "of",
	})
	ing.Namespace = ns
	return ing
}

// passthroughHost is the demo host the passthrough proxy sends, untouched, to
// a backend in the dev process that holds its own certificate.
const passthroughHost = "pass.demo.test"

// startPassthroughBackend serves HTTPS for passthroughHost on loopback with a
// certificate from the demo CA, until ctx ends; it returns the port.
func startPassthroughBackend(ctx context.Context, ca *demoCert) (int, error) {
	return serveHTTPS(ctx, ca, passthroughHost, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "hello from %s: portcullis passed this TLS connection through untouched; this backend holds its own certificate\n", passthroughHost)
	}))
}

// serveHTTPS serves h over HTTPS on loopback with a certificate for name
// from the demo CA, until ctx ends; it returns the port.
func serveHTTPS(ctx context.Context, ca *demoCert, name string, h http.Handler) (int, error) {
	leaf, err := newDemoCert(&x509.Certificate{
		Subject: pkix.Name{CommonName: name}, DNSNames: []string{name},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}, ca)
	if err != nil {
		return 0, err
	}
	cert, err := tls.X509KeyPair(leaf.pem, leaf.kpem)
	if err != nil {
		return 0, err
	}
	l, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12})
	if err != nil {
		return 0, err
	}
	return serve(ctx, l, h), nil
}

// serve serves h on l until ctx ends and returns l's port.
func serve(ctx context.Context, l net.Listener, h http.Handler) int {
	srv := &http.Server{ReadHeaderTimeout: 5 * time.Second, Handler: h}
	go func() { _ = srv.Serve(l) }()
	go func() { <-ctx.Done(); _ = srv.Close() }()
	return l.Addr().(*net.TCPAddr).Port
}

// reencryptHost is the demo host nginx terminates and re-encrypts to an
// HTTPS backend whose certificate it verifies against the demo CA.
const reencryptHost = "reencrypt.demo.test"

// issuedHost is issued from the ConfigMap's default issuer (dev-ca), and
// acmeHost from dev-acme, over HTTP-01 through nginx.
const (
	issuedHost = "issued.demo.test"
	acmeHost   = "acme.demo.test"
)

// defaultHost is the demo host whose TLS entry names no secret: nginx serves
// it with the default certificate.
const defaultHost = "default.demo.test"

// backendName is the name nginx verifies the re-encryption backend's
// certificate against, and sends it as SNI.
const backendName = "backend.demo.test"

// startTLSBackend serves HTTPS on loopback with a certificate for
// backendName from the demo CA, saying which name the client asked for,
// until ctx ends; it returns the port.
func startTLSBackend(ctx context.Context, ca *demoCert) (int, error) {
	return serveHTTPS(ctx, ca, backendName, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "hello from the re-encryption backend: nginx verified its certificate for %s against the demo CA (SNI %q)\n", backendName, r.TLS.ServerName)
	}))
}

// startEchoBackend serves plain HTTP on loopback, answering with what nginx
// passed on (the client certificate's subject on mTLS hosts), until ctx ends.
func startEchoBackend(ctx context.Context) (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	return serve(ctx, l, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "hello from the demo backend: %s %s", r.Host, r.URL.Path)
		if v := r.Header.Get("ssl-client-verify"); v != "" {
			fmt.Fprintf(w, " (client certificate %s: %s)", v, r.Header.Get("ssl-client-subject-dn"))
		}
		fmt.Fprintln(w)
	})), nil
}

// applyDemo creates the demo objects, starts the passthrough backend, and
// writes the demo client certificate and key (0600) and the broken Ingress to
// dir. With cert-manager running, demo/issued is issued from the ConfigMap's
// default issuer (dev-ca) and demo/acme from dev-acme.
func applyDemo(ctx context.Context, c client.Client, dir string, ca *demoCert, cm *devCertManager) (*demoFiles, error) {
	server, clientCert, err := demoCerts(ca)
	if err != nil {
		return nil, err
	}
	passPort, err := startPassthroughBackend(ctx, ca)
	if err != nil {
		return nil, err
	}
	port, err := startEchoBackend(ctx)
	if err != nil {
		return nil, err
	}
	echoPort := int32(port)
	tlsPort, err := startTLSBackend(ctx, ca)
	if err != nil {
		return nil, err
	}
	reencrypt := demoIngress("reencrypt", reencryptHost, "demo-tls", echoPort, map[string]string{
		"nginx.ingress.kubernetes.io/backend-protocol":      "HTTPS",
		"nginx.ingress.kubernetes.io/proxy-ssl-secret":      demoNamespace + "/demo-ca",
		"nginx.ingress.kubernetes.io/proxy-ssl-verify":      "on",
		"nginx.ingress.kubernetes.io/proxy-ssl-name":        backendName,
		"nginx.ingress.kubernetes.io/proxy-ssl-server-name": "on",
	})
	reencrypt.Spec.Rules[0].HTTP.Paths[0].Backend.Service = &networkingv1.IngressServiceBackend{Name: "secure-echo",
		Port: networkingv1.ServiceBackendPort{Number: int32(tlsPort)}}
	withDefault := demoIngress("default", defaultHost, "", echoPort, nil)
	objs := []client.Object{
		&corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: controllerNamespace, Name: "portcullis"},
			Data: map[string]string{"default-issuer": "ClusterIssuer/" + devCAIssuer}},
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: demoNamespace}},
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: demoNamespace, Name: "demo-tls"}, Type: corev1.SecretTypeTLS,
			Data: map[string][]byte{"tls.crt": server.pem, "tls.key": server.kpem}},
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: demoNamespace, Name: "demo-ca"},
			Data: map[string][]byte{"ca.crt": ca.pem}},
		&corev1.Service{ObjectMeta: metav1.ObjectMeta{Namespace: demoNamespace, Name: "echo"},
			Spec: corev1.ServiceSpec{Type: corev1.ServiceTypeExternalName, ExternalName: "localhost",
				Ports: []corev1.ServicePort{{Name: "http", Port: echoPort}}}},
		demoIngress("tls", "tls.demo.test", "demo-tls", echoPort, nil),
		demoIngress("mtls", "mtls.demo.test", "demo-tls", echoPort, map[string]string{
			"nginx.ingress.kubernetes.io/auth-tls-secret":        demoNamespace + "/demo-ca",
			"nginx.ingress.kubernetes.io/auth-tls-verify-client": "on",
		}),
		demoIngress("issued", issuedHost, "issued-tls", echoPort, nil),
		&corev1.Service{ObjectMeta: metav1.ObjectMeta{Namespace: demoNamespace, Name: "pass"},
			Spec: corev1.ServiceSpec{Type: corev1.ServiceTypeExternalName, ExternalName: "localhost"}},
		passthroughIngress(passPort),
		&corev1.Service{ObjectMeta: metav1.ObjectMeta{Namespace: demoNamespace, Name: "secure-echo"},
			Spec: corev1.ServiceSpec{Type: corev1.ServiceTypeExternalName, ExternalName: "localhost"}},
		reencrypt,
		withDefault,
	}
	files := &demoFiles{dir: dir, broken: filepath.Join(dir, "broken-ingress.yaml")}
	if cm != nil {
		files.issued = true
		if cm.acmeRoot != "" {
			files.acmeRoot = cm.acmeRoot
			objs = append(objs, demoIngress("acme", acmeHost, "acme-tls", echoPort, map[string]string{"cert-manager.io/cluster-issuer": devACMEIssuer}))
		}
	}
	for _, o := range objs {
		if err := c.Create(ctx, o); err != nil && !apierrors.IsAlreadyExists(err) {
			return nil, fmt.Errorf("create %T %s/%s: %w", o, o.GetNamespace(), o.GetName(), err)
		}
	}
	broken, err := yaml.Marshal(brokenIngress(demoNamespace, "broken"))
	if err != nil {
		return nil, err
	}
	written := map[string][]byte{"client.crt": clientCert.pem, "client.key": clientCert.kpem, "broken-ingress.yaml": broken}
	for name, data := range written {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			return nil, err
		}
	}
	return files, nil
}

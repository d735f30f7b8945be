package gen_test

import (
	"crypto/tls"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	nginxv1 "github.com/seed-d040b84d/portcullis/lib/apis/k8snginx/v1"
	"github.com/seed-d040b84d/portcullis/lib/validate"
	"github.com/seed-d040b84d/portcullis/test/certgen"
	"github.com/seed-d040b84d/portcullis/test/gen"
)

func TestIngressReadsAsTheObject(t *testing.T) {
	got := gen.Ingress("web", gen.InNamespace("team-a"),
		gen.Host("a.example"), gen.Path("/", "app", 80), gen.ExactPath("/exact", "app", 8080),
		gen.Host("b.example"), gen.Path("/b", "other", 81),
		gen.TLS("web-tls"), gen.TLS("b-tls", "b.example"),
		gen.Annotation("nginx.ingress.kubernetes.io/ssl-redirect", "true"), gen.Label("app", "web"))

	class, prefix, exact := "portcullis", networkingv1.PathTypePrefix, networkingv1.PathTypeExact
	backend := func(svc string, port int32) networkingv1.IngressBackend {
		return networkingv1.IngressBackend{Service: &networkingv1.IngressServiceBackend{Name: svc, Port: networkingv1.ServiceBackendPort{Number: port}}}
	}
	want := &networkingv1.Ingress{
		ObjectMeta: metav1.ObjectMeta{Namespace: "team-a", Name: "web",
			Annotations: map[string]string{"nginx.ingress.kubernetes.io/ssl-redirect": "true"}, Labels: map[string]string{"app": "web"}},
		Spec: networkingv1.IngressSpec{
			IngressClassName: &class,
			TLS:              []networkingv1.IngressTLS{{Hosts: []string{"a.example", "b.example"}, SecretName: "web-tls"}, {Hosts: []string{"b.example"}, SecretName: "b-tls"}},
			Rules: []networkingv1.IngressRule{
				{Host: "a.example", IngressRuleValue: networkingv1.IngressRuleValue{HTTP: &networkingv1.HTTPIngressRuleValue{Paths: []networkingv1.HTTPIngressPath{
					{Path: "/", PathType: &prefix, Backend: backend("app", 80)},
					{Path: "/exact", PathType: &exact, Backend: backend("app", 8080)},
				}}}},
				{Host: "b.example", IngressRuleValue: networkingv1.IngressRuleValue{HTTP: &networkingv1.HTTPIngressRuleValue{Paths: []networkingv1.HTTPIngressPath{
					{Path: "/b", PathType: &prefix, Backend: backend("other", 81)},
				}}}},
			},
		},
	}
	assert.Equal(t, want, got)
}

func TestIngressOptionsAreReusable(t *testing.T) {
	tlsOpt, pathOpt := gen.TLS("tls"), gen.Path("/", "app", 80)
	a := gen.Ingress("a", gen.Host("a.example"), pathOpt, tlsOpt)
	b := gen.Ingress("b", gen.Host("b.example"), pathOpt, tlsOpt)
	assert.Equal(t, []string{"a.example"}, a.Spec.TLS[0].Hosts, "TLS without hosts takes the rules' hosts")
	assert.Equal(t, []string{"b.example"}, b.Spec.TLS[0].Hosts, "a second use of the same option does not keep the first one's hosts")

	*a.Spec.IngressClassName = "changed"
	a.Spec.Rules[0].HTTP.Paths[0].Path = "/changed"
	assert.Equal(t, "portcullis", *b.Spec.IngressClassName, "every Ingress has its own class name")
	assert.Equal(t, "/", b.Spec.Rules[0].HTTP.Paths[0].Path)

	assert.Nil(t, gen.Ingress("none", gen.IngressClassName("")).Spec.IngressClassName)
	d := gen.Ingress("d", gen.DefaultBackend("web", 80))
	assert.Empty(t, d.Spec.Rules)
	assert.Equal(t, "web", d.Spec.DefaultBackend.Service.Name)
	n := gen.Ingress("n", gen.Host("n.example"), gen.NamedPortPath("/", "app", "https"))
	assert.Equal(t, networkingv1.ServiceBackendPort{Name: "https"}, n.Spec.Rules[0].HTTP.Paths[0].Backend.Service.Port)
	p := gen.Ingress("p", gen.Path("/", "app", 80))
	require.Len(t, p.Spec.Rules, 1, "a path without a host goes to a rule for every host")
	assert.Empty(t, p.Spec.Rules[0].Host)
}

func TestTLSSecretHoldsAWorkingKeyPair(t *testing.T) {
	ca, err := certgen.NewCA(certgen.CommonName("gen CA"))
	require.NoError(t, err)
	leaf, err := ca.NewLeaf(certgen.CommonName("web"), certgen.DNSNames("web.example"))
	require.NoError(t, err)

	s := gen.TLSSecret("web-tls", leaf, gen.InNamespace("team-a"))
	assert.Equal(t, corev1.SecretTypeTLS, s.Type)
	assert.Equal(t, metav1.ObjectMeta{Namespace: "team-a", Name: "web-tls"}, s.ObjectMeta)
	pair, err := tls.X509KeyPair(s.Data["tls.crt"], s.Data["tls.key"])
	require.NoError(t, err, "tls.crt and tls.key are a matching pair")
	require.NoError(t, pair.Leaf.VerifyHostname("web.example"))

	c := gen.CASecret("ca", ca)
	assert.Equal(t, gen.CASecretType, c.Type)
	assert.Equal(t, ca.CertPEM(), c.Data["ca.crt"])
}

func TestDataSetsConfigMapsAndSecrets(t *testing.T) {
	cm := gen.ConfigMap("portcullis", gen.InNamespace("portcullis-system"), gen.Data("hsts-max-age", "600", "ssl-redirect", "false"))
	assert.Equal(t, map[string]string{"hsts-max-age": "600", "ssl-redirect": "false"}, cm.Data)
	s := gen.Secret("users", gen.Data("auth", "alice:x"), gen.SecretType("Opaque"))
	assert.Equal(t, map[string][]byte{"auth": []byte("alice:x")}, s.Data)
}

func TestServices(t *testing.T) {
	en := gen.ExternalName("backend", "localhost", gen.InNamespace("a"))
	assert.Equal(t, corev1.ServiceSpec{Type: corev1.ServiceTypeExternalName, ExternalName: "localhost"}, en.Spec)
	svc := gen.Service("app", gen.ClusterIP("10.96.0.10"), gen.ServicePort("http", 80, 8080), gen.ServicePort("", 443, 0))
	assert.Equal(t, corev1.ServiceSpec{Type: corev1.ServiceTypeClusterIP, ClusterIP: "10.96.0.10", Ports: []corev1.ServicePort{
		{Name: "http", Port: 80, Protocol: corev1.ProtocolTCP, TargetPort: intstr.FromInt32(8080)},
		{Port: 443, Protocol: corev1.ProtocolTCP}}}, svc.Spec)
}

func TestIngressClassIsPortcullis(t *testing.T) {
	assert.Equal(t, validate.ControllerName, gen.Controller, "gen's controller name is lib's")
	c := gen.IngressClass("portcullis", gen.IsDefaultClass())
	assert.Equal(t, validate.ControllerName, c.Spec.Controller)
	assert.Equal(t, "true", c.Annotations[networkingv1.AnnotationIsDefaultIngressClass])
	assert.Equal(t, "other", gen.IngressClass("x", gen.ClassController("other")).Spec.Controller)
}

func TestPolicies(t *testing.T) {
	p := gen.Policy("mtls", gen.InNamespace("a"), gen.IngressMTLS("client-ca", "on"))
	assert.Equal(t, &nginxv1.IngressMTLS{ClientCertSecret: "client-ca", VerifyClient: "on"}, p.Spec.IngressMTLS)
	e := gen.Policy("egress", gen.EgressMTLS("client", "backend-ca"))
	assert.Equal(t, &nginxv1.EgressMTLS{TLSSecret: "client", TrustedCertSecret: "backend-ca", VerifyServer: true}, e.Spec.EgressMTLS)
	assert.False(t, gen.Policy("e", gen.EgressMTLS("client", "")).Spec.EgressMTLS.VerifyServer)
}

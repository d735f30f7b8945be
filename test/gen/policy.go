package gen

import (
	nginxv1 "github.com/seed-d040b84d/portcullis/lib/apis/k8snginx/v1"
)

// PolicyOption changes a Policy (k8s.nginx.org/v1) as it is built: a Meta or
// one of the options below.
type PolicyOption interface{ applyPolicy(*nginxv1.Policy) }

// PolicyFunc is a PolicyOption a test writes itself.
type PolicyFunc func(*nginxv1.Policy)

func (f PolicyFunc) applyPolicy(p *nginxv1.Policy) { f(p) }
func (m Meta) applyPolicy(p *nginxv1.Policy)       { m(&p.ObjectMeta) }

// Policy is a Policy named name with an empty spec.
func Policy(name string, opts ...PolicyOption) *nginxv1.Policy {
	p := &nginxv1.Policy{ObjectMeta: objectMeta(name)}
	for _, o := range opts {
		o.applyPolicy(p)
	}
	return p
}

// IngressMTLS verifies client certificates against the nginx.org/ca Secret
// caSecret (in the Policy's namespace) with verifyClient ("on", "optional", …).
func IngressMTLS(caSecret, verifyClient string) PolicyFunc {
	return func(p *nginxv1.Policy) {
		p.Spec.IngressMTLS = &nginxv1.IngressMTLS{ClientCertSecret: caSecret, VerifyClient: verifyClient}
	}
}

// EgressMTLS presents the kubernetes.io/tls Secret clientSecret to upstreams
// and, when trustedCASecret is set, verifies them against that nginx.org/ca
// Secret.
func EgressMTLS(clientSecret, trustedCASecret string) PolicyFunc {
	return func(p *nginxv1.Policy) {
		p.Spec.EgressMTLS = &nginxv1.EgressMTLS{TLSSecret: clientSecret, TrustedCertSecret: trustedCASecret,
			VerifyServer: trustedCASecret != ""}
	}
}

package webhook

import (
	"crypto/tls"

	"sigs.k8s.io/controller-runtime/pkg/webhook"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"
)

// DefaultPort is the webhook server's HTTPS port.
const DefaultPort = 9443

// Paths the handlers are served on; the webhook configurations in
// manifests/webhook name them.
const (
	PathValidateIngress   = "/validate-ingress"
	PathMutateIngress     = "/mutate-ingress"
	PathValidateSecret    = "/validate-secret"
	PathValidatePolicy    = "/validate-policy"
	PathValidateConfigMap = "/validate-configmap"
)

// ServerOptions configure the HTTPS server.
type ServerOptions struct {
	Host string
	Port int
	// CertDir holds tls.crt and tls.key; controller-runtime reloads them when
	// they change, so rotation needs no restart.
	CertDir string
}

// NewServer returns the webhook server: TLS 1.2 or later, HTTP/1.1 only
// (HTTP/2 is off: its rapid-reset attack surface buys nothing here).
func NewServer(o ServerOptions) webhook.Server {
	if o.Port == 0 {
		o.Port = DefaultPort
	}
	return webhook.NewServer(webhook.Options{
		Host:    o.Host,
		Port:    o.Port,
		CertDir: o.CertDir,
		TLSOpts: []func(*tls.Config){func(c *tls.Config) {
			c.MinVersion = tls.VersionTLS12
			c.NextProtos = []string{"http/1.1"}
		}},
	})
}

// Register serves every handler on srv.
func (h *Handlers) Register(srv webhook.Server) {
	for path, fn := range map[string]admission.HandlerFunc{
		PathValidateIngress:   h.ValidateIngress,
		PathMutateIngress:     h.MutateIngress,
		PathValidateSecret:    h.ValidateSecret,
		PathValidatePolicy:    h.ValidatePolicy,
		PathValidateConfigMap: h.ValidateConfigMap,
	} {
		srv.Register(path, &admission.Webhook{Handler: fn})
	}
}

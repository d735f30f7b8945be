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

// Webhooks are the handlers by path. A panic in a handler is recovered into
// an error response (controller-runtime's default), so one request can never
// stop the server.
func (h *Handlers) Webhooks() map[string]*admission.Webhook {
	return map[string]*admission.Webhook{
		PathValidateIngress:   {Handler: admission.HandlerFunc(h.ValidateIngress)},
		PathMutateIngress:     {Handler: admission.HandlerFunc(h.MutateIngress)},
		PathValidateSecret:    {Handler: admission.HandlerFunc(h.ValidateSecret)},
		PathValidatePolicy:    {Handler: admission.HandlerFunc(h.ValidatePolicy)},
		PathValidateConfigMap: {Handler: admission.HandlerFunc(h.ValidateConfigMap)},
	}
}

// Register serves every handler on srv.
func (h *Handlers) Register(srv webhook.Server) {
	for path, wh := range h.Webhooks() {
		srv.Register(path, wh)
	}
}

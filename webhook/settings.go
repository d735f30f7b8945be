package webhook

import (
	"sync"

	corev1 "k8s.io/api/core/v1"

	"github.com/seed-d040b84d/portcullis/lib/certs"
	"github.com/seed-d040b84d/portcullis/lib/config"
	"github.com/seed-d040b84d/portcullis/lib/intent"
	"github.com/seed-d040b84d/portcullis/lib/validate"
)

// ConfigMapGetter finds the controller ConfigMap.
type ConfigMapGetter interface {
	ConfigMap(namespace, name string) (*corev1.ConfigMap, bool)
}

// Settings builds the Validator for the controller ConfigMap as it is now,
// re-parsing it only when its resourceVersion changes. A ConfigMap that does
// not parse leaves the last good configuration in force (defaults if none).
type Settings struct {
	// Base holds the flag-derived options; Config is replaced by the ConfigMap's.
	Base      validate.Options
	ConfigMap intent.ObjectRef
	Getter    ConfigMapGetter

	certs certs.Cache

	mu      sync.Mutex
	version string
	current *validate.Validator
}

// Validator returns the Validator for the current configuration.
func (s *Settings) Validator() *validate.Validator {
	cm, ok := s.Getter.ConfigMap(s.ConfigMap.Namespace, s.ConfigMap.Name)
	version := "absent"
	if ok {
		version = string(cm.UID) + "/" + cm.ResourceVersion
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.current != nil && version == s.version {
		return s.current
	}
	opts := s.Base
	switch {
	case !ok:
		opts.Config = config.Default()
	default:
		cfg, verdict := validate.ConfigMap(cm)
		if !verdict.Findings.Allowed() {
			if s.current != nil {
				return s.current // keep the last good configuration
			}
			cfg = config.Default()
		}
		opts.Config = cfg
	}
	s.current = validate.New(opts, &s.certs)
	s.version = version
	return s.current
}

// SetBase replaces the flag-derived options; the next admission uses them.
func (s *Settings) SetBase(o validate.Options) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.Base, s.current, s.version = o, nil, ""
}

// Certs is the certificate parse cache the Validators share.
func (s *Settings) Certs() *certs.Cache { return &s.certs }

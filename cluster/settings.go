package cluster

import (
	"strings"
	"sync"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/seed-d040b84d/portcullis/lib/certs"
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
	// refused is the ConfigMap in the cluster when it does not parse, with
	// why; nil while the one in the cluster is in force.
	refused    *corev1.ConfigMap
	refusedWhy string
}

// Refused returns the controller ConfigMap as it is in the cluster when it
// was refused (the last good configuration, or the defaults, stay in
// force), and why; nil when the ConfigMap in the cluster is the one in
// force.
func (s *Settings) Refused() (*corev1.ConfigMap, string) {
	s.Validator() // judge the ConfigMap as it is now
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.refused, s.refusedWhy
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
	var found *corev1.ConfigMap
	if ok {
		found = cm
	}
	v, verdict := validate.ForConfigMap(s.Base, found, &s.certs)
	s.refused, s.refusedWhy = nil, ""
	if verdict != nil && !verdict.Findings.Allowed() {
		s.refused, s.refusedWhy = cm, refusalSummary(verdict.Findings.Errors)
		if s.current != nil {
			s.version = version // judged once per version
			return s.current    // keep the last good configuration
		}
	}
	s.current = v
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

// refusalSummary joins the errors' fields and details.
func refusalSummary(errs field.ErrorList) string {
	parts := make([]string, 0, len(errs))
	for _, e := range errs {
		parts = append(parts, e.Field+": "+e.Detail)
	}
	return strings.Join(parts, "; ")
}

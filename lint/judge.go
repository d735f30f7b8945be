package lint

import (
	"time"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"

	nginxv1 "github.com/seed-d040b84d/portcullis/lib/apis/k8snginx/v1"
	"github.com/seed-d040b84d/portcullis/lib/certs"
	"github.com/seed-d040b84d/portcullis/lib/config"
	"github.com/seed-d040b84d/portcullis/lib/findings"
	"github.com/seed-d040b84d/portcullis/lib/intent"
	"github.com/seed-d040b84d/portcullis/lib/validate"
	"github.com/seed-d040b84d/portcullis/lib/world"
)

// DefaultConfigMap is the controller ConfigMap's default namespace/name (a
// function: a value no caller can change for the others).
func DefaultConfigMap() intent.ObjectRef {
	return intent.ObjectRef{Namespace: "portcullis-system", Name: "portcullis"}
}

// Options mirror the controller flags that change a verdict.
type Options struct {
	// ConfigMap is the controller ConfigMap (--configmap); DefaultConfigMap() if empty.
	ConfigMap            intent.ObjectRef
	EnableSSLPassthrough bool
	// DefaultSSLCertificate is --default-ssl-certificate, if set.
	DefaultSSLCertificate *intent.ObjectRef
	// IngressClass is the class that is ours (--ingress-class); "portcullis" if empty.
	IngressClass string
	// WatchWithoutClass also judges Ingresses that name no class
	// (--watch-ingress-without-class).
	WatchWithoutClass bool
	// WatchNamespaces, when not empty, are the only namespaces whose
	// Ingresses are ours (--watch-namespace).
	WatchNamespaces []string
	// AnnotationsPrefix is ingress-nginx's prefix (--annotations-prefix).
	AnnotationsPrefix string
	// Now is the clock certificates are judged by; time.Now if nil.
	Now func() time.Time
	// Review adds findings beyond lib's (the Rego policies of --policies);
	// nil means lib alone.
	Review Reviewer
}

// Reviewer judges one object after lib: it gets lib's verdict (and the
// intent, for an Ingress of ours), the world, the ConfigMap in force and the
// certificate cache, and returns more findings.
type Reviewer func(s Source, libFindings findings.Set, in *intent.Ingress, w world.Resolver, cfg config.Config, cache *certs.Cache) findings.Set

// Judge gives every Ingress of ours, Policy, TLS/CA Secret and the controller
// ConfigMap among srcs the verdict the webhook would give, in input order. The
// sources are the whole world: references are resolved among them.
func Judge(srcs []Source, opts Options) Report {
	opts.ConfigMap = opts.configMap()
	w := world.NewStatic()
	for _, s := range srcs {
		if s.Typed != nil {
			w.Add(s.Typed)
		}
	}
	cache := &certs.Cache{}
	v, cmVerdict := Validator(w, opts, cache)
	cfg := v.Options().Config

	ingresses := v.Batch() // the files are one world: judge its Ingresses in one pass
	var rep Report
	for _, s := range srcs {
		var fs findings.Set
		var in *intent.Ingress
		switch o := s.Typed.(type) {
		case *networkingv1.Ingress:
			verdict := ingresses.Ingress(o, w)
			if !verdict.Ours {
				continue
			}
			fs, in = verdict.Findings, verdict.Intent
		case *nginxv1.Policy:
			fs = v.Policy(o, w).Findings
		case *corev1.Secret:
			verdict := v.Secret(o, w)
			if !verdict.Judged {
				continue
			}
			fs = verdict.Findings
		case *corev1.ConfigMap:
			if cmVerdict == nil || o.Namespace != opts.ConfigMap.Namespace || o.Name != opts.ConfigMap.Name {
				continue
			}
			fs = cmVerdict.Findings
		default:
			continue
		}
		if opts.Review != nil {
			fs.Merge(opts.Review(s, fs, in, w, cfg, cache))
			fs.Sort()
		}
		rep.Results = append(rep.Results, result(s, fs))
	}
	return rep
}

// Validator is the Validator lint judges the world w with: opts' flags and
// the controller ConfigMap among w's objects (validate.ForConfigMap: the
// defaults when there is none or it is refused). The verdict is the
// ConfigMap's, nil when w holds none.
func Validator(w *world.Static, opts Options, cache *certs.Cache) (*validate.Validator, *validate.Verdict) {
	ref := opts.configMap()
	cm, _ := w.ConfigMap(ref.Namespace, ref.Name)
	return validate.ForConfigMap(opts.validateOptions(), cm, cache)
}

// configMap is the controller ConfigMap's namespace/name.
func (o Options) configMap() intent.ObjectRef {
	if o.ConfigMap == (intent.ObjectRef{}) {
		return DefaultConfigMap()
	}
	return o.ConfigMap
}

// validateOptions are lib's options from the flags.
func (o Options) validateOptions() validate.Options {
	return validate.Options{
		Class:                 validate.ClassOptions{Name: o.IngressClass, WatchWithoutClass: o.WatchWithoutClass, Namespaces: o.WatchNamespaces},
		AnnotationsPrefix:     o.AnnotationsPrefix,
		EnableSSLPassthrough:  o.EnableSSLPassthrough,
		DefaultSSLCertificate: o.DefaultSSLCertificate,
		Now:                   o.Now,
	}
}

func result(s Source, fs findings.Set) Result {
	return Result{
		APIVersion: s.GVK.GroupVersion().String(),
		Kind:       s.GVK.Kind,
		Namespace:  s.Meta.GetNamespace(),
		Name:       s.Meta.GetName(),
		Allowed:    fs.Allowed(),
		Errors:     fs.ErrorEntries(),
		Warnings:   fs.WarningEntries(),
		File:       s.File,
		Position:   s.Position,
	}
}

// Package reconcile programs the data plane from the cluster: after every
// change to what lib reads it judges every Ingress of ours once, builds the
// one whole-world dataplane model, hands it to the nginx supervisor (which
// reloads only when the bytes nginx reads changed) and then to the model's
// other observers (the passthrough proxy's routing table). Nothing else
// judges Ingresses or resolves Services.
package reconcile

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/seed-d040b84d/portcullis/controller/dataplane"
	"github.com/seed-d040b84d/portcullis/controller/nginx"
	"github.com/seed-d040b84d/portcullis/controller/report"
	"github.com/seed-d040b84d/portcullis/controller/watch"
	"github.com/seed-d040b84d/portcullis/lib/certs"
	"github.com/seed-d040b84d/portcullis/lib/intent"
	"github.com/seed-d040b84d/portcullis/lib/validate"
	"github.com/seed-d040b84d/portcullis/lib/world"
)

// Reconciler rebuilds and applies the model.
type Reconciler struct {
	Resolver world.Resolver
	// Validator is the Validator for the ConfigMap in force.
	Validator func() *validate.Validator
	Certs     *certs.Cache
	// Endpoints, when set, sends each path to its Service's ready endpoints
	// (unless the Ingress asks for service-upstream); without it, to the
	// Service's ClusterIP.
	Endpoints dataplane.EndpointLookup
	// PassthroughEndpoints, when set, sends each passthrough host to its
	// Service's ready endpoints; without it, to the Service's ClusterIP
	// (--passthrough-upstream).
	PassthroughEndpoints dataplane.EndpointLookup
	// Supervisor programs nginx; nil runs without nginx (the model then only
	// feeds the observers).
	Supervisor *nginx.Supervisor
	// Observers are told of every model in force, after nginx took it.
	Observers []Observer
	// DefaultCertificate is --default-ssl-certificate; a generated
	// self-signed certificate is served without it (or while it is unusable).
	DefaultCertificate *intent.ObjectRef
	Log                logr.Logger
	// Metrics, when set, are updated after every sync.
	Metrics *Metrics
	// Applied, when set, is told of every model in force after a sync (the
	// leader's report.Publisher turns it into events and status).
	Applied func(report.Applied)
	// ConfigRefused, when set, says whether the controller ConfigMap in the
	// cluster is refused (and why); reported with each model.
	ConfigRefused func() (*corev1.ConfigMap, string)

	generated, lastDefault *certs.ServerCert
	// culprits are the Ingresses (by UID) nginx refused at the last sync:
	// the first guess at the next one, so a refused Ingress that stays costs
	// one nginx -t per sync instead of a bisection.
	culprits map[types.UID]bool
}

// Observer derives a part of the data plane from the model in force.
type Observer interface {
	OnChange(*dataplane.Model)
}

// Sync builds the model from the cluster as it is and applies it. It returns
// whether nginx was reloaded.
func (r *Reconciler) Sync(ctx context.Context) (bool, error) {
	now := time.Now()
	if r.Metrics != nil && r.ConfigRefused != nil {
		refused := 0.0
		if cm, _ := r.ConfigRefused(); cm != nil {
			refused = 1
		}
		r.Metrics.ConfigMapRefused.Set(refused)
	}
	if r.generated == nil {
		g, err := dataplane.GenerateDefaultCertificate(now)
		if err != nil {
			return false, err
		}
		r.generated = g
	}
	def := r.generated
	if r.lastDefault != nil {
		def = r.lastDefault
	}
	if ref := r.DefaultCertificate; ref != nil {
		if sec, ok := r.Resolver.Secret(ref.Namespace, ref.Name); ok {
			d, err := dataplane.DefaultCertificateFrom(sec, r.Certs, now, def)
			if err != nil {
				r.Log.Error(err, "default certificate")
			} else {
				r.lastDefault = d
			}
			def = d
		}
	}
	// The webhook's settings, but a chain out of order is a warning here:
	// the model writes every chain normalized
	// (docs/controller.md#from-ingresses-to-the-model).
	opts := r.Validator().Options()
	opts.AllowMisorderedChains = true
	v := validate.New(opts, r.Certs)
	ings := dataplane.Judge(v, r.Resolver)
	build := func(ings []dataplane.Ingress) (*dataplane.Model, error) {
		return dataplane.Build(ings, dataplane.Options{
			Config: v.Options().Config, Resolver: r.Resolver, Certs: r.Certs,
			Backends:            dataplane.ServiceBackends{Resolver: r.Resolver, Endpoints: r.Endpoints},
			PassthroughBackends: dataplane.ServiceBackends{Resolver: r.Resolver, Endpoints: r.PassthroughEndpoints},
			DefaultCertificate:  def,
		})
	}
	m, err := build(ings)
	if err != nil {
		r.Metrics.observe(nil, "", false, 0, err, now)
		return false, err
	}
	if r.Supervisor == nil {
		r.notify(m)
		return false, nil
	}
	start := time.Now()
	replaced := r.Supervisor.Replaced()
	defer func() {
		if r.Metrics != nil {
			r.Metrics.Replaced.Add(float64(r.Supervisor.Replaced() - replaced))
		}
	}()
	reloaded, err := r.Supervisor.Apply(ctx, m)
	if err == nil {
		r.culprits = nil
	}
	if errors.Is(err, nginx.ErrRefused) {
		// Everything lib accepts should render to a configuration nginx
		// accepts; when it does not (an ExternalName nginx cannot resolve,
		// a bug), one Ingress must not hold every other change back: find
		// the Ingresses nginx refuses, refuse them, and apply the rest.
		var culprits []dataplane.Ingress
		if ings, culprits, err = r.isolate(ings, build, err); err == nil {
			r.culprits = map[types.UID]bool{}
			for _, c := range culprits {
				r.culprits[c.Object.UID] = true
				r.Log.Error(errors.New(c.Verdict.Findings.Errors[len(c.Verdict.Findings.Errors)-1].Detail), "Ingress refused by nginx; its hosts fail closed",
					"ingress", c.Object.Namespace+"/"+c.Object.Name)
			}
			if m, err = build(ings); err == nil {
				reloaded, err = r.Supervisor.Apply(ctx, m)
			}
		}
	}
	r.Metrics.observe(m, r.Supervisor.Generation(), reloaded, time.Since(start), err, time.Now())
	if err == nil {
		r.notify(m)
	}
	if err == nil && r.Applied != nil {
		a := report.Applied{Ingresses: ings, Model: m, Generation: r.Supervisor.Generation()}
		if r.ConfigRefused != nil {
			a.RefusedConfigMap, a.RefusedWhy = r.ConfigRefused()
		}
		r.Applied(a)
	}
	return reloaded, err
}

// notify hands the model in force to every observer.
func (r *Reconciler) notify(m *dataplane.Model) {
	for _, o := range r.Observers {
		o.OnChange(m)
	}
}

// DrainTimeout bounds how long Run waits, once its context ends, for nginx's
// in-flight requests to complete before it kills nginx.
const DrainTimeout = 30 * time.Second

// Run syncs once the caches have synced and again after every change of the
// watched kinds (a burst of events makes one sync), until ctx ends; then it
// stops nginx gracefully. A failed sync keeps the last good configuration in
// force and is retried at the next change or after retry.
func (r *Reconciler) Run(ctx context.Context, synced func(context.Context) bool, retry time.Duration, sources ...watch.Source) error {
	defer func() {
		if r.Supervisor == nil {
			return
		}
		drain, cancel := context.WithTimeout(context.Background(), DrainTimeout)
		defer cancel()
		if err := r.Supervisor.Stop(drain); err != nil {
			r.Log.Error(err, "stopping nginx")
		}
	}()
	return watch.Run(ctx, synced, retry, func(ctx context.Context) bool {
		reloaded, err := r.Sync(ctx)
		switch {
		case err != nil:
			r.Log.Error(err, "nginx not updated; the last good configuration stays in force")
			return false
		case reloaded:
			r.Log.Info("nginx configuration applied", "generation", r.Supervisor.Generation())
		}
		return true
	}, sources...)
}

// nginxReason is nginx -t's complaint about the culprit alone, or about the
// whole when that cannot be had.
func nginxReason(whole error, culprit dataplane.Ingress, build func([]dataplane.Ingress) (*dataplane.Model, error), sup *nginx.Supervisor) string {
	msg := whole.Error()
	if m, err := build([]dataplane.Ingress{culprit}); err == nil {
		if err := sup.Check(m); err != nil {
			msg = err.Error()
		}
	}
	if i := strings.LastIndex(msg, "[emerg] "); i >= 0 {
		msg = msg[i+len("[emerg] "):]
	}
	if i := strings.Index(msg, "\n"); i >= 0 {
		msg = msg[:i]
	}
	return msg
}

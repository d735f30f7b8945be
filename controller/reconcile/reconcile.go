// Package reconcile programs nginx from the cluster: after every change to
// what lib reads it re-validates every Ingress of ours, builds the
// whole-world dataplane model and hands it to the nginx supervisor, which
// reloads only when the bytes nginx reads changed.
package reconcile

import (
	"context"
	"time"

	"github.com/go-logr/logr"

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
	Endpoints  dataplane.EndpointLookup
	Supervisor *nginx.Supervisor
	// DefaultCertificate is --default-ssl-certificate; a generated
	// self-signed certificate is served without it (or while it is unusable).
	DefaultCertificate *intent.ObjectRef
	Log                logr.Logger
	// Metrics, when set, are updated after every sync.
	Metrics *Metrics
	// Applied, when set, is told of every model in force after a sync (the
	// leader's report.Publisher turns it into events and status).
	Applied func(report.Applied)

	generated, lastDefault *certs.ServerCert
}

// Sync builds the model from the cluster as it is and applies it. It returns
// whether nginx was reloaded.
func (r *Reconciler) Sync(ctx context.Context) (bool, error) {
	now := time.Now()
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
	// the model writes every chain normalized (FEATURES.md §2).
	opts := r.Validator().Options()
	opts.AllowMisorderedChains = true
	v := validate.New(opts, r.Certs)
	ings := dataplane.Judge(v, r.Resolver)
	m, err := dataplane.Build(ings, dataplane.Options{
		Config: v.Options().Config, Resolver: r.Resolver, Certs: r.Certs,
		Backends: dataplane.ServiceBackends{Resolver: r.Resolver, Endpoints: r.Endpoints}, DefaultCertificate: def,
	})
	if err != nil {
		r.Metrics.observe(nil, "", false, 0, err, now)
		return false, err
	}
	start := time.Now()
	reloaded, err := r.Supervisor.Apply(ctx, m)
	r.Metrics.observe(m, r.Supervisor.Generation(), reloaded, time.Since(start), err, time.Now())
	if err == nil && r.Applied != nil {
		r.Applied(report.Applied{Ingresses: ings, Model: m, Generation: r.Supervisor.Generation()})
	}
	return reloaded, err
}

// Run syncs once the caches have synced and again after every change of the
// watched kinds (a burst of events makes one sync), until ctx ends; then it
// stops nginx gracefully. A failed sync keeps the last good configuration in
// force and is retried at the next change or after retry.
func (r *Reconciler) Run(ctx context.Context, synced func(context.Context) bool, retry time.Duration, sources ...watch.Source) error {
	defer func() {
		drain, cancel := context.WithTimeout(context.Background(), 30*time.Second)
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

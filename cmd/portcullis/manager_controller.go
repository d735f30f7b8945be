package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	networkingv1 "k8s.io/api/networking/v1"
	toolscache "k8s.io/client-go/tools/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"

	"github.com/seed-d040b84d/portcullis/cluster"
	"github.com/seed-d040b84d/portcullis/controller/dataplane"
	"github.com/seed-d040b84d/portcullis/controller/nginx"
	"github.com/seed-d040b84d/portcullis/controller/passthrough"
	"github.com/seed-d040b84d/portcullis/controller/reconcile"
	"github.com/seed-d040b84d/portcullis/controller/report"
	"github.com/seed-d040b84d/portcullis/controller/watch"
	"github.com/seed-d040b84d/portcullis/lib/certs"
)

// setupController starts the data plane: one reconciler judges the cluster
// after every change and builds one model, which programs nginx (unless
// --nginx=false) and, with --enable-ssl-passthrough, the routing table of the
// passthrough proxy on --https-address in front of nginx's TLS listener
// (--ssl-passthrough-fallback, with proxy_protocol).
func setupController(ctx context.Context, mgr manager.Manager, f managerFlags, settings *cluster.Settings) error {
	resolver := cluster.CacheResolver{Reader: mgr.GetCache()}
	rec := &reconcile.Reconciler{Resolver: resolver, Validator: settings.Validator, Certs: settings.Certs(), Endpoints: resolver,
		Log: mgr.GetLogger().WithName("reconcile"), ConfigRefused: settings.Refused}
	if f.defaultCert.Name != "" {
		d := f.defaultCert
		rec.DefaultCertificate = &d
	}
	if f.nginx {
		if err := setupNginx(mgr, f, rec); err != nil {
			return err
		}
	}
	if f.passthrough {
		if err := setupPassthrough(mgr, f, settings, rec, resolver); err != nil {
			return err
		}
	}
	sources, err := informers(ctx, mgr, append(cluster.Watched(), &discoveryv1.EndpointSlice{}))
	if err != nil {
		return err
	}
	return mgr.Add(cluster.EveryReplica(func(ctx context.Context) error {
		return rec.Run(ctx, mgr.GetCache().WaitForCacheSync, 10*time.Second, sources...)
	}))
}

// setupPassthrough makes the passthrough proxy an observer of the
// reconciler's model and serves it on --https-address.
func setupPassthrough(mgr manager.Manager, f managerFlags, settings *cluster.Settings, rec *reconcile.Reconciler, resolver cluster.CacheResolver) error {
	switch f.passthroughUpstream {
	case "", passthrough.UpstreamService:
	case passthrough.UpstreamEndpoints:
		rec.PassthroughEndpoints = resolver
	default:
		return fmt.Errorf("--passthrough-upstream must be %q or %q, got %q", passthrough.UpstreamService, passthrough.UpstreamEndpoints, f.passthroughUpstream)
	}
	log := mgr.GetLogger().WithName("passthrough")
	cfg := settings.Validator().Options().Config
	trusted, err := dataplane.Prefixes(cfg.ProxyRealIPCIDR)
	if err != nil {
		return fmt.Errorf("proxy-real-ip-cidr: %w", err)
	}
	proxy := passthrough.New(passthrough.Options{Fallback: f.passthroughFallback, Log: log,
		ProxyProtocol: cfg.UseProxyProtocol, TrustedProxies: trusted})
	warnOpenFiles(log, passthrough.DefaultMaxConns)
	if err := registerReplacing(proxy); err != nil {
		return err
	}
	rec.Observers = append(rec.Observers, passthrough.Observer{Proxy: proxy, Log: log})
	l, err := net.Listen("tcp", f.httpsAddr)
	if err != nil {
		return fmt.Errorf("passthrough listener: %w", err)
	}
	return mgr.Add(cluster.EveryReplica(func(ctx context.Context) error {
		errc := make(chan error, 1)
		go func() { errc <- proxy.Serve(l) }()
		select {
		case err := <-errc:
			return err
		case <-ctx.Done():
		}
		drain, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = proxy.Shutdown(drain)
		return nil
	}))
}

// setupNginx gives the reconciler an nginx supervisor, its metrics and the
// publisher of events and status.
func setupNginx(mgr manager.Manager, f managerFlags, rec *reconcile.Reconciler) error {
	render := nginx.Options{
		Address: f.nginxAddress, HTTPPort: f.httpPort, HTTPSPort: f.nginxHTTPSPort,
		StatusAddress: f.nginxStatus, AccessLogPath: f.accessLog,
	}
	if f.passthrough {
		_, port, err := net.SplitHostPort(f.passthroughFallback)
		if err != nil {
			return fmt.Errorf("--ssl-passthrough-fallback: %w", err)
		}
		fallback, err := strconv.Atoi(port)
		if err != nil {
			return fmt.Errorf("--ssl-passthrough-fallback: port %q: %w", port, err)
		}
		_, public, err := net.SplitHostPort(f.httpsAddr)
		if err != nil {
			return fmt.Errorf("--https-address: %w", err)
		}
		render.Passthrough, render.FallbackPort = true, fallback
		render.PublicHTTPSPort, _ = strconv.Atoi(public)
	}
	dir, err := filepath.Abs(f.nginxDir)
	if err != nil {
		return err
	}
	if render.AccessLogPath != "" {
		if render.AccessLogPath, err = filepath.Abs(render.AccessLogPath); err != nil {
			return err
		}
	}
	sup, err := nginx.NewSupervisor(nginx.SupervisorConfig{Dir: dir, Render: render, Stdout: f.stdout, Log: mgr.GetLogger().WithName("nginx")})
	if err != nil {
		return err
	}
	metrics := reconcile.NewMetrics()
	for _, c := range metrics.Collectors() {
		if err := registerReplacing(c); err != nil {
			return err
		}
	}
	publisher := &report.Publisher{Client: mgr.GetClient(), Recorder: mgr.GetEventRecorder("portcullis"),
		Addresses: f.statusAddresses(mgr.GetClient()), Log: mgr.GetLogger().WithName("report")}
	if err := mgr.Add(publisher); err != nil {
		return err
	}
	rec.Supervisor, rec.Metrics, rec.Applied = sup, metrics, publisher.Offer
	warnWorkerFiles(mgr.GetLogger().WithName("nginx"), rec.Validator().Options().Config)
	// Ready once nginx serves a configuration built from the cluster: a
	// Service in front of the pods sends traffic only to those.
	return mgr.AddReadyzCheck("nginx", func(*http.Request) error {
		if sup.Generation() == "" {
			return errors.New("nginx has not loaded a configuration from the cluster yet")
		}
		return nil
	})
}

// statusAddresses is where the Ingresses served say they are reached:
// --publish-service's load balancer, or --publish-status-address; nil
// (status left alone) without either.
func (f managerFlags) statusAddresses(c client.Reader) func(context.Context) ([]networkingv1.IngressLoadBalancerIngress, error) {
	switch {
	case f.publishService.Name != "":
		ref := f.publishService
		return func(ctx context.Context) ([]networkingv1.IngressLoadBalancerIngress, error) {
			var svc corev1.Service
			if err := c.Get(ctx, client.ObjectKey{Namespace: ref.Namespace, Name: ref.Name}, &svc); err != nil {
				return nil, fmt.Errorf("--publish-service %s: %w", ref, err)
			}
			return report.ServiceAddresses(&svc), nil
		}
	case len(f.publishAddresses) > 0:
		addrs := report.StaticAddresses(f.publishAddresses)
		return func(context.Context) ([]networkingv1.IngressLoadBalancerIngress, error) { return addrs, nil }
	}
	return nil
}

// informers are the manager cache's informers for the kinds, as event
// sources for a coalescing loop.
func informers(ctx context.Context, mgr manager.Manager, kinds []client.Object) ([]watch.Source, error) {
	var out []watch.Source
	for _, obj := range kinds {
		inf, err := mgr.GetCache().GetInformer(ctx, obj)
		if err != nil {
			return nil, err
		}
		out = append(out, inf)
	}
	return out, nil
}

// forgetDeletedSecrets drops a Secret's parsed certificates from the shared
// cache when the Secret is deleted.
func forgetDeletedSecrets(ctx context.Context, mgr manager.Manager, cache *certs.Cache) error {
	inf, err := mgr.GetCache().GetInformer(ctx, &corev1.Secret{})
	if err != nil {
		return err
	}
	_, err = inf.AddEventHandler(toolscache.ResourceEventHandlerFuncs{DeleteFunc: func(obj any) {
		if d, ok := obj.(toolscache.DeletedFinalStateUnknown); ok {
			obj = d.Obj
		}
		if sec, ok := obj.(*corev1.Secret); ok {
			cache.Forget(sec.Namespace, sec.Name)
		}
	}})
	return err
}

// registerReplacing registers a collector on the manager's metrics registry.
// A manager started again in the same process (portcullis dev, tests)
// replaces the previous one's collectors.
func registerReplacing(c prometheus.Collector) error {
	err := ctrlmetrics.Registry.Register(c)
	var already prometheus.AlreadyRegisteredError
	if err == nil || !errors.As(err, &already) {
		return err
	}
	ctrlmetrics.Registry.Unregister(already.ExistingCollector)
	return ctrlmetrics.Registry.Register(c)
}

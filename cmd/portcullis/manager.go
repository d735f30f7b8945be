package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/go-logr/logr"
	"github.com/prometheus/client_golang/prometheus"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/client-go/rest"
	toolscache "k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/clientcmd"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
	ctrlwebhook "sigs.k8s.io/controller-runtime/pkg/webhook"

	"github.com/seed-d040b84d/portcullis/cluster"
	"github.com/seed-d040b84d/portcullis/controller/dataplane"
	"github.com/seed-d040b84d/portcullis/controller/nginx"
	"github.com/seed-d040b84d/portcullis/controller/passthrough"
	"github.com/seed-d040b84d/portcullis/controller/reconcile"
	"github.com/seed-d040b84d/portcullis/controller/report"
	"github.com/seed-d040b84d/portcullis/controller/watch"
	"github.com/seed-d040b84d/portcullis/lib/apis"
	"github.com/seed-d040b84d/portcullis/lib/certs"
	"github.com/seed-d040b84d/portcullis/lib/config"
	"github.com/seed-d040b84d/portcullis/lib/intent"
	"github.com/seed-d040b84d/portcullis/lib/validate"
	"github.com/seed-d040b84d/portcullis/policies"
	"github.com/seed-d040b84d/portcullis/webhook"
)

// managerFlags are the flags of portcullis manager.
type managerFlags struct {
	kubeconfig          string
	namespace           string
	components          string
	configMap           intent.ObjectRef
	class               string
	withoutClass        bool
	prefix              string
	passthrough         bool
	defaultCert         intent.ObjectRef
	webhookHost         string
	webhookPort         int
	certDir             string
	certMode            string
	webhookHosts        stringList
	webhookConfigs      string
	metricsAddr         string
	probeAddr           string
	policyDir           string
	policyTimeout       time.Duration
	timeoutAllows       bool
	httpsAddr           string
	passthroughFallback string
	passthroughUpstream string
	leaderElect         bool
	watchNamespaces     stringList
	publishService      intent.ObjectRef
	publishAddresses    stringList
	nginx               bool
	nginxDir            string
	nginxAddress        string
	nginxStatus         string
	httpPort            int
	nginxHTTPSPort      int
	// accessLog, when set, is the file nginx's access log goes to (not a
	// flag: portcullis dev); the manager's standard output otherwise.
	accessLog string
	// stdout is the manager's standard output (not a flag); nil in tests.
	stdout *os.File
	// logger, when set, is the manager's logger (not a flag): portcullis dev
	// logs to its state directory whatever else set controller-runtime's
	// process-wide logger first.
	logger logr.Logger
}

// Certificate modes of the webhook server.
const (
	certSelfSigned = "self-signed" // the manager makes and rotates its own
	certFiles      = "files"       // provided in --webhook-cert-dir (cert-manager)
)

func (f *managerFlags) register(fs *flag.FlagSet) {
	ns := os.Getenv("POD_NAMESPACE")
	if ns == "" {
		ns = "portcullis-system"
	}
	fs.StringVar(&f.kubeconfig, "kubeconfig", os.Getenv("KUBECONFIG"), "kubeconfig file (in a cluster: the service account)")
	fs.StringVar(&f.namespace, "namespace", ns, "the controller's namespace ($POD_NAMESPACE)")
	fs.StringVar(&f.components, "components", "webhook", "what this process runs, comma-separated: webhook (admission), controller (the data plane: nginx, and the passthrough proxy with --enable-ssl-passthrough)")
	fs.Var(refFlag{&f.configMap}, "configmap", "the controller ConfigMap, namespace/name (default NAMESPACE/portcullis)")
	fs.StringVar(&f.class, "ingress-class", "portcullis", "the ingress class that is ours")
	fs.BoolVar(&f.withoutClass, "watch-ingress-without-class", false, "also serve Ingresses that name no class")
	fs.StringVar(&f.prefix, "annotations-prefix", "nginx.ingress.kubernetes.io", "ingress-nginx annotation prefix")
	fs.BoolVar(&f.passthrough, "enable-ssl-passthrough", false, "admit and serve ssl-passthrough")
	fs.Var(refFlag{&f.defaultCert}, "default-ssl-certificate", "the default certificate secret, namespace/name")
	fs.StringVar(&f.webhookHost, "webhook-host", "", "address the webhook server listens on (all when empty)")
	fs.IntVar(&f.webhookPort, "webhook-port", webhook.DefaultPort, "webhook server HTTPS port")
	fs.StringVar(&f.certDir, "webhook-cert-dir", "/run/portcullis/webhook-certs", "directory of the webhook's tls.crt and tls.key")
	fs.StringVar(&f.certMode, "webhook-cert-mode", certSelfSigned, "self-signed: make, store and rotate a CA and serving certificate and patch caBundle; files: use the files in --webhook-cert-dir as they are (cert-manager)")
	fs.Var(&f.webhookHosts, "webhook-cert-host", "a DNS name or IP of the serving certificate (repeatable; default the portcullis-webhook Service's names)")
	fs.StringVar(&f.webhookConfigs, "webhook-configurations", "portcullis", "comma-separated names of the Validating and Mutating webhook configurations whose caBundle is kept current")
	fs.StringVar(&f.policyDir, "policy-dir", "", "a directory of Rego policies (.rego, recursively) applied beside the ConfigMaps labelled portcullis.dev/policy")
	fs.DurationVar(&f.policyTimeout, "policy-timeout", policies.DefaultTimeout, "longest evaluation of the Rego policies for one object")
	fs.BoolVar(&f.timeoutAllows, "policy-timeout-allows", false, "admit (with a warning) an object whose policy evaluation timed out; by default it is denied")
	fs.StringVar(&f.httpsAddr, "https-address", ":443", "where the passthrough proxy listens (the HTTPS port)")
	fs.StringVar(&f.passthroughFallback, "ssl-passthrough-fallback", "127.0.0.1:442", "nginx's TLS listener (with proxy_protocol) for connections that are not passed through")
	fs.StringVar(&f.passthroughUpstream, "passthrough-upstream", passthrough.UpstreamService, "where passed-through connections go: service (the Service's ClusterIP) or endpoints (its ready EndpointSlice addresses)")
	fs.BoolVar(&f.nginx, "nginx", true, "with --components=controller, run and program nginx")
	fs.StringVar(&f.nginxDir, "nginx-dir", "/run/portcullis/nginx", "nginx's private state directory (configuration, certificates, keys: 0700)")
	fs.StringVar(&f.nginxAddress, "nginx-address", "", "the address nginx listens on (all when empty)")
	fs.IntVar(&f.httpPort, "http-port", 80, "nginx's HTTP port")
	fs.IntVar(&f.nginxHTTPSPort, "https-port", 443, "nginx's HTTPS port (without passthrough; with it, nginx's TLS listener is --ssl-passthrough-fallback)")
	fs.StringVar(&f.nginxStatus, "nginx-status-address", "127.0.0.1:10246", "loopback address of nginx's status server, which confirms reloads")
	fs.Var(&f.watchNamespaces, "watch-namespace", "serve and judge only the Ingresses of this namespace (repeatable; default every namespace); the manager then reads namespaced objects only there and in --namespace")
	fs.BoolVar(&f.leaderElect, "leader-elect", true, "elect a leader among replicas (a Lease in --namespace); only the leader writes Ingress status and events, every replica serves")
	fs.Var(refFlag{&f.publishService}, "publish-service", "namespace/name of the Service in front of the data plane; its load balancer addresses go in the status of the Ingresses served")
	fs.Var(&f.publishAddresses, "publish-status-address", "an IP address or host name for the status of the Ingresses served, instead of --publish-service (repeatable)")
	fs.StringVar(&f.metricsAddr, "metrics-bind-address", ":10254", "metrics address (0 turns metrics off)")
	fs.StringVar(&f.probeAddr, "health-probe-bind-address", ":10256", "health and readiness probe address")
}

func runManager(args []string, stdout, stderr io.Writer) int {
	var f managerFlags
	fs := flag.NewFlagSet("manager", flag.ContinueOnError)
	fs.SetOutput(stderr)
	f.register(fs)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "portcullis manager: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	ctrl.SetLogger(zap.New(zap.WriteTo(stderr)))
	cfg, err := restConfig(f.kubeconfig)
	if err != nil {
		fmt.Fprintf(stderr, "portcullis manager: %v\n", err)
		return 1
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	f.stdout = os.Stdout
	if err := manage(ctx, cfg, f, nil); err != nil {
		fmt.Fprintf(stderr, "portcullis manager: %v\n", err)
		return 1
	}
	return 0
}

func restConfig(kubeconfig string) (*rest.Config, error) {
	if kubeconfig != "" {
		return clientcmd.BuildConfigFromFlags("", kubeconfig)
	}
	return ctrl.GetConfig()
}

// validateOptions are lib's options from the flags.
func (f *managerFlags) validateOptions() validate.Options {
	o := validate.Options{
		Class:                validate.ClassOptions{Name: f.class, WatchWithoutClass: f.withoutClass, Namespaces: f.watchNamespaces},
		AnnotationsPrefix:    f.prefix,
		EnableSSLPassthrough: f.passthrough,
	}
	if f.defaultCert.Name != "" {
		d := f.defaultCert
		o.DefaultSSLCertificate = &d
	}
	return o
}

// Components of the manager.
const (
	componentWebhook    = "webhook"
	componentController = "controller"
)

// manage runs the manager until ctx ends. started, when set, is called once
// the webhook server serves (with the webhook component) or the caches have
// synced (without it).
func manage(ctx context.Context, cfg *rest.Config, f managerFlags, started func()) error {
	components := map[string]bool{}
	for _, c := range splitList(f.components) {
		if c != componentWebhook && c != componentController {
			return fmt.Errorf("--components: %q is not one of %q, %q", c, componentWebhook, componentController)
		}
		components[c] = true
	}
	if len(components) == 0 {
		return fmt.Errorf("--components: name at least one of %q, %q", componentWebhook, componentController)
	}
	for _, ns := range f.watchNamespaces {
		if errs := validation.IsDNS1123Label(ns); len(errs) > 0 {
			return fmt.Errorf("--watch-namespace %q is not a namespace name: %s", ns, strings.Join(errs, "; "))
		}
	}
	if errs := validation.IsDNS1123Subdomain(f.class); len(errs) > 0 {
		return fmt.Errorf("--ingress-class %q is not an IngressClass name: %s", f.class, strings.Join(errs, "; "))
	}
	if f.configMap.Name == "" {
		f.configMap = intent.ObjectRef{Namespace: f.namespace, Name: "portcullis"}
	}
	opts := ctrl.Options{
		Logger:                        f.logger,
		Scheme:                        apis.Scheme,
		Metrics:                       metricsserver.Options{BindAddress: f.metricsAddr},
		HealthProbeBindAddress:        f.probeAddr,
		LeaderElection:                f.leaderElect,
		LeaderElectionID:              "portcullis",
		LeaderElectionNamespace:       f.namespace,
		LeaderElectionReleaseOnCancel: true,
	}
	if len(f.watchNamespaces) > 0 {
		// Namespaced objects are read only in the watched namespaces and the
		// controller's own (its ConfigMaps and serving Secret).
		opts.Cache.DefaultNamespaces = map[string]cache.Config{f.namespace: {}}
		for _, ns := range f.watchNamespaces {
			opts.Cache.DefaultNamespaces[ns] = cache.Config{}
		}
	}
	var srv ctrlwebhook.Server
	var rotator *webhook.CertRotator
	if components[componentWebhook] {
		var err error
		if rotator, err = certRotator(ctx, cfg, f); err != nil {
			return err
		}
		srv = webhook.NewServer(webhook.ServerOptions{Host: f.webhookHost, Port: f.webhookPort, CertDir: f.certDir})
		opts.WebhookServer = srv
	}
	mgr, err := ctrl.NewManager(cfg, opts)
	if err != nil {
		return fmt.Errorf("manager: %w", err)
	}
	if err := mgr.AddHealthzCheck("ping", healthz.Ping); err != nil {
		return err
	}
	// Judging an Ingress compares it with those sharing its hosts: indexed,
	// a whole-cluster rebuild stays linear in the number of Ingresses.
	if err := cluster.IndexIngressHosts(ctx, mgr.GetFieldIndexer()); err != nil {
		return err
	}
	if rotator != nil {
		if err := mgr.Add(rotator); err != nil {
			return err
		}
	}
	var settings *cluster.Settings
	if components[componentWebhook] {
		h, err := setupWebhook(ctx, mgr, f)
		if err != nil {
			return err
		}
		settings = h.Settings
		if err := keepClassConditions(cfg, mgr, f); err != nil {
			return err
		}
		if err := mgr.AddReadyzCheck("webhook", srv.StartedChecker()); err != nil {
			return err
		}
	}
	if components[componentController] {
		if settings == nil {
			settings = &cluster.Settings{Base: f.validateOptions(), ConfigMap: f.configMap, Getter: cluster.CacheResolver{Reader: mgr.GetCache()}}
		}
		if err := setupController(ctx, mgr, f, settings); err != nil {
			return err
		}
	}
	if settings != nil {
		if err := forgetDeletedSecrets(ctx, mgr, settings.Certs()); err != nil {
			return err
		}
	}
	if started != nil {
		ready := func(ctx context.Context) error {
			if mgr.GetCache().WaitForCacheSync(ctx) {
				started()
			}
			<-ctx.Done()
			return nil
		}
		if srv != nil {
			ready = whenServing(srv, started)
		}
		if err := mgr.Add(manager.RunnableFunc(ready)); err != nil {
			return err
		}
	}
	return mgr.Start(ctx)
}

// certRotator makes the webhook's serving certificate (self-signed mode)
// before the server starts, and returns the rotator that keeps it current.
func certRotator(ctx context.Context, cfg *rest.Config, f managerFlags) (*webhook.CertRotator, error) {
	if f.certMode != certSelfSigned && f.certMode != certFiles {
		return nil, fmt.Errorf("--webhook-cert-mode must be %q or %q, got %q", certSelfSigned, certFiles, f.certMode)
	}
	if f.certMode != certSelfSigned {
		return nil, nil
	}
	direct, err := client.New(cfg, client.Options{Scheme: apis.Scheme})
	if err != nil {
		return nil, fmt.Errorf("kubernetes client: %w", err)
	}
	hosts := []string(f.webhookHosts)
	if len(hosts) == 0 {
		svc := "portcullis-webhook." + f.namespace
		hosts = []string{svc + ".svc", svc + ".svc.cluster.local", svc}
	}
	names := splitList(f.webhookConfigs)
	rotator, err := webhook.NewCertRotator(webhook.CertOptions{
		Client: direct, Namespace: f.namespace, Hosts: hosts, CertDir: f.certDir,
		ValidatingConfigs: names, MutatingConfigs: names,
	})
	if err != nil {
		return nil, err
	}
	// The files must exist before the webhook server starts.
	if err := rotator.Ensure(ctx); err != nil {
		return nil, fmt.Errorf("webhook serving certificate: %w", err)
	}
	return rotator, nil
}

// setupWebhook registers the admission handlers with the Rego engine.
func setupWebhook(ctx context.Context, mgr manager.Manager, f managerFlags) (*webhook.Handlers, error) {
	engine, err := policies.New(policies.Options{Timeout: f.policyTimeout, AllowOnTimeout: f.timeoutAllows})
	if err != nil {
		return nil, err
	}
	var dir []policies.Module
	if f.policyDir != "" {
		if dir, _, err = policies.FromDir(f.policyDir); err != nil {
			return nil, err
		}
		if err := engine.Load(ctx, dir); err != nil {
			return nil, fmt.Errorf("--policy-dir: %w", err)
		}
	}
	return webhook.Setup(ctx, mgr, webhook.Options{Validate: f.validateOptions(), ConfigMap: f.configMap, Policies: engine, PolicyDir: dir})
}

// keepClassConditions keeps the Ingress webhooks' class condition in step
// with the IngressClasses whose controller is ours, so every Ingress the
// controller serves is judged at admission (docs/webhook.md).
func keepClassConditions(cfg *rest.Config, mgr manager.Manager, f managerFlags) error {
	direct, err := client.New(cfg, client.Options{Scheme: apis.Scheme})
	if err != nil {
		return fmt.Errorf("kubernetes client: %w", err)
	}
	names := splitList(f.webhookConfigs)
	return mgr.Add(&webhook.ClassConditions{Client: direct, Cache: mgr.GetCache(), Class: f.class,
		ValidatingConfigs: names, MutatingConfigs: names, Log: mgr.GetLogger().WithName("webhook-classes")})
}

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

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// whenServing calls fn once the webhook server answers its own health check.
func whenServing(srv interface{ StartedChecker() healthz.Checker }, fn func()) manager.RunnableFunc {
	return func(ctx context.Context) error {
		check := srv.StartedChecker()
		t := time.NewTicker(50 * time.Millisecond)
		defer t.Stop()
		for {
			if check(nil) == nil {
				fn()
				<-ctx.Done()
				return nil
			}
			select {
			case <-ctx.Done():
				return nil
			case <-t.C:
			}
		}
	}
}

// warnOpenFiles logs when the open-file limit cannot hold maxConns proxied
// connections: past it, accept fails with EMFILE and the proxy waits for
// connections to close instead of taking new ones.
func warnOpenFiles(log logr.Logger, maxConns int) {
	var l syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l); err != nil {
		return
	}
	if need := passthrough.OpenFilesNeeded(maxConns); l.Cur < need {
		log.Info("the open-file limit is below what the passthrough connection cap needs; raise it (ulimit -n, or the container runtime's nofile limit)",
			"limit", l.Cur, "needed", need, "maxConns", maxConns, "descriptorsPerConn", passthrough.DescriptorsPerConn,
			"connectionsThatFit", (l.Cur-min(l.Cur, 1024))/passthrough.DescriptorsPerConn)
	}
}

// warnWorkerFiles logs when nginx's workers cannot raise their open-file
// limit to what the ConfigMap's connections need (max-worker-open-files):
// past it, nginx logs "worker_connections are not enough" and refuses
// connections. Only root may raise a limit past the hard one.
func warnWorkerFiles(log logr.Logger, cfg config.Config) {
	var l syscall.Rlimit
	if os.Geteuid() == 0 || syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l) != nil {
		return
	}
	need := nginx.WorkerOpenFiles(cfg.MaxWorkerOpenFiles, cfg.MaxWorkerConnections)
	if l.Max < uint64(need) {
		log.Info("the open-file limit is below what nginx's workers need for max-worker-connections; raise it (ulimit -n, or the container runtime's nofile limit) or lower max-worker-connections",
			"hardLimit", l.Max, "needed", need, "maxWorkerConnections", cfg.MaxWorkerConnections)
	}
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

package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/go-logr/logr"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
	ctrlwebhook "sigs.k8s.io/controller-runtime/pkg/webhook"

	"github.com/seed-d040b84d/portcullis/cluster"
	"github.com/seed-d040b84d/portcullis/controller/passthrough"
	"github.com/seed-d040b84d/portcullis/controller/reconcile"
	"github.com/seed-d040b84d/portcullis/lib/apis"
	"github.com/seed-d040b84d/portcullis/lib/intent"
	"github.com/seed-d040b84d/portcullis/webhook"
)

// managerFlags are the flags of portcullis manager.
type managerFlags struct {
	// judgeFlags are the flags that change a verdict, shared with lint.
	judgeFlags
	kubeconfig          string
	namespace           string
	components          string
	webhookHost         string
	webhookPort         int
	certDir             string
	certMode            string
	webhookHosts        stringList
	webhookConfigs      string
	metricsAddr         string
	probeAddr           string
	httpsAddr           string
	passthroughFallback string
	passthroughUpstream string
	leaderElect         bool
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
	f.judgeFlags.register(fs, "NAMESPACE/portcullis")
	fs.StringVar(&f.components, "components", "webhook", "what this process runs, comma-separated: webhook (admission), controller (the data plane: nginx, and the passthrough proxy with --enable-ssl-passthrough)")
	fs.StringVar(&f.webhookHost, "webhook-host", "", "address the webhook server listens on (all when empty)")
	fs.IntVar(&f.webhookPort, "webhook-port", webhook.DefaultPort, "webhook server HTTPS port")
	fs.StringVar(&f.certDir, "webhook-cert-dir", "/run/portcullis/webhook-certs", "directory of the webhook's tls.crt and tls.key")
	fs.StringVar(&f.certMode, "webhook-cert-mode", certSelfSigned, "self-signed: make, store and rotate a CA and serving certificate and patch caBundle; files: use the files in --webhook-cert-dir as they are (cert-manager)")
	fs.Var(&f.webhookHosts, "webhook-cert-host", "a DNS name or IP of the serving certificate (repeatable; default the portcullis-webhook Service's names)")
	fs.StringVar(&f.webhookConfigs, "webhook-configurations", "portcullis", "comma-separated names of the Validating and Mutating webhook configurations whose caBundle and Ingress class condition are kept current")
	fs.StringVar(&f.httpsAddr, "https-address", ":443", "where the passthrough proxy listens (the HTTPS port)")
	fs.StringVar(&f.passthroughFallback, "ssl-passthrough-fallback", "127.0.0.1:442", "nginx's TLS listener (with proxy_protocol) for connections that are not passed through")
	fs.StringVar(&f.passthroughUpstream, "passthrough-upstream", passthrough.UpstreamService, "where passed-through connections go: service (the Service's ClusterIP) or endpoints (its ready EndpointSlice addresses)")
	fs.BoolVar(&f.nginx, "nginx", true, "with --components=controller, run and program nginx")
	fs.StringVar(&f.nginxDir, "nginx-dir", "/run/portcullis/nginx", "nginx's private state directory (configuration, certificates, keys: 0700)")
	fs.StringVar(&f.nginxAddress, "nginx-address", "", "the address nginx listens on (all when empty)")
	fs.IntVar(&f.httpPort, "http-port", 80, "nginx's HTTP port")
	fs.IntVar(&f.nginxHTTPSPort, "https-port", 443, "nginx's HTTPS port (without passthrough; with it, nginx's TLS listener is --ssl-passthrough-fallback)")
	fs.StringVar(&f.nginxStatus, "nginx-status-address", "127.0.0.1:10246", "loopback address of nginx's status server, which confirms reloads")
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

// Components of the manager.
const (
	componentWebhook    = "webhook"
	componentController = "controller"
)

// manage runs the manager until ctx ends. started, when set, is called once
// the webhook server serves (with the webhook component) or the caches have
// synced (without it).
func manage(ctx context.Context, cfg *rest.Config, f managerFlags, started func()) error {
	components, err := f.check()
	if err != nil {
		return err
	}
	opts := f.managerOptions()
	var srv ctrlwebhook.Server
	var rotator *webhook.CertRotator
	if components[componentWebhook] {
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
	if err := addShared(ctx, mgr, rotator); err != nil {
		return err
	}
	if err := addComponents(ctx, cfg, mgr, f, components, srv); err != nil {
		return err
	}
	if started != nil {
		if err := mgr.Add(whenStarted(mgr, srv, started)); err != nil {
			return err
		}
	}
	return mgr.Start(ctx)
}

// check refuses flags that cannot work, naming the flag, fills in the
// defaults that depend on others, and returns the components to run.
func (f *managerFlags) check() (map[string]bool, error) {
	components := map[string]bool{}
	for _, c := range splitList(f.components) {
		if c != componentWebhook && c != componentController {
			return nil, fmt.Errorf("--components: %q is not one of %q, %q", c, componentWebhook, componentController)
		}
		components[c] = true
	}
	if len(components) == 0 {
		return nil, fmt.Errorf("--components: name at least one of %q, %q", componentWebhook, componentController)
	}
	if err := f.judgeFlags.check(); err != nil {
		return nil, err
	}
	if f.configMap.Name == "" {
		f.configMap = intent.ObjectRef{Namespace: f.namespace, Name: "portcullis"}
	}
	return components, nil
}

// managerOptions are controller-runtime's options from the flags.
func (f *managerFlags) managerOptions() ctrl.Options {
	opts := ctrl.Options{
		Logger:                        f.logger,
		Scheme:                        apis.Scheme,
		Metrics:                       metricsserver.Options{BindAddress: f.metricsAddr},
		HealthProbeBindAddress:        f.probeAddr,
		LeaderElection:                f.leaderElect,
		LeaderElectionID:              "portcullis",
		LeaderElectionNamespace:       f.namespace,
		LeaderElectionReleaseOnCancel: true,
		// Longer than nginx's drain, so that a drain that takes its whole
		// time still ends with nginx stopped rather than with the manager
		// giving up on it; shorter than the Pod's 45 s grace period.
		GracefulShutdownTimeout: ptr.To(reconcile.DrainTimeout + 10*time.Second),
	}
	if len(f.watchNamespaces) > 0 {
		// Namespaced objects are read only in the watched namespaces and the
		// controller's own (its ConfigMaps and serving Secret).
		opts.Cache.DefaultNamespaces = map[string]cache.Config{f.namespace: {}}
		for _, ns := range f.watchNamespaces {
			opts.Cache.DefaultNamespaces[ns] = cache.Config{}
		}
	}
	return opts
}

// addShared adds what every component needs: the liveness check, the
// Ingress host indexes and, in self-signed mode, the certificate rotator.
func addShared(ctx context.Context, mgr manager.Manager, rotator *webhook.CertRotator) error {
	if err := mgr.AddHealthzCheck("ping", healthz.Ping); err != nil {
		return err
	}
	// Judging an Ingress compares it with those sharing its hosts: indexed,
	// a whole-cluster rebuild stays linear in the number of Ingresses.
	if err := cluster.IndexIngressHosts(ctx, mgr.GetFieldIndexer()); err != nil {
		return err
	}
	if rotator != nil {
		return mgr.Add(rotator)
	}
	return nil
}

// addComponents adds the webhook and the controller; both judge with one
// Settings (the controller ConfigMap in force) and one certificate cache.
func addComponents(ctx context.Context, cfg *rest.Config, mgr manager.Manager, f managerFlags, components map[string]bool, srv ctrlwebhook.Server) error {
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
	return forgetDeletedSecrets(ctx, mgr, settings.Certs())
}

// whenStarted calls started once the webhook server serves, or, without
// one, once the caches have synced.
func whenStarted(mgr manager.Manager, srv ctrlwebhook.Server, started func()) manager.RunnableFunc {
	if srv != nil {
		return whenServing(srv, started)
	}
	return func(ctx context.Context) error {
		if mgr.GetCache().WaitForCacheSync(ctx) {
			started()
		}
		<-ctx.Done()
		return nil
	}
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

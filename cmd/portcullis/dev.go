package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"github.com/seed-d040b84d/portcullis/cmd/portcullis/devenv"
	"github.com/seed-d040b84d/portcullis/lib/apis"
	"github.com/seed-d040b84d/portcullis/manifests/crds"
	webhookmanifests "github.com/seed-d040b84d/portcullis/manifests/webhook"
)

type devFlags struct {
	stateDir    string
	readyFile   string
	fresh       bool
	noDemo      bool
	webhookPort int
	httpsPort   int
	httpPort    int
	passthrough bool
	// noCertManager leaves out cert-manager and the ACME server.
	noCertManager bool
}

func runDev(args []string, stdout, stderr io.Writer) int {
	var f devFlags
	fs := flag.NewFlagSet("dev", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&f.stateDir, "state-dir", ".portcullis-dev", "directory for the kubeconfig, the demo CA and client certificate, and the webhook's certificates")
	fs.StringVar(&f.readyFile, "ready-file", "", "file written when everything serves")
	fs.BoolVar(&f.fresh, "fresh", false, "remove the state directory first")
	fs.BoolVar(&f.noDemo, "no-demo", false, "do not apply the demo objects")
	fs.IntVar(&f.webhookPort, "webhook-port", 9443, "loopback port of the admission webhook server")
	fs.IntVar(&f.httpsPort, "https-port", 8443, "loopback HTTPS port")
	fs.IntVar(&f.httpPort, "http-port", 8080, "loopback HTTP port")
	fs.BoolVar(&f.passthrough, "enable-ssl-passthrough", true, "run the SNI passthrough proxy on --https-port")
	fs.BoolVar(&f.noCertManager, "no-cert-manager", false, "do not run cert-manager and the ACME server (ClusterIssuers dev-ca and dev-acme)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	// SIGHUP: the terminal it runs in closed (make run); its processes go too.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	defer stop()
	if err := dev(ctx, f, stdout, stderr); err != nil {
		fmt.Fprintf(stderr, "portcullis dev: %v\n", err)
		return 1
	}
	return 0
}

// controllerNamespace is where dev runs the manager's settings, as a cluster
// install does.
const controllerNamespace = "portcullis-system"

func dev(ctx context.Context, f devFlags, stdout, stderr io.Writer) error {
	logFile, logger, err := openState(f)
	if err != nil {
		return err
	}
	defer logFile.Close()
	env, kubeconfig, err := startControlPlane(f, stdout)
	if err != nil {
		return err
	}
	defer func() { _ = env.Stop() }()
	c, err := client.New(env.Config, client.Options{Scheme: apis.Scheme})
	if err != nil {
		return err
	}
	if err := installWebhook(ctx, c, f.webhookPort); err != nil {
		return err
	}
	mgr, err := startDevManager(ctx, env, f, logger)
	if mgr == nil || err != nil {
		return err // nil: ctx ended first
	}
	defer mgr.stop()
	// The API server reads webhook configurations through an informer; wait
	// until it calls the webhook with the patched caBundle.
	if err := waitForAdmission(ctx, c); err != nil {
		return err
	}
	ca, err := devCA(f.stateDir)
	if err != nil {
		return err
	}
	var cm *devCertManager
	if !f.noCertManager {
		fmt.Fprintf(stdout, "portcullis dev: starting cert-manager and the ACME server (binaries from %s)\n", devenv.CertManagerDir())
		if cm, err = startDevCertManager(ctx, env.Config, kubeconfig, f, ca); err != nil {
			return fmt.Errorf("cert-manager: %w (or run with --no-cert-manager)", err)
		}
		defer cm.stop()
	}
	var demo *demoFiles
	if !f.noDemo {
		if demo, err = applyDemo(ctx, c, f.stateDir, ca, cm); err != nil {
			return fmt.Errorf("demo: %w", err)
		}
		if err := waitForDemo(ctx, demo, f); err != nil {
			return fmt.Errorf("demo: %w (the manager's log is %s)", err, logFile.Name())
		}
	}
	// The banner says nginx serves: with or without the demo, it does
	// before the banner and the ready file.
	if err := waitForNginx(ctx, f.httpPort); err != nil {
		return fmt.Errorf("%w (the manager's log is %s)", err, logFile.Name())
	}
	banner(stdout, env.Config.Host, kubeconfig, demo, cm, f)
	if f.readyFile != "" {
		if err := os.WriteFile(f.readyFile, []byte(kubeconfig+"\n"), 0o600); err != nil {
			return fmt.Errorf("write ready file: %w", err)
		}
	}
	select {
	case <-ctx.Done():
	case err := <-mgr.done:
		if err != nil {
			fmt.Fprintf(stderr, "portcullis dev: manager stopped: %v\n", err)
		}
	}
	fmt.Fprintln(stdout, "portcullis dev: stopping")
	return nil
}

// openState makes the state directory and opens the manager's log in it.
func openState(f devFlags) (*os.File, logr.Logger, error) {
	if f.fresh {
		if err := os.RemoveAll(f.stateDir); err != nil {
			return nil, logr.Logger{}, fmt.Errorf("remove state directory: %w", err)
		}
	}
	// As root, nginx's workers run as nobody and pass through it to the
	// certificates they read (docs/controller.md): searchable, not listable;
	// every file in it is 0600.
	mode := os.FileMode(0o700)
	if os.Geteuid() == 0 {
		mode = 0o711
	}
	if err := os.MkdirAll(f.stateDir, mode); err != nil {
		return nil, logr.Logger{}, fmt.Errorf("create state directory: %w", err)
	}
	if err := os.Chmod(f.stateDir, mode); err != nil {
		return nil, logr.Logger{}, fmt.Errorf("state directory: %w", err)
	}
	logFile, err := os.OpenFile(filepath.Join(f.stateDir, "portcullis.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, logr.Logger{}, fmt.Errorf("open the log file: %w", err)
	}
	logger := zap.New(zap.WriteTo(logFile))
	ctrl.SetLogger(logger)
	return logFile, logger, nil
}

// startControlPlane runs kube-apiserver and etcd with portcullis's CRDs (and
// cert-manager's, unless --no-cert-manager) and writes the kubeconfig.
func startControlPlane(f devFlags, stdout io.Writer) (*devenv.Env, string, error) {
	crdObjs, err := devenv.EmbeddedCRDs(crds.FS)
	if err != nil {
		return nil, "", err
	}
	opts := devenv.Options{CRDs: crdObjs, WrapperDir: filepath.Join(f.stateDir, "bin")}
	if !f.noCertManager {
		dir := devenv.CertManagerDir()
		if err := devenv.CheckCertManager(dir); err != nil {
			return nil, "", fmt.Errorf("%w; or run with --no-cert-manager", err)
		}
		opts.CRDDirs = []string{devenv.CertManagerCRDDir(dir)}
	}
	fmt.Fprintf(stdout, "portcullis dev: starting kube-apiserver and etcd (binaries from %s)\n", devenv.AssetsDir())
	env, err := devenv.Start(opts)
	if err != nil {
		return nil, "", err
	}
	kubeconfig := filepath.Join(f.stateDir, "kubeconfig")
	if err := env.WriteKubeconfig(kubeconfig); err != nil {
		_ = env.Stop()
		return nil, "", err
	}
	return env, kubeconfig, nil
}

// devManager is the manager dev runs in-process.
type devManager struct {
	done   chan error
	cancel context.CancelFunc
}

// startDevManager runs the webhook and the controller (nginx on 127.0.0.1,
// the passthrough proxy in front) and returns once they serve, or nil when
// ctx ends first.
func startDevManager(ctx context.Context, env *devenv.Env, f devFlags, logger logr.Logger) (*devManager, error) {
	// nginx's TLS listener behind the passthrough proxy, and its status server.
	ports, err := devenv.LoopbackPorts(2)
	if err != nil {
		return nil, err
	}
	fallback, status := ports[0], ports[1]
	mf := managerFlags{
		namespace: controllerNamespace, components: "webhook,controller",
		judgeFlags: judgeFlags{class: "portcullis", prefix: "nginx.ingress.kubernetes.io", passthrough: f.passthrough},
		httpsAddr:  fmt.Sprintf("127.0.0.1:%d", f.httpsPort), passthroughFallback: fmt.Sprintf("127.0.0.1:%d", fallback),
		nginx: true, nginxDir: filepath.Join(f.stateDir, "nginx"), nginxAddress: "127.0.0.1",
		httpPort: f.httpPort, nginxHTTPSPort: f.httpsPort, nginxStatus: fmt.Sprintf("127.0.0.1:%d", status),
		webhookHost: "127.0.0.1", webhookPort: f.webhookPort,
		certDir: filepath.Join(f.stateDir, "webhook-certs"), certMode: certSelfSigned,
		webhookHosts: stringList{"127.0.0.1"}, webhookConfigs: "portcullis",
		metricsAddr: "0", probeAddr: "0", logger: logger, accessLog: filepath.Join(f.stateDir, "access.log"),
		// Where the Ingresses served are reached: kubectl get ingress shows it.
		publishAddresses: stringList{"127.0.0.1"},
	}
	serving := make(chan struct{})
	m := &devManager{done: make(chan error, 1)}
	mctx, cancel := context.WithCancel(ctx)
	m.cancel = cancel
	go func() { m.done <- manage(mctx, env.Config, mf, func() { close(serving) }) }()
	select {
	case <-serving:
		return m, nil
	case err := <-m.done:
		cancel()
		return nil, fmt.Errorf("manager: %w", err)
	case <-ctx.Done():
		m.stop()
		return nil, nil
	}
}

// stop ends the manager and waits for it, 30 s at most.
func (m *devManager) stop() {
	m.cancel()
	select {
	case <-m.done:
	case <-time.After(30 * time.Second):
	}
}

// installWebhook creates the controller namespace and the shipped webhook
// configurations, pointed at the local server.
func installWebhook(ctx context.Context, c client.Client, port int) error {
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: controllerNamespace}}
	if err := c.Create(ctx, ns); err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("create namespace %s: %w", controllerNamespace, err)
	}
	cfgs, err := devenv.WebhookConfigurations(webhookmanifests.Configurations, fmt.Sprintf("https://127.0.0.1:%d", port))
	if err != nil {
		return err
	}
	for _, cfg := range cfgs {
		if err := c.Create(ctx, cfg); err != nil && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("install webhook configuration %s: %w", cfg.GetName(), err)
		}
	}
	return nil
}

// waitForAdmission returns once the API server gets verdicts from the
// webhook: a dry-run of an Ingress the webhook refuses is refused.
func waitForAdmission(ctx context.Context, c client.Client) error {
	probe := brokenIngress("default", "probe")
	deadline := time.Now().Add(30 * time.Second)
	for {
		err := c.Create(ctx, probe.DeepCopy(), client.DryRunAll)
		if apierrors.IsInvalid(err) {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the API server does not call the webhook (last answer: %v)", err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// waitForNginx waits until nginx answers HTTP on port (any status: the
// default server answers 404), for 60 s at most.
func waitForNginx(ctx context.Context, port int) error {
	client := &http.Client{Timeout: 2 * time.Second}
	url := fmt.Sprintf("http://127.0.0.1:%d/", port)
	deadline := time.Now().Add(60 * time.Second)
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return err
		}
		resp, err := client.Do(req)
		if err == nil {
			resp.Body.Close()
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("nginx does not answer on %s: %w", url, err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func banner(w io.Writer, host, kubeconfig string, demo *demoFiles, cm *devCertManager, f devFlags) {
	k := "kubectl --kubeconfig " + kubeconfig
	fmt.Fprintf(w, `
portcullis dev is running: kube-apiserver at %s, the admission webhook, and nginx on
127.0.0.1 (HTTP %d, HTTPS %d).

  export KUBECONFIG=%s
  %s get ingresses -A
`, host, f.httpPort, f.httpsPort, kubeconfig, k)
	if demo != nil {
		ca := filepath.Join(demo.dir, "ca.crt")
		curl := func(host string) string {
			return fmt.Sprintf("curl --resolve %s:%d:127.0.0.1 --cacert %s https://%s:%d/", host, f.httpsPort, ca, host, f.httpsPort)
		}
		fmt.Fprintf(w, `
TLS, with the demo's own certificate:

  %s

Client certificates required: without one nginx answers 400, with the demo's it answers 200:

  %s
  %s --cert %s --key %s
`, curl("tls.demo.test"), curl("mtls.demo.test"), curl("mtls.demo.test"),
			filepath.Join(demo.dir, "client.crt"), filepath.Join(demo.dir, "client.key"))
		fmt.Fprintf(w, `
Re-encryption: nginx terminates TLS, then verifies the backend's own certificate
against the demo CA before it forwards the request:

  %s

A TLS entry without a secretName is served with the default certificate (generated at
start, so no CA vouches for it: -k):

  curl -k --resolve %s:%d:127.0.0.1 https://%s:%d/

The webhook refuses a broken Ingress, naming every field to fix:

  %s apply -f %s

It filled in the default cert-manager issuer on the demo Ingress demo/issued:

  %s -n demo get ingress issued -o jsonpath='{.metadata.annotations}'

The demo CA, client certificate and key are in %s.
`, curl(reencryptHost), defaultHost, f.httpsPort, defaultHost, f.httpsPort, k, demo.broken, k, demo.dir)
		if f.passthrough {
			fmt.Fprintf(w, `
The passthrough proxy on 127.0.0.1:%d sends %s, untouched, to a backend with its own certificate:

  %s
`, f.httpsPort, passthroughHost, curl(passthroughHost))
		}
	}
	certManagerBanner(w, demo, cm, f)
	fmt.Fprintf(w, "\nThe manager logs to %s, nginx's access log to %s. Ctrl-C stops everything.\n",
		filepath.Join(f.stateDir, "portcullis.log"), filepath.Join(f.stateDir, "access.log"))
}

// waitForDemo waits until the HTTPS port presents each demo host's own
// certificate, verified against the demo CA: nginx has loaded the demo
// Ingresses and, with passthrough on, the proxy routes the passthrough host.
// Two rounds a moment apart must both pass: while nginx reloads, workers of
// the previous configuration still accept for a few milliseconds.
func waitForDemo(ctx context.Context, demo *demoFiles, f devFlags) error {
	pool, err := certPool(filepath.Join(demo.dir, "ca.crt"))
	if err != nil {
		return err
	}
	hosts := map[string]*x509.CertPool{"tls.demo.test": pool, "mtls.demo.test": pool, reencryptHost: pool}
	if f.passthrough {
		hosts[passthroughHost] = pool
	}
	limit := 60 * time.Second
	if demo.issued {
		hosts[issuedHost] = pool
	}
	if demo.acmeRoot != "" {
		// HTTP-01: cert-manager checks the challenge itself, five times two
		// seconds apart, before the ACME server validates it.
		acme, err := certPool(demo.acmeRoot)
		if err != nil {
			return err
		}
		hosts[acmeHost], limit = acme, 120*time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	addr := fmt.Sprintf("127.0.0.1:%d", f.httpsPort)
	round := func() error {
		for host, pool := range hosts {
			d := tls.Dialer{Config: &tls.Config{ServerName: host, RootCAs: pool, MinVersion: tls.VersionTLS12}}
			conn, err := d.DialContext(ctx, "tcp", addr)
			if err != nil {
				return fmt.Errorf("%s is not served on %s: %w", host, addr, err)
			}
			conn.Close()
		}
		// The default-certificate host: any SNI gets that certificate, so
		// only its backend's answer tells that nginx serves it.
		hc := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{
			TLSClientConfig: &tls.Config{InsecureSkipVerify: true, MinVersion: tls.VersionTLS12}, //nolint:gosec // the default certificate is generated
			DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
				return (&net.Dialer{}).DialContext(ctx, network, addr)
			},
		}}
		defer hc.CloseIdleConnections()
		resp, err := hc.Get(fmt.Sprintf("https://%s:%d/", defaultHost, f.httpsPort))
		if err != nil {
			return fmt.Errorf("%s is not served on %s: %w", defaultHost, addr, err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("%s is not served on %s: status %d", defaultHost, addr, resp.StatusCode)
		}
		return nil
	}
	passed := 0
	for passed < 2 {
		wait := 100 * time.Millisecond
		if err := round(); err != nil {
			passed = 0
			if ctx.Err() != nil {
				return err
			}
		} else if passed++; passed == 1 {
			wait = 500 * time.Millisecond
		}
		if passed < 2 {
			select {
			case <-ctx.Done():
				return round()
			case <-time.After(wait):
			}
		}
	}
	return nil
}

// certPool reads the certificates of a PEM file.
func certPool(path string) (*x509.CertPool, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(b) {
		return nil, fmt.Errorf("no certificate in %s", path)
	}
	return pool, nil
}

// certManagerBanner says what cert-manager issued, with a curl that verifies
// each certificate against its root.
func certManagerBanner(w io.Writer, demo *demoFiles, cm *devCertManager, f devFlags) {
	if cm == nil {
		return
	}
	fmt.Fprintf(w, `
cert-manager runs with two ClusterIssuers: dev-ca signs with the dev CA (%s), and
dev-acme speaks ACME to a local Let's Encrypt test server, solving HTTP-01 through nginx.
`, filepath.Join(f.stateDir, "ca.crt"))
	if demo != nil {
		fmt.Fprintf(w, `
demo/issued got its certificate from dev-ca, the ConfigMap's default issuer:

  curl --resolve %[1]s:%[2]d:127.0.0.1 --cacert %[3]s https://%[1]s:%[2]d/
`, issuedHost, f.httpsPort, filepath.Join(f.stateDir, "ca.crt"))
		if demo.acmeRoot != "" {
			fmt.Fprintf(w, `
demo/acme got its certificate from dev-acme (the ACME server's root is %[3]s):

  curl --resolve %[1]s:%[2]d:127.0.0.1 --cacert %[3]s https://%[1]s:%[2]d/
`, acmeHost, f.httpsPort, demo.acmeRoot)
		}
	}
	if cm.noACME != "" {
		fmt.Fprintf(w, "\ndev-acme was not created: %s\n", cm.noACME)
	}
}

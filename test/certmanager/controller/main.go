// Command cert-manager-controller runs cert-manager's own controllers (the
// ingress-shim, the Certificate, CertificateRequest, ACME order and challenge
// controllers, and the CA, self-signed and ACME issuers) against an API
// server, the way cert-manager's controller binary does, for the end-to-end
// tests and portcullis dev.
//
// Where a cluster has a kubelet, this program stands in for one for exactly one
// kind of Pod: cert-manager's HTTP-01 solver. For each solver Pod it runs
// cert-manager's solver (pkg/issuer/acme/http/solver) in-process on a free
// loopback port, and turns the solver's Service into an ExternalName Service
// (--solver-host) whose port targets that process, since a local API server
// accepts no loopback endpoints. Nothing else about cert-manager changes: the
// Pods, Services and Ingresses are the ones it creates.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/klog/v2"

	controllerpkg "github.com/cert-manager/cert-manager/pkg/controller"
	challengescontroller "github.com/cert-manager/cert-manager/pkg/controller/acmechallenges"
	orderscontroller "github.com/cert-manager/cert-manager/pkg/controller/acmeorders"
	shimingresscontroller "github.com/cert-manager/cert-manager/pkg/controller/certificate-shim/ingresses"
	cracmecontroller "github.com/cert-manager/cert-manager/pkg/controller/certificaterequests/acme"
	crapprovercontroller "github.com/cert-manager/cert-manager/pkg/controller/certificaterequests/approver"
	crcacontroller "github.com/cert-manager/cert-manager/pkg/controller/certificaterequests/ca"
	crselfsignedcontroller "github.com/cert-manager/cert-manager/pkg/controller/certificaterequests/selfsigned"
	"github.com/cert-manager/cert-manager/pkg/controller/certificates/issuing"
	"github.com/cert-manager/cert-manager/pkg/controller/certificates/keymanager"
	"github.com/cert-manager/cert-manager/pkg/controller/certificates/readiness"
	"github.com/cert-manager/cert-manager/pkg/controller/certificates/requestmanager"
	"github.com/cert-manager/cert-manager/pkg/controller/certificates/revisionmanager"
	"github.com/cert-manager/cert-manager/pkg/controller/certificates/trigger"
	clusterissuerscontroller "github.com/cert-manager/cert-manager/pkg/controller/clusterissuers"
	issuerscontroller "github.com/cert-manager/cert-manager/pkg/controller/issuers"
	// The issuers the controllers look up by kind: CA, self-signed, ACME.
	_ "github.com/cert-manager/cert-manager/pkg/issuer/acme"
	_ "github.com/cert-manager/cert-manager/pkg/issuer/ca"
	_ "github.com/cert-manager/cert-manager/pkg/issuer/selfsigned"
	logf "github.com/cert-manager/cert-manager/pkg/logs"
)

// enabled are the controllers this program runs: cert-manager's defaults
// without the Vault and Venafi issuers and the metrics controller.
var enabled = sets.New(
	issuerscontroller.ControllerName,
	clusterissuerscontroller.ControllerName,
	shimingresscontroller.ControllerName,
	orderscontroller.ControllerName,
	challengescontroller.ControllerName,
	cracmecontroller.CRControllerName,
	crapprovercontroller.ControllerName,
	crcacontroller.CRControllerName,
	crselfsignedcontroller.CRControllerName,
	trigger.ControllerName,
	issuing.ControllerName,
	keymanager.ControllerName,
	requestmanager.ControllerName,
	readiness.ControllerName,
	revisionmanager.ControllerName,
)

type options struct {
	kubeconfig               string
	clusterResourceNamespace string
	nameservers              string
	solverHost               string
	workers                  int
}

func main() {
	var o options
	fs := flag.NewFlagSet("cert-manager-controller", flag.ExitOnError)
	fs.StringVar(&o.kubeconfig, "kubeconfig", os.Getenv("KUBECONFIG"), "kubeconfig of the API server")
	fs.StringVar(&o.clusterResourceNamespace, "cluster-resource-namespace", "cert-manager", "namespace of the Secrets ClusterIssuers refer to")
	fs.StringVar(&o.nameservers, "acme-http01-solver-nameservers", "", "comma-separated host:port of the DNS servers for the HTTP-01 self-check")
	fs.StringVar(&o.solverHost, "solver-host", "localhost", "the external name solver Services are pointed at (where the solver processes listen)")
	fs.IntVar(&o.workers, "workers", 5, "workers per controller")
	klog.InitFlags(nil)
	_ = fs.Parse(os.Args[1:])

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	defer stop()
	if err := run(ctx, o); err != nil {
		fmt.Fprintln(os.Stderr, "cert-manager-controller:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, o options) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	log := logf.FromContext(ctx)
	var nameservers []string
	if o.nameservers != "" {
		nameservers = strings.Split(o.nameservers, ",")
	}
	factory, err := controllerpkg.NewContextFactory(ctx, controllerpkg.ContextOptions{
		Kubeconfig:         o.kubeconfig,
		KubernetesAPIQPS:   50,
		KubernetesAPIBurst: 100,
		ACMEOptions: controllerpkg.ACMEOptions{
			HTTP01SolverImage:                 "portcullis.dev/acmesolver-in-process",
			HTTP01SolverResourceRequestCPU:    resource.MustParse("10m"),
			HTTP01SolverResourceRequestMemory: resource.MustParse("64Mi"),
			HTTP01SolverResourceLimitsCPU:     resource.MustParse("100m"),
			HTTP01SolverResourceLimitsMemory:  resource.MustParse("64Mi"),
			ACMEHTTP01SolverRunAsNonRoot:      true,
			HTTP01SolverNameservers:           nameservers,
			DNS01Nameservers:                  nameservers,
			DNS01CheckRetryPeriod:             10 * time.Second,
		},
		SchedulerOptions: controllerpkg.SchedulerOptions{MaxConcurrentChallenges: 60},
		IssuerOptions: controllerpkg.IssuerOptions{
			ClusterResourceNamespace: o.clusterResourceNamespace,
		},
		IngressShimOptions: controllerpkg.IngressShimOptions{
			DefaultAutoCertificateAnnotations: []string{"kubernetes.io/tls-acme"},
		},
		CertificateOptions: controllerpkg.CertificateOptions{
			// A failed issuance is retried within seconds, not cert-manager's
			// production hour: the tests and dev wait on it.
			CertificateRequestMinimumBackoffDuration: 2 * time.Second,
			CertificateRequestMaximumBackoffDuration: 30 * time.Second,
		},
	})
	if err != nil {
		return err
	}
	base, err := factory.Build()
	if err != nil {
		return err
	}

	errs := make(chan error, len(enabled)+1)
	started := 0
	for name, construct := range controllerpkg.Known() {
		if !enabled.Has(name) {
			continue
		}
		c, err := construct(factory)
		if err != nil {
			return fmt.Errorf("controller %s: %w", name, err)
		}
		started++
		go func() {
			if err := c.Run(o.workers, ctx); err != nil {
				errs <- fmt.Errorf("controller %s: %w", name, err)
				return
			}
			errs <- nil
		}()
	}
	if started != enabled.Len() {
		return fmt.Errorf("%d of %d controllers registered", started, enabled.Len())
	}

	solvers, err := newSolverNode(base.Client, o.solverHost, log.WithName("solver-node"))
	if err != nil {
		return err
	}
	go func() { errs <- solvers.run(ctx) }()

	base.SharedInformerFactory.Start(ctx.Done())
	base.KubeSharedInformerFactory.Start(ctx.Done())
	base.HTTP01ResourceMetadataInformersFactory.Start(ctx.Done())
	log.Info("cert-manager controllers running", "controllers", sets.List(enabled))

	var first error
	for range started + 1 {
		if err := <-errs; err != nil && first == nil {
			first = err
			cancel()
		}
	}
	return first
}

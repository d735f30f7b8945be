package main

import (
	"context"
	"fmt"
	"time"

	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	"sigs.k8s.io/controller-runtime/pkg/manager"

	"github.com/seed-d040b84d/portcullis/lib/apis"
	"github.com/seed-d040b84d/portcullis/webhook"
)

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
	engine, dir, err := f.policyEngine(ctx)
	if err != nil {
		return nil, err
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

//go:build e2e

package main

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	cmdutil "k8s.io/kubectl/pkg/cmd/util"

	"github.com/seed-d040b84d/portcullis/test/gen"
	"github.com/seed-d040b84d/portcullis/test/harness"
)

// kubectlPrints is what kubectl prints for an error a command got
// (cmdutil.CheckErr, with its exit caught).
func kubectlPrints(err error) string {
	var printed string
	cmdutil.BehaviorOnFatal(func(msg string, _ int) { printed = msg })
	defer cmdutil.DefaultBehaviorOnFatal()
	cmdutil.CheckErr(err)
	return printed
}

// TestKubectlNamesTheRefusedObject: a refusal through the API server, as
// kubectl's own error printer shows it, names the object and every problem
// with its field, in two namespaces.
func TestKubectlNamesTheRefusedObject(t *testing.T) {
	api := testAPI(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	for _, ns := range []string{"portcullis-system", "team-a", "team-b"} {
		require.NoError(t, api.Client.Create(ctx, gen.Namespace(ns)))
	}
	port := harness.FreePort(t)
	installWebhookAt(ctx, t, api, port)
	done := managerRunning(ctx, t, api.Config, testFlags(t, "webhook", port))
	denialOnServing(ctx, t, api.Client, map[string]string{ingressNginx + "ssl-redirect": "yes"})

	for _, ns := range []string{"team-a", "team-b"} {
		ing := gen.Ingress("web-"+ns, gen.InNamespace(ns), gen.Host("web."+ns+".test"), gen.Path("/", "web", 80), gen.Annotation(ingressNginx+"auth-tls-verfy-client", "on"), gen.Annotation(ingressNginx+"proxy-ssl-verify", "of"))
		err := api.Client.Create(ctx, ing)
		require.Error(t, err)
		msg := kubectlPrints(err)
		assert.Contains(t, msg, `The Ingress "web-`+ns+`" is invalid: `)
		assert.Contains(t, msg, "metadata.annotations[nginx.ingress.kubernetes.io/auth-tls-verfy-client]: unknown annotation; did you mean nginx.ingress.kubernetes.io/auth-tls-verify-client?")
		assert.Contains(t, msg, `metadata.annotations[nginx.ingress.kubernetes.io/proxy-ssl-verify]: must be "on" or "off", got "of"`)
	}
	stopsCleanly(t, cancel, done)
}

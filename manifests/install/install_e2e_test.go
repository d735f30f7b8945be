//go:build e2e

package install

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/seed-d040b84d/portcullis/test/harness"
)

// TestInstallIsAcceptedByARealAPIServer applies every object of install.yaml
// to a real kube-apiserver with server-side apply, dry-run: each is valid as
// written (schema, enum values, webhook configuration rules, CEL match
// conditions).
func TestInstallIsAcceptedByARealAPIServer(t *testing.T) {
	api, err := harness.StartAPI()
	require.NoError(t, err)
	t.Cleanup(func() { _ = api.Env.Stop() })
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	objs := objects(t)
	require.Equal(t, "Namespace", objs[0].GetKind())
	// The namespace for real: namespaced dry-runs need it to exist.
	require.NoError(t, api.Client.Apply(ctx, client.ApplyConfigurationFromUnstructured(objs[0]), client.FieldOwner("install-test"), client.ForceOwnership))
	for _, o := range objs[1:] {
		err := api.Client.Apply(ctx, client.ApplyConfigurationFromUnstructured(o), client.FieldOwner("install-test"), client.ForceOwnership, client.DryRunAll)
		require.NoError(t, err, "%s %s", o.GetKind(), o.GetName())
	}
}

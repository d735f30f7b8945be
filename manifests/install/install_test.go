package install

import (
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

var update = flag.Bool("update", false, "rewrite manifests/install.yaml")

// TestInstallYAMLIsCurrent: the committed install.yaml is what the
// kustomization renders (make manifests rewrites it).
func TestInstallYAMLIsCurrent(t *testing.T) {
	got, err := Render(".")
	require.NoError(t, err)
	path := filepath.Join("..", "install.yaml")
	header := []byte("# Generated from manifests/install (make manifests). Do not edit.\n")
	got = append(header, got...)
	if *update {
		require.NoError(t, os.WriteFile(path, got, 0o644))
		return
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run make manifests")
	assert.Equal(t, string(want), string(got), "manifests/install.yaml is stale: run make manifests")
}

// objects decodes the committed install.yaml.
func objects(t *testing.T) []*unstructured.Unstructured {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "install.yaml"))
	require.NoError(t, err)
	out, err := Objects(raw)
	require.NoError(t, err)
	return out
}

func TestInstallHasWhatTheManagerNeeds(t *testing.T) {
	kinds := map[string]int{}
	for _, o := range objects(t) {
		kinds[o.GetKind()]++
		if o.GetKind() == "Deployment" {
			c, _, _ := unstructured.NestedSlice(o.Object, "spec", "template", "spec", "containers")
			require.Len(t, c, 1)
			sc, _, _ := unstructured.NestedMap(c[0].(map[string]any), "securityContext")
			assert.Equal(t, true, sc["readOnlyRootFilesystem"])
			assert.Equal(t, false, sc["allowPrivilegeEscalation"])
		}
	}
	for _, k := range []string{"Namespace", "CustomResourceDefinition", "ServiceAccount", "ClusterRole", "Role", "Deployment",
		"PodDisruptionBudget", "Service", "IngressClass", "ConfigMap", "ValidatingWebhookConfiguration", "MutatingWebhookConfiguration"} {
		assert.Positive(t, kinds[k], "install.yaml has a %s", k)
	}
}

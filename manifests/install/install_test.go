package install

import (
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
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

// TestOverlays: overlays/self-signed is the install as it is; overlays/
// cert-manager adds cert-manager's Issuer and Certificates, has both webhook
// configurations inject the serving Certificate's CA, and runs the manager
// on the files of that Certificate's Secret, readable by its group.
func TestOverlays(t *testing.T) {
	base, err := Render(".")
	require.NoError(t, err)
	selfSigned, err := Render(filepath.Join("..", "overlays", "self-signed"))
	require.NoError(t, err)
	assert.Equal(t, string(base), string(selfSigned))

	raw, err := Render(filepath.Join("..", "overlays", "cert-manager"))
	require.NoError(t, err)
	objs, err := Objects(raw)
	require.NoError(t, err)
	kinds := map[string]int{}
	var certSecret string
	for _, o := range objs {
		kinds[o.GetKind()]++
		switch o.GetKind() {
		case "Certificate":
			if o.GetName() == "portcullis-webhook" {
				certSecret, _, _ = unstructured.NestedString(o.Object, "spec", "secretName")
			}
		case "ValidatingWebhookConfiguration", "MutatingWebhookConfiguration":
			assert.Equal(t, "portcullis-system/portcullis-webhook", o.GetAnnotations()["cert-manager.io/inject-ca-from"], o.GetKind())
		}
	}
	require.NotEmpty(t, certSecret)
	assert.Equal(t, 2, kinds["Issuer"])
	for _, o := range objs {
		if o.GetKind() != "Deployment" {
			continue
		}
		spec, _, _ := unstructured.NestedMap(o.Object, "spec", "template", "spec")
		c := spec["containers"].([]any)[0].(map[string]any)
		var args []string
		for _, a := range c["args"].([]any) {
			args = append(args, a.(string))
		}
		assert.Contains(t, args, "--webhook-cert-mode=files")
		certDir := ""
		for _, a := range args {
			if v, ok := strings.CutPrefix(a, "--webhook-cert-dir="); ok {
				certDir = v
			}
		}
		require.NotEmpty(t, certDir)
		mounted := ""
		for _, m := range c["volumeMounts"].([]any) {
			m := m.(map[string]any)
			if m["mountPath"] == certDir {
				mounted = m["name"].(string)
				assert.Equal(t, true, m["readOnly"])
			}
		}
		require.NotEmpty(t, mounted, "the Certificate's Secret is mounted at --webhook-cert-dir")
		for _, v := range spec["volumes"].([]any) {
			v := v.(map[string]any)
			if v["name"] == mounted {
				sec := v["secret"].(map[string]any)
				assert.Equal(t, certSecret, sec["secretName"])
				assert.EqualValues(t, 0o440, sec["defaultMode"])
			}
		}
		fsGroup, _, _ := unstructured.NestedInt64(o.Object, "spec", "template", "spec", "securityContext", "fsGroup")
		runAs, _, _ := unstructured.NestedInt64(o.Object, "spec", "template", "spec", "securityContext", "runAsGroup")
		assert.Equal(t, runAs, fsGroup, "the mounted key is readable by the manager's group only")
	}
	_, err = Render(filepath.Join("..", "overlays", "webhook-cert-manager"))
	require.NoError(t, err, "the webhook-only cert-manager overlay still renders")
}

// TestEveryKustomizationBuilds builds every kustomization.yaml under
// manifests/ with kustomize's library, as `kubectl kustomize` and
// `kubectl apply -k` do (files only from within each kustomization's own
// directory, no cycles), and requires the documented ones among them.
func TestEveryKustomizationBuilds(t *testing.T) {
	var dirs []string
	require.NoError(t, filepath.WalkDir("..", func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.Name() == "kustomization.yaml" {
			dirs = append(dirs, filepath.Dir(p))
		}
		return err
	}))
	for _, documented := range []string{"install", "crds", "webhook", "webhook-issuer",
		filepath.Join("overlays", "self-signed"), filepath.Join("overlays", "cert-manager"), filepath.Join("overlays", "webhook-cert-manager"), "monitoring"} {
		assert.Contains(t, dirs, filepath.Join("..", documented))
	}
	for _, dir := range dirs {
		t.Run(dir, func(t *testing.T) {
			raw, err := Render(dir)
			require.NoError(t, err)
			objs, err := Objects(raw)
			require.NoError(t, err)
			assert.NotEmpty(t, objs)
		})
	}
}

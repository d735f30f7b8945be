//go:build e2e

package charts

import (
	"context"
	"encoding/json"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/seed-d040b84d/portcullis/cmd/portcullis/devenv"
	"github.com/seed-d040b84d/portcullis/test/harness"
)

// prometheusOperator is the release whose CRDs (ServiceMonitor,
// PrometheusRule) the chart's monitoring objects are checked against.
const prometheusOperator = "github.com/prometheus-operator/prometheus-operator@v0.89.0"

// moduleDir is where the go command keeps a module (downloading it through
// the module proxy the first time).
func moduleDir(t *testing.T, module string, dir string) string {
	t.Helper()
	cmd := exec.Command("go", "mod", "download", "-json", module)
	cmd.Dir = dir
	out, err := cmd.Output()
	require.NoError(t, err, "go mod download %s", module)
	var m struct{ Dir string }
	require.NoError(t, json.Unmarshal(out, &m))
	return m.Dir
}

// TestChartServerSideDryRun: every object the chart renders, for the
// default values and a matrix of others, is accepted by a real API server
// (server-side apply, dry run), with cert-manager's and the Prometheus
// Operator's CRDs installed.
func TestChartServerSideDryRun(t *testing.T) {
	certManager, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/cert-manager/cert-manager").Output()
	require.NoError(t, err)
	promCRDs := filepath.Join(moduleDir(t, prometheusOperator, filepath.Join(harness.RepoRoot(), "test", "tools")), "example", "prometheus-operator-crd")
	api, err := harness.StartAPIWith(devenv.Options{CRDDirs: []string{filepath.Join(strings.TrimSpace(string(certManager)), "deploy", "crds"), promCRDs}})
	require.NoError(t, err)
	t.Cleanup(func() { _ = api.Env.Stop() })
	ctx := context.Background()
	for _, ns := range []string{namespace, "apps", "shop"} {
		require.NoError(t, api.Client.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}))
	}
	for name, values := range map[string]string{
		"defaults":         `{}`,
		"cert-manager":     `{"webhook": {"certMode": "cert-manager"}}`,
		"watch namespaces": `{"watchNamespaces": ["apps", "shop"], "ingressClass": {"name": "edge", "default": true}}`,
		"everything": `{"passthrough": {"enabled": true}, "defaultSSLCertificate": "shop/wildcard", "config": {"ssl-certificate-mode": "static"},
			"service": {"type": "NodePort", "annotations": {"lb.example.com/internal": "true"}}, "podDisruptionBudget": {"minAvailable": "50%"},
			"nodeSelector": {"role": "edge"}, "tolerations": [{"key": "edge", "operator": "Exists", "effect": "NoSchedule"}],
			"metrics": {"service": {"enabled": true}, "serviceMonitor": {"enabled": true, "labels": {"release": "prom"}},
				"prometheusRule": {"enabled": true}, "dashboard": {"enabled": true}},
			"policies": {"team-rules": {"owner.rego": "package portcullis.team\n"}}}`,
	} {
		t.Run(name, func(t *testing.T) {
			var v map[string]any
			require.NoError(t, json.Unmarshal([]byte(values), &v))
			for _, o := range objects(t, v) {
				if o.GetKind() == "CustomResourceDefinition" {
					continue // installed with the API server
				}
				require.NoError(t, api.Client.Apply(ctx, client.ApplyConfigurationFromUnstructured(o), client.FieldOwner("helm"), client.ForceOwnership, client.DryRunAll),
					"%s %s/%s", o.GetKind(), o.GetNamespace(), o.GetName())
			}
		})
	}
}

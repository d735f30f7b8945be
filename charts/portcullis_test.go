package charts

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"helm.sh/helm/v4/pkg/chart/common"
	"helm.sh/helm/v4/pkg/chart/v2/lint"
	"helm.sh/helm/v4/pkg/chart/v2/lint/support"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	"github.com/seed-d040b84d/portcullis/manifests/install"
	"github.com/seed-d040b84d/portcullis/webhook"
)

const (
	chartDir  = "portcullis"
	namespace = "portcullis-system"
)

// helmLabels are the labels the chart adds to the install's.
var helmLabels = []string{"app.kubernetes.io/instance", "app.kubernetes.io/managed-by", "app.kubernetes.io/version", "helm.sh/chart"}

// objects renders the chart and decodes every object, by kind/namespace/name.
func objects(t *testing.T, values map[string]any) map[string]*unstructured.Unstructured {
	t.Helper()
	r, err := Render(chartDir, namespace, values)
	require.NoError(t, err)
	return byKey(t, []byte(r.Manifest))
}

func byKey(t *testing.T, manifest []byte) map[string]*unstructured.Unstructured {
	t.Helper()
	objs, err := install.Objects(manifest)
	require.NoError(t, err)
	out := map[string]*unstructured.Unstructured{}
	for _, o := range objs {
		k := key(o)
		require.NotContains(t, out, k, "%s twice", k)
		out[k] = o
	}
	return out
}

func key(o *unstructured.Unstructured) string {
	return o.GetKind() + "/" + o.GetNamespace() + "/" + o.GetName()
}

// withoutHelmLabels drops the labels Helm adds.
func withoutHelmLabels(objs map[string]*unstructured.Unstructured) {
	for _, o := range objs {
		labels := o.GetLabels()
		for _, l := range helmLabels {
			delete(labels, l)
		}
		o.SetLabels(labels)
	}
}

// kustomized builds a kustomization under manifests/ with kustomize.
func kustomized(t *testing.T, dir string) map[string]*unstructured.Unstructured {
	t.Helper()
	raw, err := install.Render(filepath.Join("..", "manifests", dir))
	require.NoError(t, err)
	return byKey(t, raw)
}

// TestDefaultValuesAreTheInstall: with its default values the chart
// renders the objects `kubectl apply -k manifests/install` creates (but the
// Namespace, which `helm install --create-namespace` makes), with Helm's
// labels added; with webhook.certMode cert-manager, those of the
// cert-manager overlay.
func TestDefaultValuesAreTheInstall(t *testing.T) {
	for values, dir := range map[string]string{`{}`: "install", `{"webhook": {"certMode": "cert-manager"}}`: "overlays/cert-manager"} {
		t.Run(dir, func(t *testing.T) {
			var v map[string]any
			require.NoError(t, json.Unmarshal([]byte(values), &v))
			got := objects(t, v)
			want := kustomized(t, dir)
			delete(want, "Namespace//portcullis-system")
			for _, o := range got {
				if o.GetKind() == "CustomResourceDefinition" {
					continue // crds/ is not templated
				}
				for _, l := range helmLabels {
					assert.Contains(t, o.GetLabels(), l, key(o))
				}
			}
			withoutHelmLabels(got)
			// The CRD comes from crds/, which Helm does not label.
			for k := range want {
				assert.Contains(t, got, k)
			}
			for k, o := range got {
				require.Contains(t, want, k, "the chart renders %s, the install does not", k)
				assert.Equal(t, want[k].Object, o.Object, k)
			}
		})
	}
}

var update = flag.Bool("update", false, "rewrite the chart's copies of manifests/ files")

// TestChartCopiesAreCurrent: what the chart cannot read from manifests/
// (a chart reads only its own files) is a copy, the same bytes (make
// manifests, or -update, rewrites the copies).
func TestChartCopiesAreCurrent(t *testing.T) {
	same := func(chartFile, manifest string) {
		t.Helper()
		b, err := os.ReadFile(filepath.Join("..", "manifests", manifest))
		require.NoError(t, err)
		if *update {
			require.NoError(t, os.WriteFile(filepath.Join(chartDir, chartFile), b, 0o644))
		}
		a, err := os.ReadFile(filepath.Join(chartDir, chartFile))
		require.NoError(t, err)
		assert.Equal(t, string(b), string(a), "%s is a copy of manifests/%s: run make manifests", chartFile, manifest)
	}
	same("crds/k8s.nginx.org_policies.yaml", "crds/k8s.nginx.org_policies.yaml")
	same("files/dashboard.json", "monitoring/portcullis.json")

	// The alerts: the PrometheusRule's groups.
	var rule struct {
		Spec struct {
			Groups []any `json:"groups"`
		} `json:"spec"`
	}
	raw, err := os.ReadFile(filepath.Join("..", "manifests", "monitoring", "prometheusrule.yaml"))
	require.NoError(t, err)
	require.NoError(t, yaml.Unmarshal(raw, &rule))
	var groups []any
	if *update {
		out, err := yaml.Marshal(rule.Spec.Groups)
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(chartDir, "files", "alerts.yaml"), out, 0o644))
	}
	raw, err = os.ReadFile(filepath.Join(chartDir, "files", "alerts.yaml"))
	require.NoError(t, err)
	require.NoError(t, yaml.Unmarshal(raw, &groups))
	assert.Equal(t, rule.Spec.Groups, groups, "files/alerts.yaml holds the groups of manifests/monitoring/prometheusrule.yaml: run make manifests")
}

// TestMonitoringValuesAreTheMonitoringKustomization: metrics.* on renders
// what manifests/monitoring holds.
func TestMonitoringValuesAreTheMonitoringKustomization(t *testing.T) {
	got := objects(t, map[string]any{"metrics": map[string]any{
		"service": map[string]any{"enabled": true}, "serviceMonitor": map[string]any{"enabled": true},
		"prometheusRule": map[string]any{"enabled": true}, "dashboard": map[string]any{"enabled": true}}})
	withoutHelmLabels(got)
	for k, o := range kustomized(t, "monitoring") {
		require.Contains(t, got, k)
		assert.Equal(t, o.Object, got[k].Object, k)
	}
}

// TestValues: each value does what values.yaml says.
func TestValues(t *testing.T) {
	deployment := func(objs map[string]*unstructured.Unstructured) (args []any, spec map[string]any) {
		d := objs["Deployment/portcullis-system/portcullis"]
		require.NotNil(t, d)
		spec, _, _ = unstructured.NestedMap(d.Object, "spec", "template", "spec")
		args = spec["containers"].([]any)[0].(map[string]any)["args"].([]any)
		return args, spec
	}

	t.Run("ingress class, default class, without class", func(t *testing.T) {
		objs := objects(t, map[string]any{"ingressClass": map[string]any{"name": "edge", "default": true, "watchWithoutClass": true}})
		class := objs["IngressClass//edge"]
		require.NotNil(t, class)
		assert.Equal(t, "true", class.GetAnnotations()["ingressclass.kubernetes.io/is-default-class"])
		args, _ := deployment(objs)
		assert.Contains(t, args, "--ingress-class=edge")
		assert.Contains(t, args, "--watch-ingress-without-class")
		for _, kind := range []string{"ValidatingWebhookConfiguration", "MutatingWebhookConfiguration"} {
			hooks, _, _ := unstructured.NestedSlice(objs[kind+"//portcullis"].Object, "webhooks")
			expr := hooks[0].(map[string]any)["matchConditions"].([]any)[0].(map[string]any)["expression"].(string)
			assert.Equal(t, webhook.ClassExpression([]string{"edge"}), expr, kind)
		}
	})
	t.Run("flags", func(t *testing.T) {
		args, _ := deployment(objects(t, map[string]any{"defaultSSLCertificate": "edge/wildcard", "passthrough": map[string]any{"enabled": true},
			"extraArgs": []any{"--annotations-prefix=example.com"}}))
		assert.Contains(t, args, "--default-ssl-certificate=edge/wildcard")
		assert.Contains(t, args, "--enable-ssl-passthrough")
		assert.Contains(t, args, "--annotations-prefix=example.com")
	})
	t.Run("watch namespaces", func(t *testing.T) {
		objs := objects(t, map[string]any{"watchNamespaces": []any{"apps", "shop"}})
		args, _ := deployment(objs)
		assert.Contains(t, args, "--watch-namespace=apps")
		assert.Contains(t, args, "--watch-namespace=shop")
		assert.NotContains(t, objs, "ClusterRoleBinding//portcullis", "no cluster-wide read of Secrets")
		for _, ns := range []string{"apps", "shop", namespace} {
			assert.Contains(t, objs, "RoleBinding/"+ns+"/portcullis-watch")
		}
		assert.Contains(t, objs, "ClusterRoleBinding//portcullis-cluster")
	})
	t.Run("controller ConfigMap", func(t *testing.T) {
		objs := objects(t, map[string]any{"config": map[string]any{"ssl-certificate-mode": "static", "hsts": "false"}})
		data, _, _ := unstructured.NestedStringMap(objs["ConfigMap/portcullis-system/portcullis"].Object, "data")
		assert.Equal(t, map[string]string{"ssl-certificate-mode": "static", "hsts": "false"}, data)
		d := objs["Deployment/portcullis-system/portcullis"]
		assert.NotEmpty(t, d.Object["spec"].(map[string]any)["template"].(map[string]any)["metadata"].(map[string]any)["annotations"],
			"a changed ConfigMap rolls the pods")
	})
	t.Run("scheduling, resources, replicas, image", func(t *testing.T) {
		objs := objects(t, map[string]any{"replicaCount": 3, "nodeSelector": map[string]any{"role": "edge"},
			"tolerations": []any{map[string]any{"key": "edge", "operator": "Exists"}}, "affinity": nil,
			"resources":        map[string]any{"limits": map[string]any{"memory": "1Gi"}},
			"image":            map[string]any{"repository": "registry.example.com/portcullis", "tag": "v1.2.3", "pullPolicy": "Always"},
			"imagePullSecrets": []any{map[string]any{"name": "registry"}}})
		_, spec := deployment(objs)
		assert.Equal(t, map[string]any{"role": "edge"}, spec["nodeSelector"])
		assert.Len(t, spec["tolerations"], 1)
		assert.NotContains(t, spec, "affinity")
		c := spec["containers"].([]any)[0].(map[string]any)
		assert.Equal(t, "registry.example.com/portcullis:v1.2.3", c["image"])
		assert.Equal(t, "Always", c["imagePullPolicy"])
		assert.Equal(t, map[string]any{"limits": map[string]any{"memory": "1Gi"}, "requests": map[string]any{"cpu": "100m", "memory": "128Mi"}}, c["resources"],
			"Helm merges maps into the defaults")
		replicas, _, _ := unstructured.NestedFieldNoCopy(objs["Deployment/portcullis-system/portcullis"].Object, "spec", "replicas")
		assert.EqualValues(t, 3, replicas)
	})
	t.Run("service and disruption budget", func(t *testing.T) {
		objs := objects(t, map[string]any{"service": map[string]any{"type": "NodePort", "annotations": map[string]any{"lb.example.com/internal": "true"}},
			"podDisruptionBudget": map[string]any{"enabled": false}})
		svc := objs["Service/portcullis-system/portcullis-controller"]
		typ, _, _ := unstructured.NestedString(svc.Object, "spec", "type")
		assert.Equal(t, "NodePort", typ)
		assert.Equal(t, "true", svc.GetAnnotations()["lb.example.com/internal"])
		assert.NotContains(t, objs, "PodDisruptionBudget/portcullis-system/portcullis")
	})
	t.Run("policy ConfigMaps", func(t *testing.T) {
		objs := objects(t, map[string]any{"policies": map[string]any{"team-rules": map[string]any{"require-owner.rego": "package portcullis.team\n"}}})
		cm := objs["ConfigMap/portcullis-system/team-rules"]
		require.NotNil(t, cm)
		assert.Equal(t, "true", cm.GetLabels()["portcullis.dev/policy"])
		data, _, _ := unstructured.NestedStringMap(cm.Object, "data")
		assert.Equal(t, "package portcullis.team", data["require-owner.rego"])
	})
}

// TestValuesSchemaRefuses: values.schema.json refuses what would install
// something else than asked, with Helm's message naming the value.
func TestValuesSchemaRefuses(t *testing.T) {
	for name, c := range map[string]struct {
		values string
		want   string
	}{
		"a typo":                                  {`{"replicas": 3}`, "replicas"},
		"a boolean ConfigMap value":               {`{"config": {"hsts": false}}`, "config"},
		"an unknown cert mode":                    {`{"webhook": {"certMode": "letsencrypt"}}`, "certMode"},
		"a namespace that is no name":             {`{"watchNamespaces": ["Apps"]}`, "watchNamespaces"},
		"a default certificate without namespace": {`{"defaultSSLCertificate": "wildcard"}`, "defaultSSLCertificate"},
	} {
		t.Run(name, func(t *testing.T) {
			var v map[string]any
			require.NoError(t, json.Unmarshal([]byte(c.values), &v))
			_, err := Render(chartDir, namespace, v)
			require.Error(t, err)
			assert.Contains(t, err.Error(), c.want)
		})
	}
}

// TestHelmLint: Helm's own chart linter (helm lint) finds nothing, for the
// default values and with everything turned on.
func TestHelmLint(t *testing.T) {
	kv, err := common.ParseKubeVersion("v1.37.2")
	require.NoError(t, err)
	for _, values := range []map[string]any{nil, {"webhook": map[string]any{"certMode": "cert-manager"}, "watchNamespaces": []any{"apps"},
		"metrics": map[string]any{"service": map[string]any{"enabled": true}, "serviceMonitor": map[string]any{"enabled": true},
			"prometheusRule": map[string]any{"enabled": true}, "dashboard": map[string]any{"enabled": true}}}} {
		linter := lint.RunAll(chartDir, values, namespace, lint.WithKubeVersion(kv))
		var msgs []string
		for _, m := range linter.Messages {
			if m.Severity > support.InfoSev {
				msgs = append(msgs, m.Error())
			}
		}
		assert.Empty(t, msgs)
	}
}

// TestNotes: NOTES.txt says where it went and how to check manifests.
func TestNotes(t *testing.T) {
	r, err := Render(chartDir, namespace, map[string]any{"watchNamespaces": []any{"apps"}})
	require.NoError(t, err)
	assert.Contains(t, r.Notes, "portcullis-system")
	assert.Contains(t, r.Notes, "portcullis lint")
	assert.Contains(t, r.Notes, "Only the Ingresses of apps are served.")
	assert.False(t, bytes.Contains([]byte(r.Notes), []byte("<no value>")), r.Notes)
	assert.False(t, strings.Contains(r.Manifest, "<no value>"))
}

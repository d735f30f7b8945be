// Package charts renders portcullis's Helm chart (charts/portcullis) with
// Helm's own library, as `helm install --dry-run` or `helm template` would,
// for the chart's tests and the manager's RBAC test.
package charts

import (
	"context"
	"fmt"
	"io"

	"helm.sh/helm/v4/pkg/action"
	"helm.sh/helm/v4/pkg/chart/common"
	"helm.sh/helm/v4/pkg/chart/v2/loader"
	kubefake "helm.sh/helm/v4/pkg/kube/fake"
	release "helm.sh/helm/v4/pkg/release/v1"
	"helm.sh/helm/v4/pkg/storage"
	"helm.sh/helm/v4/pkg/storage/driver"
)

// Rendered is a release rendered without a cluster.
type Rendered struct {
	// Manifest is every object, CRDs first, as YAML documents.
	Manifest string
	// Notes is NOTES.txt rendered.
	Notes string
}

// Render renders the chart in dir as release "portcullis" in namespace
// with values (merged over the chart's, checked against its schema).
func Render(dir, namespace string, values map[string]any) (Rendered, error) {
	chrt, err := loader.Load(dir)
	if err != nil {
		return Rendered{}, fmt.Errorf("load chart %s: %w", dir, err)
	}
	cfg := &action.Configuration{
		Releases:     storage.Init(driver.NewMemory()),
		KubeClient:   &kubefake.PrintingKubeClient{Out: io.Discard},
		Capabilities: common.DefaultCapabilities,
	}
	install := action.NewInstall(cfg)
	install.ReleaseName, install.Namespace = "portcullis", namespace
	install.DryRunStrategy = action.DryRunClient
	install.IncludeCRDs = true
	// The Kubernetes of the tests' API server (envtest).
	kv, err := common.ParseKubeVersion("v1.37.2")
	if err != nil {
		return Rendered{}, err
	}
	install.KubeVersion = kv
	install.Replace = true
	if values == nil {
		values = map[string]any{}
	}
	rel, err := install.RunWithContext(context.Background(), chrt, values)
	if err != nil {
		return Rendered{}, fmt.Errorf("render chart %s: %w", dir, err)
	}
	r, ok := rel.(*release.Release)
	if !ok {
		return Rendered{}, fmt.Errorf("render chart %s: a %T, not a release", dir, rel)
	}
	return Rendered{Manifest: r.Manifest, Notes: r.Info.Notes}, nil
}

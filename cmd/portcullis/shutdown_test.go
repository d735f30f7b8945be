package main

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	"sigs.k8s.io/yaml"

	"github.com/seed-d040b84d/portcullis/controller/reconcile"
)

// TestShutdownFitsTheGracePeriod: the manager waits for nginx's whole drain
// before giving up on its parts, and stops within the Pod's grace period
// (install manifest; the chart has the same), so a drain that takes its whole time still
// ends with nginx stopped by the manager, not killed by the kubelet.
func TestShutdownFitsTheGracePeriod(t *testing.T) {
	var f managerFlags
	graceful := f.managerOptions().GracefulShutdownTimeout
	require.NotNil(t, graceful)
	require.Greater(t, *graceful, reconcile.DrainTimeout, "the manager must outwait nginx's drain")
	p := filepath.Join("..", "..", "manifests", "install", "deployment.yaml")
	b, err := os.ReadFile(p)
	require.NoError(t, err)
	var d appsv1.Deployment
	require.NoError(t, yaml.Unmarshal(b, &d), p)
	period := d.Spec.Template.Spec.TerminationGracePeriodSeconds
	require.NotNil(t, period, "%s sets no terminationGracePeriodSeconds", p)
	require.Less(t, *graceful, time.Duration(*period)*time.Second, "%s: the manager must stop within the Pod's grace period", p)
	// The chart's template is not YAML until rendered; its line is the same.
	chart, err := os.ReadFile(filepath.Join("..", "..", "charts", "portcullis", "templates", "deployment.yaml"))
	require.NoError(t, err)
	require.Regexp(t, fmt.Sprintf(`(?m)^\s+terminationGracePeriodSeconds: %d$`, *period), string(chart), "the chart's grace period is the install manifest's")
}

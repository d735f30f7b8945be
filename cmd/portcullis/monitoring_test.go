package main

import (
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/rulefmt"
	"github.com/prometheus/prometheus/promql/parser"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"sigs.k8s.io/yaml"
)

// monitoringDir holds the shipped alerts and dashboard.
var monitoringDir = filepath.Join("..", "..", "manifests", "monitoring")

// monitoringQueries are every PromQL expression the shipped alerts and
// dashboard run, by where: the PrometheusRule's groups parsed and checked
// by Prometheus's own rule loader (expressions, durations, templates), and
// each dashboard target parsed as PromQL.
func monitoringQueries(t *testing.T) map[string]parser.Expr {
	t.Helper()
	p := parser.NewParser(parser.Options{})
	out := map[string]parser.Expr{}

	raw, err := os.ReadFile(filepath.Join(monitoringDir, "prometheusrule.yaml"))
	require.NoError(t, err)
	var rule struct {
		APIVersion string         `json:"apiVersion"`
		Kind       string         `json:"kind"`
		Metadata   map[string]any `json:"metadata"`
		Spec       struct {
			Groups json.RawMessage `json:"groups"`
		} `json:"spec"`
	}
	require.NoError(t, yaml.UnmarshalStrict(raw, &rule))
	require.Equal(t, "PrometheusRule", rule.Kind)
	groups, err := yaml.JSONToYAML([]byte(`{"groups":` + string(rule.Spec.Groups) + `}`))
	require.NoError(t, err)
	rgs, errs := rulefmt.Parse(groups, false, model.UTF8Validation, p, slog.New(slog.DiscardHandler))
	require.Empty(t, errs, "Prometheus refuses the rules")
	for _, g := range rgs.Groups {
		for _, r := range g.Rules {
			require.NotEmpty(t, r.Alert, "every rule is an alert")
			assert.Contains(t, []string{"warning", "critical"}, r.Labels["severity"], r.Alert)
			assert.NotEmpty(t, r.Annotations["summary"], r.Alert)
			assert.NotEmpty(t, r.Annotations["description"], r.Alert)
			expr, err := p.ParseExpr(r.Expr)
			require.NoError(t, err, r.Alert)
			out["alert "+r.Alert] = expr
		}
	}

	raw, err = os.ReadFile(filepath.Join(monitoringDir, "portcullis.json"))
	require.NoError(t, err)
	var dash struct {
		Panels []struct {
			Title   string `json:"title"`
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
	}
	require.NoError(t, json.Unmarshal(raw, &dash))
	require.NotEmpty(t, dash.Panels)
	for _, panel := range dash.Panels {
		require.NotEmpty(t, panel.Targets, panel.Title)
		for i, target := range panel.Targets {
			expr, err := p.ParseExpr(target.Expr)
			require.NoError(t, err, "panel %q", panel.Title)
			out["panel "+panel.Title+" #"+string(rune('A'+i))] = expr
		}
	}
	return out
}

// metricNames are the metrics an expression reads.
func metricNames(expr parser.Expr) []string {
	var out []string
	parser.Inspect(expr, func(n parser.Node, _ []parser.Node) error {
		if vs, ok := n.(*parser.VectorSelector); ok && vs.Name != "" {
			out = append(out, vs.Name)
		}
		return nil
	})
	slices.Sort(out)
	return slices.Compact(out)
}

// TestMonitoringParses: Prometheus loads the alerts, and every query of
// the alerts and the dashboard parses and reads at least one metric.
func TestMonitoringParses(t *testing.T) {
	queries := monitoringQueries(t)
	assert.GreaterOrEqual(t, len(queries), 20)
	for where, expr := range queries {
		assert.NotEmpty(t, metricNames(expr), where)
	}
}

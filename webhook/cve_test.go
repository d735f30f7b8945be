package webhook

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	admissionv1 "k8s.io/api/admission/v1"
	networkingv1 "k8s.io/api/networking/v1"
)

// TestIngressNginxInjectionShapesAreRefusedOrInert replays, through the
// admission handler, the Ingress shapes of ingress-nginx's configuration
// injection CVEs (../shared/research/ingress-nginx.md §6.2). Each is refused
// on its field (access-control keys portcullis does not enforce among them),
// or names another annotation portcullis does not implement, which is
// admitted with a warning and renders nothing (docs/security.md). The
// renderer's side is controller/nginx TestInjectionProperty.
func TestIngressNginxInjectionShapesAreRefusedOrInert(t *testing.T) {
	const p = "nginx.ingress.kubernetes.io/"
	cases := []struct {
		cve   string
		ann   map[string]string
		path  string
		field string // the refusal's field; "" for an inert, warned annotation
	}{
		{cve: "CVE-2025-1097 auth-tls-match-cn", ann: map[string]string{p + "auth-tls-secret": "default/ca", p + "auth-tls-match-cn": `CN=foo"){}\nssl_engine /tmp/x.so;#`}, field: "metadata.annotations[" + p + "auth-tls-match-cn]"},
		{cve: "CVE-2021-25742 configuration-snippet", ann: map[string]string{p + "configuration-snippet": "more_set_headers \"x: y\";"}, field: "metadata.annotations[" + p + "configuration-snippet]"},
		{cve: "CVE-2021-25742 server-snippet", ann: map[string]string{p + "server-snippet": "location /x { return 200; }"}, field: "metadata.annotations[" + p + "server-snippet]"},
		{cve: "CVE-2026-24512 path", path: "/ok\"; } location /pwn { return 200 \"", field: "spec.rules[0].http.paths[0].path"},
		{cve: "CVE-2021-25745 path into secrets", path: "/var/run/secrets/kubernetes.io/serviceaccount/token#", field: "spec.rules[0].http.paths[0].path"},
		{cve: "CVE-2026-4342 comment", ann: map[string]string{p + "auth-tls-error-page": "http://x/#\n}\nssl_engine x;"}, field: "metadata.annotations[" + p + "auth-tls-error-page]"},
		{cve: "CVE-2025-24514 auth-url", ann: map[string]string{p + "auth-url": "http://x/;}\nssl_engine x;#"}, field: "metadata.annotations[" + p + "auth-url]"},
		{cve: "CVE-2025-1098 mirror-target", ann: map[string]string{p + "mirror-target": "http://x;}\nssl_engine x;#"}},
		{cve: "CVE-2026-1580 auth-method", ann: map[string]string{p + "auth-method": "GET;}\nssl_engine x;#"}, field: "metadata.annotations[" + p + "auth-method]"},
		{cve: "CVE-2026-3288 rewrite-target", ann: map[string]string{p + "rewrite-target": "/$1;}\nssl_engine x;#"}, field: "metadata.annotations[" + p + "rewrite-target]"},
		{cve: "CVE-2021-25745 regex path", ann: map[string]string{p + "use-regex": "true"}, path: "/(.*)\"; } location /pwn { return 200 \"", field: "spec.rules[0].http.paths[0].path"},
		{cve: "CVE-2025-15566 auth-proxy-set-headers", ann: map[string]string{p + "auth-proxy-set-headers": "default/headers"}, field: "metadata.annotations[" + p + "auth-proxy-set-headers]"},
	}
	h := staticHandlers()
	for _, c := range cases {
		t.Run(c.cve, func(t *testing.T) {
			ing := ingress(c.ann)
			if c.path != "" {
				prefix := networkingv1.PathTypePrefix
				ing.Spec.Rules = []networkingv1.IngressRule{{Host: "shop.example.com", IngressRuleValue: networkingv1.IngressRuleValue{
					HTTP: &networkingv1.HTTPIngressRuleValue{Paths: []networkingv1.HTTPIngressPath{{Path: c.path, PathType: &prefix,
						Backend: *ing.Spec.DefaultBackend}}}}}}
			}
			_, rv := post(t, h, PathValidateIngress, review(t, admissionv1.Create, ingressKind, ing))
			require.NotNil(t, rv)
			if c.field != "" {
				require.False(t, rv.Response.Allowed, "refused")
				var fields []string
				for _, cause := range rv.Response.Result.Details.Causes {
					fields = append(fields, cause.Field)
				}
				assert.Contains(t, fields, c.field)
				return
			}
			require.True(t, rv.Response.Allowed, "%v", rv.Response.Result)
			assert.Contains(t, strings.Join(rv.Response.Warnings, "\n"), "not implement", "an inert annotation is named in a warning")
		})
	}
}

package crds

import (
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/apiextensions-apiserver/pkg/apis/apiextensions"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	structuralschema "k8s.io/apiextensions-apiserver/pkg/apiserver/schema"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/pruning"
	"k8s.io/apimachinery/pkg/runtime"
	utiljson "k8s.io/apimachinery/pkg/util/json"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/yaml"

	nginxv1 "github.com/seed-d040b84d/portcullis/lib/apis/k8snginx/v1"
)

func loadPolicyCRD(t *testing.T) *apiextensionsv1.CustomResourceDefinition {
	t.Helper()
	raw, err := FS.ReadFile(PolicyFile)
	require.NoError(t, err)
	var crd apiextensionsv1.CustomResourceDefinition
	// Strict: a misspelt key in the manifest is an error, not silently dropped.
	require.NoError(t, yaml.UnmarshalStrict(raw, &crd))
	return &crd
}

// policySchema returns the v1 schema in the structural form the API server
// derives from it, failing if the schema is not structural.
func policySchema(t *testing.T) *structuralschema.Structural {
	t.Helper()
	crd := loadPolicyCRD(t)
	require.Len(t, crd.Spec.Versions, 1)
	var internal apiextensions.JSONSchemaProps
	require.NoError(t, apiextensionsv1.Convert_v1_JSONSchemaProps_To_apiextensions_JSONSchemaProps(
		crd.Spec.Versions[0].Schema.OpenAPIV3Schema, &internal, nil))
	s, err := structuralschema.NewStructural(&internal)
	require.NoError(t, err)
	require.Empty(t, structuralschema.ValidateStructural(field.NewPath("schema", "openAPIV3Schema"), s))
	return s
}

func TestPolicyCRDIdentity(t *testing.T) {
	t.Parallel()
	crd := loadPolicyCRD(t)

	assert.Equal(t, "apiextensions.k8s.io/v1", crd.APIVersion)
	assert.Equal(t, "CustomResourceDefinition", crd.Kind)
	assert.Equal(t, nginxv1.Plural+"."+nginxv1.GroupName, crd.Name)
	assert.Equal(t, "policies.k8s.nginx.org", crd.Name)
	assert.Equal(t, nginxv1.GroupName, crd.Spec.Group)
	assert.Equal(t, apiextensionsv1.NamespaceScoped, crd.Spec.Scope)
	assert.Equal(t, apiextensionsv1.CustomResourceDefinitionNames{
		Kind:       nginxv1.Kind,
		ListKind:   nginxv1.ListKind,
		Plural:     nginxv1.Plural,
		Singular:   nginxv1.Singular,
		ShortNames: []string{nginxv1.ShortName},
	}, crd.Spec.Names)
	assert.Nil(t, crd.Spec.Conversion, "a single version needs no conversion")

	require.Len(t, crd.Spec.Versions, 1)
	v := crd.Spec.Versions[0]
	assert.Equal(t, nginxv1.SchemeGroupVersion.Version, v.Name)
	assert.True(t, v.Served)
	assert.True(t, v.Storage)
	require.NotNil(t, v.Subresources)
	assert.NotNil(t, v.Subresources.Status, "status subresource, as NGINX has")
	assert.Nil(t, v.Subresources.Scale)
	require.NotEmpty(t, v.AdditionalPrinterColumns)
	assert.Equal(t, ".status.state", v.AdditionalPrinterColumns[0].JSONPath)
}

func TestPolicyCRDSchemaIsStructural(t *testing.T) {
	t.Parallel()
	s := policySchema(t)
	assert.Equal(t, "object", s.Type)
	assert.ElementsMatch(t, []string{"apiVersion", "kind", "metadata", "spec", "status"}, keys(s.Properties))
	assert.False(t, s.XPreserveUnknownFields, "the root must prune")
	spec := s.Properties["spec"]
	assert.False(t, spec.XPreserveUnknownFields, "spec prunes unknown policy types, as NGINX's CRD does")
}

// The schema and the Go types must describe the same fields with compatible
// types, so what the API server stores is what lib/nginxpolicy judges.
func TestPolicyCRDSchemaMatchesGoTypes(t *testing.T) {
	t.Parallel()
	s := policySchema(t)
	spec := s.Properties["spec"]

	compare(t, "spec", reflect.TypeFor[nginxv1.PolicySpec](), spec)
	compare(t, "status", reflect.TypeFor[nginxv1.PolicyStatus](), s.Properties["status"])

	// Every policy type NGINX defines is in the schema; the unsupported ones
	// keep whatever they hold.
	for _, typ := range nginxv1.PolicyTypes {
		p, ok := spec.Properties[typ]
		require.True(t, ok, "spec.%s missing from the schema", typ)
		assert.Equal(t, "object", p.Type, "spec.%s", typ)
		if typ == nginxv1.TypeIngressMTLS || typ == nginxv1.TypeEgressMTLS {
			assert.False(t, p.XPreserveUnknownFields, "spec.%s must prune unknown fields", typ)
		} else {
			assert.True(t, p.XPreserveUnknownFields, "spec.%s must preserve its content", typ)
		}
	}
}

var rawExtensionType = reflect.TypeFor[runtime.RawExtension]()

// compare checks that struct type t and schema s have the same JSON fields,
// with matching types, recursing into nested structs.
func compare(t *testing.T, path string, typ reflect.Type, s structuralschema.Structural) {
	t.Helper()
	var goFields []string
	for i := range typ.NumField() {
		f := typ.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "" || name == "-" {
			continue
		}
		goFields = append(goFields, name)
		p, ok := s.Properties[name]
		if !assert.True(t, ok, "%s.%s is in the Go type but not in the schema", path, name) {
			continue
		}
		ft := f.Type
		if ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		switch {
		case ft == rawExtensionType:
			assert.Equal(t, "object", p.Type, "%s.%s", path, name)
		case ft.Kind() == reflect.Struct:
			assert.Equal(t, "object", p.Type, "%s.%s", path, name)
			compare(t, path+"."+name, ft, p)
		case ft.Kind() == reflect.String:
			assert.Equal(t, "string", p.Type, "%s.%s", path, name)
		case ft.Kind() == reflect.Bool:
			assert.Equal(t, "boolean", p.Type, "%s.%s", path, name)
		case ft.Kind() == reflect.Int:
			assert.Equal(t, "integer", p.Type, "%s.%s", path, name)
		default:
			t.Errorf("%s.%s: no schema type known for Go type %s", path, name, ft)
		}
	}
	assert.ElementsMatch(t, goFields, keys(s.Properties), "%s: schema and Go fields differ", path)
}

// NGINX's documented Policies must be accepted by this CRD as written: no
// field pruned, no type error.
func TestPolicyCRDAcceptsNGINXPolicies(t *testing.T) {
	t.Parallel()
	s := policySchema(t)
	docs := map[string]string{
		"ingress-mtls": `
apiVersion: k8s.nginx.org/v1
kind: Policy
metadata: {name: ingress-mtls-policy}
spec:
  ingressMTLS:
    clientCertSecret: ingress-mtls-secret
    verifyClient: "on"
    verifyDepth: 1
`,
		"ingress-mtls-crl": `
apiVersion: k8s.nginx.org/v1
kind: Policy
metadata: {name: ingress-mtls-policy}
spec:
  ingressMTLS:
    clientCertSecret: ingress-mtls-secret
    crlFileName: webapp.crl
    verifyClient: "on"
    verifyDepth: 1
`,
		"egress-mtls": `
apiVersion: k8s.nginx.org/v1
kind: Policy
metadata: {name: egress-mtls-policy}
spec:
  egressMTLS:
    tlsSecret: egress-mtls-secret
    trustedCertSecret: egress-trusted-ca-secret
    verifyServer: on
    verifyDepth: 2
    serverName: on
    sslName: secure-app.example.com
    protocols: TLSv1.2 TLSv1.3
    ciphers: HIGH:!aNULL:!MD5
    sessionReuse: false
status: {state: Valid, reason: AddedOrUpdated, message: ok}
`,
		"rate-limit": `
apiVersion: k8s.nginx.org/v1
kind: Policy
metadata: {name: rate-limit-policy}
spec:
  ingressClassName: nginx
  rateLimit:
    rate: 1r/s
    key: ${binary_remote_addr}
    zoneSize: 10M
    condition: {jwt: {claim: user_details.level, match: premium}, default: true}
`,
		"cache": `
apiVersion: k8s.nginx.org/v1
kind: Policy
metadata: {name: cache-policy}
spec:
  cache: {cacheZoneName: mycache, cacheZoneSize: 10m, allowedCodes: [any], time: 1h}
`,
	}
	for name, doc := range docs {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			obj := toJSONMap(t, doc)
			before := deepCopyJSON(t, obj)
			pruned := pruning.PruneWithOptions(obj, s, true, structuralschema.UnknownFieldPathOptions{TrackUnknownFieldPaths: true})
			assert.Empty(t, pruned, "fields the API server would drop")
			assert.Equal(t, before, obj)
			assert.Empty(t, typeErrors(obj, s, ""))
		})
	}
}

func TestPolicyCRDRefusesWrongTypes(t *testing.T) {
	t.Parallel()
	s := policySchema(t)
	cases := []struct {
		name, spec, wantPath, wantType string
	}{
		{"unquoted on is a boolean", `{ingressMTLS: {clientCertSecret: ca, verifyClient: on}}`, ".spec.ingressMTLS.verifyClient", "string"},
		{"quoted on is a string", `{egressMTLS: {verifyServer: "on"}}`, ".spec.egressMTLS.verifyServer", "boolean"},
		{"depth as a string", `{egressMTLS: {verifyDepth: "2"}}`, ".spec.egressMTLS.verifyDepth", "integer"},
		{"unsupported type not an object", `{rateLimit: 5}`, ".spec.rateLimit", "object"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			obj := toJSONMap(t, "apiVersion: k8s.nginx.org/v1\nkind: Policy\nspec: "+c.spec+"\n")
			assert.Equal(t, []string{c.wantPath + ": want " + c.wantType}, typeErrors(obj, s, ""))
		})
	}
}

func TestPolicyCRDPrunesUnknownFields(t *testing.T) {
	t.Parallel()
	s := policySchema(t)
	obj := toJSONMap(t, `
apiVersion: k8s.nginx.org/v1
kind: Policy
spec:
  ingresMTLS: {clientCertSecret: typo}
  ingressMTLS: {clientCertSecret: ca, verifyclient: "on"}
  rateLimit: {anything: {goes: [1, 2]}}
`)
	pruned := pruning.PruneWithOptions(obj, s, true, structuralschema.UnknownFieldPathOptions{TrackUnknownFieldPaths: true})
	sort.Strings(pruned)
	assert.Equal(t, []string{"spec.ingresMTLS", "spec.ingressMTLS.verifyclient"}, pruned)
	spec := obj["spec"].(map[string]any)
	assert.Equal(t, map[string]any{"anything": map[string]any{"goes": []any{int64(1), int64(2)}}}, spec["rateLimit"])
}

// typeErrors checks JSON value v against the types of structural schema s,
// the part of the API server's validation this schema relies on.
func typeErrors(v any, s *structuralschema.Structural, path string) []string {
	if v == nil {
		return nil
	}
	var got string
	switch v.(type) {
	case map[string]any:
		got = "object"
	case []any:
		got = "array"
	case string:
		got = "string"
	case bool:
		got = "boolean"
	case int64:
		got = "integer"
	case float64:
		got = "number"
	default:
		got = fmt.Sprintf("%T", v)
	}
	if s.Type != "" && s.Type != got && (s.Type != "number" || got != "integer") {
		return []string{path + ": want " + s.Type}
	}
	var errs []string
	if m, ok := v.(map[string]any); ok {
		for _, k := range keys(m) {
			if p, ok := s.Properties[k]; ok {
				errs = append(errs, typeErrors(m[k], &p, path+"."+k)...)
			}
		}
	}
	return errs
}

// toJSONMap converts YAML the way kubectl does (no target type) and decodes
// it the way the API server does (integers as int64).
func toJSONMap(t *testing.T, doc string) map[string]any {
	t.Helper()
	j, err := yaml.YAMLToJSON([]byte(doc))
	require.NoError(t, err)
	var m map[string]any
	require.NoError(t, utiljson.Unmarshal(j, &m))
	return m
}

func deepCopyJSON(t *testing.T, m map[string]any) map[string]any {
	t.Helper()
	b, err := json.Marshal(m)
	require.NoError(t, err)
	var out map[string]any
	require.NoError(t, utiljson.Unmarshal(b, &out))
	return out
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

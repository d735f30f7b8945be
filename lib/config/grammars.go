package config

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"sigs.k8s.io/yaml"

	"github.com/seed-d040b84d/portcullis/lib/annotations"
	"github.com/seed-d040b84d/portcullis/lib/annotations/grammar"
	"github.com/seed-d040b84d/portcullis/lib/findings"
)

var curveRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// curves is nginx's ssl_ecdh_curve: "auto" or ":"-separated curve names.
var curves = grammar.Grammar[string]{
	Name: "auto or :-separated curve names",
	Parse: func(s string, _ grammar.Context) (string, error) {
		if s == "auto" {
			return s, nil
		}
		for _, c := range strings.Split(s, ":") {
			if !curveRE.MatchString(c) {
				return "", fmt.Errorf(`must be "auto" or curve names separated by ":" such as %q, got %q (entry %q)`, "X25519:prime256v1:secp384r1", s, c)
			}
		}
		return s, nil
	},
	Format: func(v string) string { return v },
}

// BuiltinPolicies are the names of portcullis's built-in Rego policies
// (policies/builtin).
var BuiltinPolicies = []string{
	"require-mtls",
	"deny-proxy-ssl-verify-off",
	"min-tls-version",
	"require-cert-manager",
	"deny-default-certificate",
	"max-certificate-lifetime",
}

// policyList is a comma-separated list of built-in policy names; spaces after
// commas are allowed, duplicates are not. Empty turns them all off.
var policyList = grammar.Grammar[[]string]{
	Name: "comma-separated built-in policy names",
	Parse: func(s string, _ grammar.Context) ([]string, error) {
		if s == "" {
			return nil, nil
		}
		var out []string
		for _, item := range strings.Split(s, ",") {
			name := strings.Trim(item, " ")
			switch {
			case slices.Contains(out, name):
				return nil, fmt.Errorf("policy %q is listed twice", name)
			case !slices.Contains(BuiltinPolicies, name):
				return nil, fmt.Errorf("unknown policy %q, built-in policies: %s%s",
					name, findings.QuoteList(BuiltinPolicies), grammar.Suggest(name, BuiltinPolicies))
			}
			out = append(out, name)
		}
		return out, nil
	},
	Format: func(v []string) string { return strings.Join(v, ",") },
}

// issuerKeys are left to default-issuer: default-certificate-annotations may
// not choose an issuer or trigger issuance.
var issuerKeys = []string{
	annotations.KeyCMIssuer, annotations.KeyCMClusterIssuer,
	annotations.KeyCMIssuerKind, annotations.KeyCMIssuerGroup, annotations.KeyCMTLSACME,
}

// certificateAnnotations is default-certificate-annotations: a YAML (or JSON)
// map from cert-manager annotation keys to values, each validated as the
// annotation itself would be. Unquoted YAML numbers and booleans are taken as
// their text.
var certificateAnnotations = grammar.Grammar[map[string]string]{
	Name: "YAML map of cert-manager annotations",
	Parse: func(s string, _ grammar.Context) (map[string]string, error) {
		m, err := decodeStringMap(s)
		if err != nil {
			return nil, err
		}
		if len(m) == 0 {
			return nil, nil
		}
		cm := annotations.TableFor(annotations.DialectCertManager)
		var allowed []string
		for _, r := range cm.Rows {
			if !slices.Contains(issuerKeys, r.Key) {
				allowed = append(allowed, r.Key)
			}
		}
		var msgs []string
		for _, k := range sortedKeys(m) {
			switch {
			case slices.Contains(issuerKeys, k):
				msgs = append(msgs, fmt.Sprintf("%s: the issuer is chosen by default-issuer, not here", k))
			case !slices.Contains(allowed, k):
				msgs = append(msgs, fmt.Sprintf("%s: not a cert-manager Ingress annotation%s", k, grammar.Suggest(k, allowed)))
			}
		}
		if len(msgs) == 0 {
			_, fs := annotations.Parse(m, annotations.Options{})
			for _, e := range fs.Errors {
				key := strings.TrimSuffix(strings.TrimPrefix(e.Field, "metadata.annotations["), "]")
				msgs = append(msgs, key+": "+findings.ErrorMessage(e))
			}
		}
		if len(msgs) > 0 {
			return nil, fmt.Errorf("%s", strings.Join(msgs, "; "))
		}
		return m, nil
	},
	Format: func(m map[string]string) string {
		if len(m) == 0 {
			return ""
		}
		b, _ := json.Marshal(m) // a map of strings always marshals; JSON is YAML
		return string(b)
	},
}

// decodeStringMap reads a YAML or JSON map whose values are scalars.
func decodeStringMap(s string) (map[string]string, error) {
	j, err := yaml.YAMLToJSONStrict([]byte(s))
	if err != nil {
		return nil, fmt.Errorf("must be a YAML map of annotation: value lines: %v", err)
	}
	var raw any
	dec := json.NewDecoder(bytes.NewReader(j))
	dec.UseNumber()
	if err := dec.Decode(&raw); err != nil {
		return nil, fmt.Errorf("must be a YAML map of annotation: value lines: %v", err)
	}
	if raw == nil {
		return nil, nil
	}
	obj, ok := raw.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("must be a YAML map of annotation: value lines, got a %T", raw)
	}
	out := make(map[string]string, len(obj))
	for k, v := range obj {
		switch v := v.(type) {
		case string:
			out[k] = v
		case json.Number:
			out[k] = v.String()
		case bool:
			out[k] = fmt.Sprint(v)
		default:
			return nil, fmt.Errorf("%s: the value must be a string, got %s", k, describe(v))
		}
	}
	return out, nil
}

func describe(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case map[string]any:
		return "a map"
	case []any:
		return "a list"
	}
	return fmt.Sprintf("%T", v)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// optionalSourceRanges is grammar.SourceRanges, or "" for none.
var optionalSourceRanges = grammar.Grammar[[]string]{
	Name: grammar.SourceRanges.Name + "; empty = none",
	Parse: func(s string, c grammar.Context) ([]string, error) {
		if s == "" {
			return nil, nil
		}
		return grammar.SourceRanges.Parse(s, c)
	},
	Format: grammar.SourceRanges.Format,
}

// workerCount is "auto" (0) or a worker count from 1 to 1024.
var workerCount = grammar.Grammar[int]{
	Name: "auto or an integer from 1 to 1024",
	Parse: func(s string, c grammar.Context) (int, error) {
		if s == "auto" {
			return 0, nil
		}
		n, err := grammar.IntRange(1, 1024).Parse(s, c)
		if err != nil {
			return 0, fmt.Errorf(`must be "auto" or an integer from 1 to 1024, got %q`, s)
		}
		return n, nil
	},
	Format: func(v int) string {
		if v == 0 {
			return "auto"
		}
		return strconv.Itoa(v)
	},
}

// LogFieldNames are the fields the access log may have: request facts and
// timings only. Nothing a client sends as a credential (Authorization,
// cookies, client certificates) is among them.
var LogFieldNames = []string{
	"time", "remote_addr", "request_id", "host", "method", "uri", "protocol", "scheme", "server_port",
	"status", "bytes_sent", "request_length", "request_time",
	"upstream_addr", "upstream_status", "upstream_response_time", "upstream_connect_time",
	"referer", "user_agent",
}

// DefaultLogFields is log-format-upstream's default.
const DefaultLogFields = "time,remote_addr,request_id,host,method,uri,protocol,status,bytes_sent,request_time,upstream_addr,upstream_status,upstream_response_time,user_agent"

// logFields is a comma-separated list of LogFieldNames, each once.
var logFields = grammar.Grammar[[]string]{
	Name: "comma-separated log fields",
	Parse: func(s string, _ grammar.Context) ([]string, error) {
		var out []string
		for _, f := range strings.Split(s, ",") {
			if !slices.Contains(LogFieldNames, f) {
				return nil, fmt.Errorf("%q is not a log field (%s)%s", f, strings.Join(LogFieldNames, ", "), grammar.Suggest(f, LogFieldNames))
			}
			if slices.Contains(out, f) {
				return nil, fmt.Errorf("%q is listed twice", f)
			}
			out = append(out, f)
		}
		return out, nil
	},
	Format: func(v []string) string { return strings.Join(v, ",") },
}

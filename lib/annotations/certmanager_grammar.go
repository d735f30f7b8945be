package annotations

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net"
	"net/mail"
	"slices"
	"strings"

	cmapi "github.com/cert-manager/cert-manager/pkg/apis/certmanager/v1"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/seed-d040b84d/portcullis/lib/annotations/grammar"
)

// keyUsages are the names cert-manager accepts in spec.usages (its
// pkg/api/util keyUsages and extKeyUsages maps, which that package does not
// export as a list).
var keyUsages = []cmapi.KeyUsage{
	cmapi.UsageSigning, cmapi.UsageDigitalSignature, cmapi.UsageContentCommitment,
	cmapi.UsageKeyEncipherment, cmapi.UsageKeyAgreement, cmapi.UsageDataEncipherment,
	cmapi.UsageCertSign, cmapi.UsageCRLSign, cmapi.UsageEncipherOnly, cmapi.UsageDecipherOnly,
	cmapi.UsageAny, cmapi.UsageServerAuth, cmapi.UsageClientAuth, cmapi.UsageCodeSigning,
	cmapi.UsageEmailProtection, cmapi.UsageSMIME, cmapi.UsageIPsecEndSystem, cmapi.UsageIPsecTunnel,
	cmapi.UsageIPsecUser, cmapi.UsageTimestamping, cmapi.UsageOCSPSigning, cmapi.UsageMicrosoftSGC,
	cmapi.UsageNetscapeSGC,
}

func usageNames() []string {
	out := make([]string, len(keyUsages))
	for i, u := range keyUsages {
		out[i] = string(u)
	}
	return out
}

// usagesGrammar is cert-manager's usages: comma-separated key usage names,
// each trimmed of spaces as cert-manager does.
var usagesGrammar = grammar.Grammar[[]cmapi.KeyUsage]{
	Name: "comma-separated key usages",
	Parse: func(s string, _ grammar.Context) ([]cmapi.KeyUsage, error) {
		names := usageNames()
		var out []cmapi.KeyUsage
		for _, item := range strings.Split(s, ",") {
			u := strings.Trim(item, " ")
			if !slices.Contains(names, u) {
				return nil, fmt.Errorf("unknown key usage %q, allowed: %s%s", u, strings.Join(names, ", "), grammar.Suggest(u, names))
			}
			out = append(out, cmapi.KeyUsage(u))
		}
		return out, nil
	},
	Format: func(v []cmapi.KeyUsage) string {
		parts := make([]string, len(v))
		for i, u := range v {
			parts[i] = string(u)
		}
		return strings.Join(parts, ",")
	},
}

// ipList is cert-manager's ip-sans: comma-separated IP addresses, no spaces.
var ipList = grammar.Grammar[[]string]{
	Name: "comma-separated IP addresses",
	Parse: func(s string, _ grammar.Context) ([]string, error) {
		var out []string
		for i, item := range strings.Split(s, ",") {
			if net.ParseIP(item) == nil {
				return nil, fmt.Errorf("entry %d of %q (%q) is not an IP address", i+1, s, item)
			}
			out = append(out, item)
		}
		return out, nil
	},
	Format: func(v []string) string { return strings.Join(v, ",") },
}

// emailList is cert-manager's email-sans: comma-separated bare addresses (no
// display names, no spaces), as its webhook requires.
var emailList = grammar.Grammar[[]string]{
	Name: "comma-separated email addresses",
	Parse: func(s string, _ grammar.Context) ([]string, error) {
		var out []string
		for i, item := range strings.Split(s, ",") {
			a, err := mail.ParseAddress(item)
			if err != nil {
				return nil, fmt.Errorf("entry %d of %q (%q) is not an email address: %v", i+1, s, item, err)
			}
			if strings.ContainsAny(item, "\"'\\;{}$ ") {
				return nil, fmt.Errorf("entry %d of %q (%q) must be a plain address without quotes, spaces or ; { } $ \\", i+1, s, item)
			}
			if a.Address != item {
				return nil, fmt.Errorf("entry %d of %q (%q) must be the bare address (%q), without name or spaces", i+1, s, item, a.Address)
			}
			out = append(out, item)
		}
		return out, nil
	},
	Format: func(v []string) string { return strings.Join(v, ",") },
}

// csvRecord is cert-manager's subject-* list syntax: exactly one CSV record
// (quotes allow commas inside a value).
var csvRecord = grammar.Grammar[[]string]{
	Name: "one CSV record (quote values that contain commas)",
	Parse: func(s string, _ grammar.Context) ([]string, error) {
		records, err := csv.NewReader(strings.NewReader(s)).ReadAll()
		switch {
		case err != nil:
			return nil, fmt.Errorf("must be one CSV record such as %q, got %q: %v", `Acme,"Example, Inc"`, s, err)
		case len(records) == 0:
			return nil, fmt.Errorf("must list at least one value, got %q", s)
		case len(records) > 1:
			return nil, fmt.Errorf("must be a single line of comma-separated values, got %d lines", len(records))
		}
		return records[0], nil
	},
	Format: func(v []string) string {
		if len(v) == 1 && v[0] == "" {
			return `""` // csv.Writer writes an empty line, which is no record
		}
		var b bytes.Buffer
		w := csv.NewWriter(&b)
		_ = w.Write(v) // writing to a bytes.Buffer cannot fail
		w.Flush()
		return strings.TrimSuffix(b.String(), "\n")
	},
}

// secretTemplateGrammar is cert-manager's secret-template: a JSON object with
// only "annotations" and "labels", whose annotations may not be cert-manager's.
var secretTemplateGrammar = grammar.Grammar[cmapi.CertificateSecretTemplate]{
	Name: `JSON {"annotations": {...}, "labels": {...}}`,
	Parse: func(s string, _ grammar.Context) (cmapi.CertificateSecretTemplate, error) {
		var t cmapi.CertificateSecretTemplate
		dec := json.NewDecoder(strings.NewReader(s))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&t); err != nil {
			return t, fmt.Errorf(`must be JSON such as {"labels":{"team":"web"}} with only "annotations" and "labels": %v`, err)
		}
		if len(t.Annotations) == 0 {
			t.Annotations = nil
		}
		if len(t.Labels) == 0 {
			t.Labels = nil
		}
		if dec.More() {
			return t, fmt.Errorf("must be a single JSON object, got more after it")
		}
		for _, k := range sortedKeys(t.Annotations) {
			if strings.HasPrefix(k, "cert-manager.io/") {
				return t, fmt.Errorf("annotation %q: the secret template may not set cert-manager.io/ annotations", k)
			}
			if msgs := validation.IsQualifiedName(k); len(msgs) > 0 {
				return t, fmt.Errorf("annotation key %q is not valid: %s", k, strings.Join(msgs, "; "))
			}
		}
		for _, k := range sortedKeys(t.Labels) {
			if msgs := validation.IsQualifiedName(k); len(msgs) > 0 {
				return t, fmt.Errorf("label key %q is not valid: %s", k, strings.Join(msgs, "; "))
			}
			if msgs := validation.IsValidLabelValue(t.Labels[k]); len(msgs) > 0 {
				return t, fmt.Errorf("label %q has an invalid value %q: %s", k, t.Labels[k], strings.Join(msgs, "; "))
			}
		}
		return t, nil
	},
	Format: func(t cmapi.CertificateSecretTemplate) string {
		b, _ := json.Marshal(t) // maps of strings always marshal
		return string(b)
	},
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

package annotations

import (
	"reflect"
	"regexp"
	"strings"
	"testing"

	cmapi "github.com/cert-manager/cert-manager/pkg/apis/certmanager/v1"

	"github.com/seed-d040b84d/portcullis/lib/annotations/grammar"
)

// fuzzRow is one row with its full key.
type fuzzRow struct {
	key string
	row Row
}

func allRows() []fuzzRow {
	var out []fuzzRow
	for _, t := range Tables() {
		for _, r := range t.Rows {
			out = append(out, fuzzRow{key: fullKey(t, r), row: r})
		}
	}
	return out
}

// freeText are the rows whose values are free text for cert-manager (subject
// fields, the secret template's annotation values): they never reach nginx
// configuration and follow cert-manager's grammar, which allows any character.
var freeText = map[string]bool{
	KeyCMCommonName:                               true,
	cmapi.SubjectOrganizationsAnnotationKey:       true,
	cmapi.SubjectOrganizationalUnitsAnnotationKey: true,
	cmapi.SubjectCountriesAnnotationKey:           true,
	cmapi.SubjectProvincesAnnotationKey:           true,
	cmapi.SubjectLocalitiesAnnotationKey:          true,
	cmapi.SubjectPostalCodesAnnotationKey:         true,
	cmapi.SubjectStreetAddressesAnnotationKey:     true,
	cmapi.SubjectSerialNumberAnnotationKey:        true,
	KeyCMSecretTemplate:                           true,
}

// unsafeChars may end or template an nginx argument.
const unsafeChars = ";{}\"'\n\r$\\`"

// matchCNCount is the only place braces may appear in a match-cn expression.
var matchCNCount = regexp.MustCompile(`\{[0-9]{1,4}(,[0-9]{0,4})?\}`)

// headerNameLists are the keys whose values are lists of header names
// (RFC 7230 tokens).
var headerNameLists = map[string]bool{
	DefaultPrefix + "/" + KeyCORSAllowHeaders: true, DefaultPrefix + "/" + KeyCORSExposeHeaders: true,
	KeyOrgProxyHideHeaders: true, KeyOrgProxyPassHeaders: true,
}

// isToken reports whether s is an RFC 7230 token.
func isToken(s string) bool {
	return s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#%&'*+-.^_`|~") == ""
}

// rewriteCapture is the only place "$" may appear in a rewrite target.
var rewriteCapture = regexp.MustCompile(`\$[1-9]`)

// checkStrings enforces the no-injection invariant on every string inside an
// accepted typed value:
//   - auth-tls-match-cn may hold $ (anchor), \ (escape) and braces, but braces
//     only as counts {n}, {n,} or {n,m}, and never ; " ' ` or a line break;
//   - rewrite-target (both dialects) may hold "$" only as a capture $1 to $9;
//   - auth-realm and nginx.org/basic-auth-realm are quoted free text (one
//     grammar) without " \ $ or a line break;
//   - nginx.org/add-header and nginx.org/proxy-set-headers values may hold ; { } " ' ` \ (a
//     Content-Security-Policy needs ; and '; the writer quotes them), but
//     never "$" or a control character;
//   - header name lists (CORS, hidden and passed headers) may hold the
//     token characters ' and `;
//   - free-text cert-manager rows are exempt (see freeText);
//   - every other row holds none of ; { } " ' ` $ \ or a line break.
func checkStrings(t *testing.T, key string, v any) {
	if freeText[key] {
		return
	}
	for _, s := range stringsIn(reflect.ValueOf(v)) {
		if key == DefaultPrefix+"/"+KeyAuthTLSMatchCN {
			if strings.ContainsAny(s, ";\"'`\n\r") {
				t.Fatalf("%s accepted %q", key, s)
			}
			if strings.ContainsAny(matchCNCount.ReplaceAllString(strings.ReplaceAll(s, `\\`, ""), ""), "{}") {
				t.Fatalf("%s accepted a brace that is not a count: %q", key, s)
			}
			continue
		}
		if key == DefaultPrefix+"/"+KeyAuthRealm || key == KeyOrgBasicAuthRealm {
			// Free text the writer quotes (in TestInjectionProperty): only
			// what would end or escape the quoting, or name a variable.
			if strings.ContainsAny(s, "\"\\$\n\r\x00") {
				t.Fatalf("%s accepted %q", key, s)
			}
			continue
		}
		if key == KeyOrgAddHeader || key == KeyOrgProxySetHeaders {
			if strings.ContainsAny(s, "$\n\r") || strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r >= 0x7f }) {
				t.Fatalf("%s accepted %q", key, s)
			}
			continue
		}
		if headerNameLists[key] {
			// RFC 7230 tokens: ' and ` are name characters, which the
			// writer's double quotes hold as they are.
			if strings.ContainsAny(s, ";{}\"\n\r$\\") || !isToken(s) {
				t.Fatalf("%s accepted %q", key, s)
			}
			continue
		}
		if key == DefaultPrefix+"/"+KeyRewriteTarget || key == KeyOrgRewriteTarget {
			// Captures only: "$" followed by one digit 1–9 and no name.
			if strings.ContainsAny(rewriteCapture.ReplaceAllString(s, ""), unsafeChars) {
				t.Fatalf("%s accepted %q", key, s)
			}
			continue
		}
		if strings.ContainsAny(s, unsafeChars) {
			t.Fatalf("%s accepted %q", key, s)
		}
	}
}

// stringsIn collects every string reachable from v.
func stringsIn(v reflect.Value) []string {
	switch v.Kind() {
	case reflect.String:
		return []string{v.String()}
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return nil
		}
		return stringsIn(v.Elem())
	case reflect.Slice, reflect.Array:
		var out []string
		for i := range v.Len() {
			out = append(out, stringsIn(v.Index(i))...)
		}
		return out
	case reflect.Map:
		var out []string
		for _, k := range v.MapKeys() {
			out = append(out, stringsIn(k)...)
			out = append(out, stringsIn(v.MapIndex(k))...)
		}
		return out
	case reflect.Struct:
		var out []string
		for i := range v.NumField() {
			out = append(out, stringsIn(v.Field(i))...)
		}
		return out
	}
	return nil
}

// FuzzParseAnnotationValue parses arbitrary values with every row: no panic;
// an accepted value formats back to a string that parses to the same typed
// value; accepted values carry no character that could break out of an nginx
// argument (checkStrings).
func FuzzParseAnnotationValue(f *testing.F) {
	rows := allRows()
	for i, r := range rows {
		for _, v := range r.row.Examples.Good {
			f.Add(uint(i), v)
		}
		for _, b := range r.row.Examples.Bad {
			f.Add(uint(i), b.Value)
		}
	}
	f.Fuzz(func(t *testing.T, i uint, value string) {
		r := rows[i%uint(len(rows))]
		for _, legacy := range []bool{false, true} {
			rt, err := r.row.Value.RoundTrip(value, grammar.Context{AllowLegacyTLS: legacy})
			if err != nil {
				if err.Error() == "" {
					t.Fatalf("%s: empty error message for %q", r.key, value)
				}
				continue
			}
			if rt.AgainErr != nil {
				t.Fatalf("%s: %q parsed, but its formatted form %q does not: %v", r.key, value, rt.Formatted, rt.AgainErr)
			}
			if !reflect.DeepEqual(rt.Value, rt.Again) {
				t.Fatalf("%s: %q parsed to %#v, formatted %q parsed to %#v", r.key, value, rt.Value, rt.Formatted, rt.Again)
			}
			checkStrings(t, r.key, rt.Value)
		}
		// The whole parser must not panic either, alone or with context.
		anns := map[string]string{r.key: value}
		for k, v := range r.row.Examples.With {
			anns[k] = v
		}
		Parse(anns, Options{})
	})
}

package nginxpolicy

import (
	"strings"

	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/seed-d040b84d/portcullis/lib/findings"
	"github.com/seed-d040b84d/portcullis/lib/tlsciphers"
)

// DefaultCiphers is NGINX's default for egressMTLS.ciphers: OpenSSL's own default list.
const DefaultCiphers = "DEFAULT"

const cipherGrammar = `OpenSSL cipher names and operators (letters, digits and _ + ! @ = . -) separated by ":", "," or spaces`

// parseCiphers checks an OpenSSL cipher list and returns it with ":" between
// entries, the form NGINX is given. NGINX copies the value into its config
// unchecked, so anything beyond the cipher-list alphabet (quotes, ";", braces,
// newlines, "$") is refused rather than escaped. A list that selects a weak
// cipher, or none, is refused too (docs/security.md#weak-tls-ciphers).
func parseCiphers(path *field.Path, value string, f *findings.Set) string {
	if value == "" {
		return DefaultCiphers
	}
	if strings.TrimSpace(value) == "" {
		f.Errorf(path, value, "got %q, a blank list; give %s, or leave ciphers unset for %q", value, cipherGrammar, DefaultCiphers)
		return ""
	}
	for _, r := range value {
		if !isCipherRune(r) && !isCipherSeparator(r) {
			f.Errorf(path, value, "got %q, which contains %q; a cipher list is %s", value, r, cipherGrammar)
			return ""
		}
	}

	var entries []string
	for _, part := range splitKeepEmpty(value, ":,") {
		words := strings.Fields(part)
		if len(words) == 0 {
			f.Errorf(path, value, "got %q, which has an empty entry (a leading, trailing or doubled \":\" or \",\"); "+
				"a cipher list is %s", value, cipherGrammar)
			return ""
		}
		entries = append(entries, words...)
	}
	for _, e := range entries {
		if !strings.ContainsFunc(e, isAlphanumeric) {
			f.Errorf(path, value, "got %q, whose entry %q names no cipher; a cipher list is %s", value, e, cipherGrammar)
			return ""
		}
	}
	if err := tlsciphers.Check(value); err != nil {
		f.Errorf(path, value, "got %q: %v", value, err)
		return ""
	}
	return strings.Join(entries, ":")
}

// splitKeepEmpty splits s at every rune in seps, keeping empty parts.
func splitKeepEmpty(s, seps string) []string {
	var out []string
	for {
		i := strings.IndexAny(s, seps)
		if i < 0 {
			return append(out, s)
		}
		out = append(out, s[:i])
		s = s[i+1:]
	}
}

func isAlphanumeric(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9'
}

func isCipherRune(r rune) bool {
	return isAlphanumeric(r) || strings.ContainsRune("_+!@=.-", r)
}

func isCipherSeparator(r rune) bool { return r == ':' || r == ',' || r == ' ' }

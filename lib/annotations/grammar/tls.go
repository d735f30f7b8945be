package grammar

import (
	"slices"
	"strings"

	"github.com/seed-d040b84d/portcullis/lib/tlsciphers"
)

// tlsVersions are the protocol names nginx accepts, oldest first.
var tlsVersions = []string{"TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"}

// legacyTLS are the versions allowed only with allow-legacy-tls.
var legacyTLS = []string{"TLSv1", "TLSv1.1"}

// Protocols is a space-separated subset of TLSv1.2 TLSv1.3 (TLSv1 and TLSv1.1
// too when the Context allows legacy TLS). Entries are separated by single
// spaces; the value is stored oldest first without duplicates.
var Protocols = Grammar[[]string]{
	Name: "space-separated subset of TLSv1.2 TLSv1.3",
	Parse: func(s string, c Context) ([]string, error) {
		allowed := tlsVersions[2:]
		if c.AllowLegacyTLS {
			allowed = tlsVersions
		}
		if s == "" {
			return nil, errorf("must list at least one of %s, got an empty value", strings.Join(allowed, " "))
		}
		var out []string
		for _, p := range strings.Split(s, " ") {
			switch {
			case p == "":
				return nil, errorf("%q has an empty entry: separate protocols with single spaces", s)
			case slices.Contains(out, p):
				return nil, errorf("%q lists %s twice", s, p)
			case slices.Contains(allowed, p):
				out = append(out, p)
			case slices.Contains(legacyTLS, p):
				return nil, errorf(`%s is a legacy protocol, allowed only with ConfigMap allow-legacy-tls: "true"; allowed: %s`,
					p, strings.Join(allowed, " "))
			default:
				return nil, errorf("unknown protocol %q in %q, allowed: %s%s", p, s, strings.Join(allowed, " "), suggestProtocol(p, allowed))
			}
		}
		slices.SortFunc(out, func(a, b string) int {
			return slices.Index(tlsVersions, a) - slices.Index(tlsVersions, b)
		})
		return out, nil
	},
	Format: func(v []string) string { return strings.Join(v, " ") },
}

// cipherChar reports whether c may appear in an OpenSSL cipher string token.
func cipherChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		strings.IndexByte("_+!@=.-", c) >= 0
}

// Ciphers is an OpenSSL cipher string: tokens made of letters, digits and
// _ + ! @ = . - separated by ":", "," or single spaces. "!" only starts a
// token; "@" only in @STRENGTH and @SECLEVEL=0..5. The ciphers it selects,
// as OpenSSL would select them, must include no weak one and must not be
// none (docs/security.md#weak-tls-ciphers). The value is stored with ":"
// separators, so it is one nginx argument whatever the user wrote.
var Ciphers = Grammar[string]{
	Name: "OpenSSL cipher string",
	Parse: func(s string, _ Context) (string, error) {
		if s == "" {
			return "", errorf("must be an OpenSSL cipher string such as %q, got an empty value", "HIGH:!aNULL:!MD5")
		}
		var tokens []string
		start := 0
		for i := 0; i <= len(s); i++ {
			if i < len(s) && !strings.ContainsRune(":, ", rune(s[i])) {
				if !cipherChar(s[i]) {
					return "", errorf("character %q at offset %d of %q is not allowed in a cipher string (allowed: letters, digits, _ + ! @ = . - and the separators \":\", \",\" and space)", s[i], i, s)
				}
				continue
			}
			tok := s[start:i]
			if tok == "" {
				return "", errorf("%q has an empty entry at offset %d: separate cipher entries with a single \":\", \",\" or space", s, start)
			}
			if err := checkCipherToken(tok); err != nil {
				return "", err
			}
			tokens = append(tokens, tok)
			start = i + 1
		}
		if err := tlsciphers.Check(s); err != nil {
			return "", err
		}
		return strings.Join(tokens, ":"), nil
	},
	Format: func(v string) string { return v },
}

func checkCipherToken(tok string) error {
	body := tok
	if body[0] == '!' || body[0] == '-' || body[0] == '+' {
		body = body[1:]
	}
	switch {
	case body == "":
		return errorf("cipher entry %q has an operator but no cipher name", tok)
	case strings.Contains(body, "!"):
		return errorf(`"!" may only start a cipher entry, got %q`, tok)
	case body[0] == '@':
		if body == "@STRENGTH" || len(body) == len("@SECLEVEL=0") && strings.HasPrefix(body, "@SECLEVEL=") && body[10] >= '0' && body[10] <= '5' {
			if body != tok {
				return errorf("%q takes no operator, got %q", body, tok)
			}
			return nil
		}
		return errorf(`"@" may only start @STRENGTH or @SECLEVEL=0..5, got %q%s`, tok,
			Suggest(body, []string{"@STRENGTH", "@SECLEVEL=0", "@SECLEVEL=1", "@SECLEVEL=2", "@SECLEVEL=3", "@SECLEVEL=4", "@SECLEVEL=5"}))
	case strings.ContainsAny(body, "@="):
		return errorf(`"@" and "=" may only appear in @STRENGTH or @SECLEVEL=n, got %q`, tok)
	}
	return nil
}

// suggestProtocol prefers an allowed version, then a legacy one (whose message
// then explains allow-legacy-tls).
func suggestProtocol(p string, allowed []string) string {
	if hint := Suggest(p, allowed); hint != "" {
		return hint
	}
	return Suggest(p, tlsVersions)
}

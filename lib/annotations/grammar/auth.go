package grammar

import (
	"strings"
)

// Realm is the realm of HTTP basic authentication, sent to clients in
// WWW-Authenticate: printable ASCII, 1 to 128 bytes, without `"`, `\` or `$`
// (nginx would read "$" as a variable).
var Realm = Grammar[string]{
	Name: `printable ASCII, 1–128 bytes, no " \ $`,
	Parse: func(s string, _ Context) (string, error) {
		switch {
		case s == "":
			return "", errorf("must not be empty")
		case len(s) > 128:
			return "", errorf("must be at most 128 bytes, got %d", len(s))
		}
		for i := 0; i < len(s); i++ {
			if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' || c == '$' {
				return "", errorf("%q is not allowed in a realm (printable ASCII without \" \\ $)", string(rune(c)))
			}
		}
		return s, nil
	},
	Format: func(v string) string { return v },
}

// NameOrRef is a Secret named "name" (in the Ingress's namespace) or
// "namespace/name", as ingress-nginx's auth-secret takes it.
var NameOrRef = Grammar[Ref]{
	Name: "name or namespace/name",
	Parse: func(s string, _ Context) (Ref, error) {
		ns, name, ok := strings.Cut(s, "/")
		if !ok {
			ns, name = "", s
		} else if ns == "" || strings.Contains(name, "/") {
			return Ref{}, errorf(`must be "name" or "namespace/name", got %q`, s)
		}
		if err := checkRefParts(s, ns, name); err != nil {
			return Ref{}, err
		}
		return Ref{Namespace: ns, Name: name}, nil
	},
	Format: func(r Ref) string { return r.String() },
}

// AuthType is ingress-nginx's auth-type: "basic"; "digest" is refused.
var AuthType = Grammar[string]{
	Name: "basic",
	Parse: func(s string, _ Context) (string, error) {
		switch s {
		case "basic":
			return s, nil
		case "digest":
			return "", errorf("digest authentication is not supported by portcullis (nginx has none); use basic over HTTPS")
		}
		return "", notOneOf(s, []string{"basic"})
	},
	Format: func(v string) string { return v },
}

// HeaderNames is a comma-separated list of HTTP header names: letters,
// digits and "-", each 1–64 bytes, none twice (case-insensitively).
var HeaderNames = Grammar[[]string]{
	Name: "comma-separated header names (letters, digits, -)",
	Parse: func(s string, _ Context) ([]string, error) {
		var out []string
		seen := map[string]bool{}
		for _, h := range strings.Split(s, ",") {
			if h == "" || len(h) > 64 || strings.Trim(h, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-") != "" || h[0] == '-' {
				return nil, errorf("entry %s of %q is not a header name (letters, digits and -, at most 64)", quoteOrEmpty(h), s)
			}
			if seen[strings.ToLower(h)] {
				return nil, errorf("header %q is listed twice in %q", h, s)
			}
			seen[strings.ToLower(h)] = true
			out = append(out, h)
		}
		return out, nil
	},
	Format: func(v []string) string { return strings.Join(v, ",") },
}

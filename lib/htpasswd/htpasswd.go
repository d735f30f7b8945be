// Package htpasswd judges the password files of HTTP basic authentication
// (htpasswd lines "user:hash") that nginx reads with auth_basic_user_file: it
// refuses what nginx would read as something else or what offers no
// protection (plaintext, DES crypt), warns about weak but common hashes (MD5
// based, unsalted SHA-1), and returns the file normalized. Hashes are never
// put in a message.
package htpasswd

import (
	"fmt"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/seed-d040b84d/portcullis/lib/findings"
)

// Strength is how a hash scheme protects its password.
type Strength int

// Strengths.
const (
	// Refused: plaintext, DES crypt, or a scheme nginx does not read.
	Refused Strength = iota
	// Weak: MD5-based ($apr1$, $1$) or SHA-1 ({SHA}, {SSHA}).
	Weak
	// Strong: bcrypt, SHA-256/512 crypt, yescrypt.
	Strong
)

// Scheme names a line's hash scheme and how strong it is.
func Scheme(hash string) (string, Strength) {
	switch {
	case strings.HasPrefix(hash, "{PLAIN}"):
		return "plaintext ({PLAIN})", Refused
	case strings.HasPrefix(hash, "{SHA}"):
		return "unsalted SHA-1 ({SHA})", Weak
	case strings.HasPrefix(hash, "{SSHA}"):
		return "salted SHA-1 ({SSHA})", Weak
	case strings.HasPrefix(hash, "$apr1$"):
		return "Apache MD5 ($apr1$)", Weak
	case strings.HasPrefix(hash, "$1$"):
		return "MD5 crypt ($1$)", Weak
	case strings.HasPrefix(hash, "$2a$"), strings.HasPrefix(hash, "$2b$"), strings.HasPrefix(hash, "$2y$"):
		return "bcrypt", Strong
	case strings.HasPrefix(hash, "$5$"):
		return "SHA-256 crypt ($5$)", Strong
	case strings.HasPrefix(hash, "$6$"):
		return "SHA-512 crypt ($6$)", Strong
	case strings.HasPrefix(hash, "$y$"):
		return "yescrypt ($y$)", Strong
	case len(hash) == 13 && strings.Trim(hash, "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz") == "":
		return "DES crypt", Refused
	}
	return "not a hash scheme nginx reads", Refused
}

// Check judges an htpasswd file: one "user:hash" per line; blank lines and
// lines starting with "#" are allowed. Problems are findings on path, naming
// the line and the user, never the hash. The result is the file with only
// its entries, "\n"-terminated; nil when it has no usable entry or any
// error.
func Check(data []byte, path *field.Path) ([]byte, findings.Set) {
	var fs findings.Set
	var out strings.Builder
	users := map[string]int{}
	text := string(data)
	if strings.ContainsRune(text, '\r') {
		fs.Errorf(path, "(htpasswd)", "has a carriage return: write the file with \"\\n\" line ends")
		return nil, fs
	}
	for i, line := range strings.Split(text, "\n") {
		n := i + 1
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		user, hash, ok := strings.Cut(line, ":")
		if !ok || user == "" || hash == "" {
			fs.Errorf(path, fmt.Sprintf("(line %d)", n), "line %d is not \"user:hash\"", n)
			continue
		}
		if bad := strings.IndexFunc(line, func(r rune) bool { return r < 0x21 || r > 0x7e }); bad >= 0 {
			fs.Errorf(path, fmt.Sprintf("(line %d)", n), "line %d (user %q) has white space or a character outside printable ASCII", n, safeUser(user))
			continue
		}
		if prev, dup := users[user]; dup {
			fs.Errorf(path, fmt.Sprintf("(line %d)", n), "user %q is on lines %d and %d; nginx would use the first only", user, prev, n)
			continue
		}
		users[user] = n
		switch name, strength := Scheme(hash); strength {
		case Refused:
			fs.Errorf(path, fmt.Sprintf("(line %d)", n), "user %q: %s offers no protection or cannot be read by nginx; use bcrypt (htpasswd -B) or SHA-512 crypt", user, name)
			continue
		case Weak:
			fs.Warnf(path, "user %q: %s is weak; prefer bcrypt (htpasswd -B)", user, name)
		}
		out.WriteString(line)
		out.WriteByte('\n')
	}
	if len(users) == 0 && fs.Allowed() {
		fs.Errorf(path, "(htpasswd)", "has no \"user:hash\" line: nobody could log in")
	}
	if !fs.Allowed() {
		return nil, fs
	}
	return []byte(out.String()), fs
}

// safeUser is a user name fit for a message: printable ASCII only.
func safeUser(u string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e {
			return '?'
		}
		return r
	}, u)
}

// Formats of the Secrets that hold users.
const (
	// FormatFile is an htpasswd file in one key (ingress-nginx auth-file:
	// key "auth"; NGINX Inc: key "htpasswd").
	FormatFile = "file"
	// FormatMap is one key per user whose value is the hash (ingress-nginx
	// auth-map).
	FormatMap = "map"
)

// FromSecret reads the users of a Secret in format (key names the key of a
// FormatFile) and checks them; findings are on path.
func FromSecret(sec *corev1.Secret, format, key string, path *field.Path) ([]byte, findings.Set) {
	if format == FormatMap {
		var b strings.Builder
		users := make([]string, 0, len(sec.Data))
		for u := range sec.Data {
			users = append(users, u)
		}
		sort.Strings(users)
		for _, u := range users {
			b.WriteString(u + ":" + string(sec.Data[u]) + "\n")
		}
		return Check([]byte(b.String()), path)
	}
	data, ok := sec.Data[key]
	if !ok {
		var fs findings.Set
		fs.Errorf(path, sec.Namespace+"/"+sec.Name, "secret %s/%s has no key %q with the htpasswd file", sec.Namespace, sec.Name, key)
		return nil, fs
	}
	return Check(data, path)
}

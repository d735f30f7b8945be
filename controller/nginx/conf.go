package nginx

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Arg is one argument of a directive. It is built only by the constructors
// below, each of which says what the value may hold; Render writes every Arg
// through quote, the one quoting function.
type Arg struct {
	s    string
	kind argKind
	// user is how many leading bytes of s are user-derived (argTextLit), or
	// where the user-derived text starts (argLitText).
	user int
}

type argKind uint8

const (
	// argLit is text written by this package, which may reference nginx
	// variables ("$host").
	argLit argKind = iota + 1
	// argText is user-derived text: no "$", no control characters.
	argText
	// argRegex is a regular expression in a position nginx does not
	// interpolate (a map key): "$" is an anchor there, not a variable.
	argRegex
	// argTextLit is user-derived text (checked as argText) followed by text
	// this package writes, which may reference variables.
	argTextLit
	// argCapture is a user-derived rewrite replacement: "$" only as a
	// capture $1 to $9 not followed by a letter, digit or "{".
	argCapture
	// argLitText is text this package writes, which may reference
	// variables, followed by user-derived text (checked as argText) from
	// offset user.
	argLitText
)

// lit is an argument this package writes itself. Never pass it user input.
func lit(s string) Arg { return Arg{s: s, kind: argLit} }

// text is a user-derived argument; Render refuses it with "$" or a control character.
func text(s string) Arg { return Arg{s: s, kind: argText} }

// continuesVariable reports whether c, after a variable's name, would be read
// as part of it (or open "${...}").
func continuesVariable(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '{'
}

// litText is the package's own text followed by user-derived text, which
// must not start with a character that would continue a variable name.
func litText(own, user string) Arg { return Arg{s: own + user, kind: argLitText, user: len(own)} }

// textLit is user-derived text followed by the package's own text.
func textLit(user, own string) Arg { return Arg{s: user + own, kind: argTextLit, user: len(user)} }

// mapKey is a user-derived exact map key (a host name). The leading
// backslash, which nginx's map drops, keeps a key such as "default" or
// "include" from being read as one of the map's own parameters.
func mapKey(s string) Arg { return Arg{s: `\` + s, kind: argText} }

// regex is a user-derived regular expression for a map key, a server
// name, a regular-expression location or a rewrite pattern.
func regex(s string) Arg { return Arg{s: s, kind: argRegex} }

// capture is a user-derived rewrite replacement referring to captures.
func capture(s string) Arg { return Arg{s: s, kind: argCapture} }

func num[T ~int | ~int32 | ~int64](n T) Arg { return lit(strconv.FormatInt(int64(n), 10)) }

func onOff(b bool) Arg {
	if b {
		return lit("on")
	}
	return lit("off")
}

// Node is a directive ("name args;"), a block ("name args { ... }") or, inside a
// map block, an entry ("key value;", the name being an argument too).
type Node struct {
	Name     string
	Args     []Arg
	Children []*Node
	block    bool
	entry    bool
}

func d(name string, args ...Arg) *Node { return &Node{Name: name, Args: args} }

func blk(name string, args []Arg, children ...*Node) *Node {
	return &Node{Name: name, Args: args, Children: children, block: true}
}

func entry(key, value Arg) *Node { return &Node{Args: []Arg{key, value}, entry: true} }

func (n *Node) add(children ...*Node) *Node {
	n.Children = append(n.Children, children...)
	return n
}

// directives are the names the renderer may write, with the blocks each may
// appear in ("" is the top level). Read only through allowed: nothing
// widens the allow-list at run time. The property test holds rendered
// configurations to it.
var directives = map[string][]string{
	"load_module": {""}, "daemon": {""}, "master_process": {""}, "worker_processes": {""}, "pid": {""},
	"worker_rlimit_nofile": {""}, "worker_shutdown_timeout": {""},
	"error_log": {""}, "user": {""},
	"events": {""}, "worker_connections": {"events"},
	"http": {""},
	// http
	"access_log": {"http"}, "log_format": {"http"}, "client_body_temp_path": {"http"}, "proxy_temp_path": {"http"},
	"fastcgi_temp_path": {"http"}, "uwsgi_temp_path": {"http"}, "scgi_temp_path": {"http"},
	"server_tokens": {"http", "server"}, "server_names_hash_bucket_size": {"http"}, "map_hash_bucket_size": {"http"},
	"server_names_hash_max_size": {"http"}, "map_hash_max_size": {"http"},
	"ssl_session_cache": {"http"}, "proxy_http_version": {"http", "location"}, "proxy_set_header": {"http", "location"}, "grpc_set_header": {"http", "location"}, "ssl_session_timeout": {"http"}, "ssl_session_tickets": {"http"},
	"ssl_buffer_size": {"http"}, "ssl_ecdh_curve": {"http"}, "map": {"http"}, "geo": {"http"},
	"upstream": {"http"}, "server": {"http", "upstream"}, "set_real_ip_from": {"http", "server"}, "real_ip_header": {"http", "server"}, "real_ip_recursive": {"http", "server"},
	// server
	"listen": {"server"}, "server_name": {"server"}, "ssl_reject_handshake": {"server"},
	"ssl_certificate": {"server"}, "ssl_certificate_key": {"server"}, "ssl_protocols": {"http", "server"},
	"ssl_ciphers": {"http", "server"}, "ssl_prefer_server_ciphers": {"http", "server"},
	"ssl_client_certificate": {"server"}, "ssl_verify_client": {"server"}, "ssl_verify_depth": {"server"},
	"ssl_crl": {"server"}, "error_page": {"server", "location"}, "add_header": {"server", "location", "if"},
	"location": {"server"}, "if": {"server", "location"}, "return": {"server", "location", "if"},
	"rewrite": {"location"},
	// location
	"allow": {"location"}, "deny": {"location"},
	"internal": {"location"}, "auth_request": {"location"}, "auth_request_set": {"location"},
	"proxy_method": {"location"}, "proxy_pass_request_body": {"location"},
	"auth_basic": {"location"}, "auth_basic_user_file": {"location"}, "satisfy": {"location"},
	"proxy_pass": {"location"}, "grpc_pass": {"location"},
	"proxy_ssl_verify": {"location"}, "proxy_ssl_trusted_certificate": {"location"}, "proxy_ssl_verify_depth": {"location"},
	"proxy_ssl_certificate": {"location"}, "proxy_ssl_certificate_key": {"location"}, "proxy_ssl_name": {"location"},
	"proxy_ssl_server_name": {"location"}, "proxy_ssl_protocols": {"location"}, "proxy_ssl_ciphers": {"location"},
	"proxy_ssl_session_reuse": {"location"},
	"grpc_ssl_verify":         {"location"}, "grpc_ssl_trusted_certificate": {"location"}, "grpc_ssl_verify_depth": {"location"},
	"grpc_ssl_certificate": {"location"}, "grpc_ssl_certificate_key": {"location"}, "grpc_ssl_name": {"location"},
	"grpc_ssl_server_name": {"location"}, "grpc_ssl_protocols": {"location"}, "grpc_ssl_ciphers": {"location"},
	"grpc_ssl_session_reuse": {"location"},
	// traffic (traffic.go)
	"client_max_body_size": {"http", "location"}, "proxy_connect_timeout": {"http", "location"},
	"proxy_read_timeout": {"http", "location"}, "proxy_send_timeout": {"http", "location"},
	"grpc_connect_timeout": {"http", "location"}, "grpc_read_timeout": {"http", "location"},
	"grpc_send_timeout":       {"http", "location"},
	"client_body_buffer_size": {"location"}, "proxy_buffering": {"location"}, "proxy_request_buffering": {"location"},
	// error pages (errors.go)
	"proxy_intercept_errors": {"location"},
	// redirects (redirects.go)
	"absolute_redirect": {"location"}, "port_in_redirect": {"http", "location"},
	"proxy_buffer_size": {"http", "location"}, "grpc_buffer_size": {"http", "location"}, "proxy_buffers": {"http", "location"},
	"proxy_busy_buffers_size": {"http", "location"}, "proxy_max_temp_file_size": {"http", "location"},
	"proxy_next_upstream": {"http", "location"}, "grpc_next_upstream": {"http", "location"},
	"proxy_next_upstream_timeout": {"http", "location"}, "grpc_next_upstream_timeout": {"http", "location"},
	"proxy_next_upstream_tries": {"http", "location"}, "grpc_next_upstream_tries": {"http", "location"},
	// response headers (headers.go)
	"proxy_hide_header": {"location"}, "proxy_pass_header": {"location"}, "grpc_hide_header": {"location"},
	"grpc_pass_header": {"location"}, "proxy_redirect": {"location"},
	// upstream ("server" above), stream
	"keepalive": {"upstream"},
	"stream":    {""},
}

// allowed says whether the renderer may write directive name in block
// parent ("" is the top level).
func allowed(name, parent string) bool {
	return slices.Contains(directives[name], parent)
}

// quote is the one function that writes an argument: always double-quoted,
// with backslash and double quote escaped. nginx unescapes exactly these
// inside quotes, so the argument reads back as s and can never end its string.
// Control characters are refused (Render reports them); "$" is refused unless
// the argument is the package's own text or a regular expression.
func quote(a Arg) (string, error) {
	for i := 0; i < len(a.s); i++ {
		c := a.s[i]
		if c < 0x20 || c == 0x7f {
			return "", fmt.Errorf("argument %q: control character at offset %d", a.s, i)
		}
		if c == '$' && (a.kind == argText || a.kind == argTextLit && i < a.user || a.kind == argLitText && i >= a.user) {
			return "", fmt.Errorf("argument %q: \"$\" would reference an nginx variable", a.s)
		}
		if c == '$' && a.kind == argCapture && !isCapture(a.s[i:]) {
			return "", fmt.Errorf("argument %q: \"$\" at offset %d is not a capture $1 to $9", a.s, i)
		}
	}
	if a.kind == 0 {
		return "", fmt.Errorf("argument %q was not built by a constructor", a.s)
	}
	if a.kind == argLitText && a.user < len(a.s) && continuesVariable(a.s[a.user]) {
		// "$host" followed by "x" would be read as the variable "$hostx".
		return "", fmt.Errorf("argument %q: user text at offset %d would continue a variable name", a.s, a.user)
	}
	var b strings.Builder
	b.Grow(len(a.s) + 2)
	b.WriteByte('"')
	for i := 0; i < len(a.s); i++ {
		if c := a.s[i]; c == '\\' || c == '"' {
			b.WriteByte('\\')
		}
		b.WriteByte(a.s[i])
	}
	b.WriteByte('"')
	return b.String(), nil
}

// isCapture reports whether s starts with a capture reference nginx reads
// as exactly that: "$", one digit 1–9, then no letter, digit or "{".
func isCapture(s string) bool {
	if len(s) < 2 || s[0] != '$' || s[1] < '1' || s[1] > '9' {
		return false
	}
	if len(s) == 2 {
		return true
	}
	c := s[2]
	return !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '{')
}

// regexPosition says whether argument i of n may be a regular expression:
// a map key, a server name, the pattern of a "~" or "~*" location, or a
// rewrite's pattern. nginx interpolates none of these.
func regexPosition(n *Node, i int) bool {
	switch {
	case n.entry:
		return i == 0
	case n.Name == "server_name":
		return true
	case n.Name == "location":
		return i == 1 && len(n.Args) == 2 && n.Args[0].kind == argLit && (n.Args[0].s == "~" || n.Args[0].s == "~*")
	case n.Name == "rewrite":
		return i == 0
	}
	return false
}

// Render writes the tree as nginx configuration. It refuses a directive not
// allowed (or outside its blocks) and any argument quote refuses.
func Render(nodes []*Node) ([]byte, error) {
	var b strings.Builder
	if err := render(&b, nodes, "", 0); err != nil {
		return nil, err
	}
	return []byte(b.String()), nil
}

func render(b *strings.Builder, nodes []*Node, parent string, depth int) error {
	indent := strings.Repeat("    ", depth)
	for _, n := range nodes {
		b.WriteString(indent)
		if n.entry {
			if parent != "map" && parent != "geo" {
				return fmt.Errorf("map entry outside a map block (in %q)", parent)
			}
		} else {
			if !allowed(n.Name, parent) {
				return fmt.Errorf("directive %q is not allowed in %q", n.Name, parent)
			}
			b.WriteString(n.Name)
		}
		for i, a := range n.Args {
			if a.kind == argRegex && !regexPosition(n, i) {
				return fmt.Errorf("%s: a regular expression is allowed only as a map key, server name, regular-expression location or rewrite pattern", n.Name)
			}
			if a.kind == argCapture && !(n.Name == "rewrite" && i == 1) {
				return fmt.Errorf("%s: a capture reference is allowed only as a rewrite replacement", n.Name)
			}
			q, err := quote(a)
			if err != nil {
				return fmt.Errorf("%s: %w", n.Name, err)
			}
			if i > 0 || !n.entry {
				b.WriteByte(' ')
			}
			b.WriteString(q)
		}
		if !n.block {
			b.WriteString(";\n")
			continue
		}
		b.WriteString(" {\n")
		if err := render(b, n.Children, n.Name, depth+1); err != nil {
			return err
		}
		b.WriteString(indent + "}\n")
	}
	return nil
}

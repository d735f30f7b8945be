package grammar

import (
	"strconv"
	"strings"
)

// maxHeaderName and maxHeaderValue bound a response header portcullis writes.
// MaxHashedHeaderName bounds a header name nginx keeps in a location's
// header hash (proxy_set_header, proxy_hide_header, proxy_pass_header and
// their grpc_ forms): a longer one does not fit the hash's 64-byte bucket, and
// nginx -t refuses the whole configuration.
const (
	maxHeaderName       = 128
	maxHeaderValue      = 1024
	MaxHashedHeaderName = 46
)

// tchar are the characters of an RFC 7230 token other than letters and
// digits, without "$": nginx would read it as a variable.
const tchar = "!#%&'*+-.^_`|~"

// CheckHeaderName checks an HTTP header name: an RFC 7230 token without
// "$", 1 to 128 bytes.
func CheckHeaderName(s string) error {
	if s == "" || len(s) > maxHeaderName {
		return errorf("%s is not a header name (1 to %d letters, digits and %s)", quoteOrEmpty(s), maxHeaderName, tchar)
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte(tchar, c) >= 0) {
			return errorf("character %q at offset %d of header name %q is not allowed (letters, digits and %s)", c, i, s, tchar)
		}
	}
	return nil
}

// CheckHeaderValue checks a header value portcullis writes as a quoted
// nginx argument: 1 to 1024 bytes of printable ASCII (space included), no
// "$" (an nginx variable), no leading or trailing space, and double and
// single quotes each balanced (an even number: what a value quoted by hand
// would hold; the writer escapes them either way).
func CheckHeaderValue(s string) error {
	if s == "" || len(s) > maxHeaderValue {
		return errorf("header value %s must be 1 to %d bytes", quoteOrEmpty(s), maxHeaderValue)
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '$' {
			return errorf("character %q at offset %d of header value %q is not allowed (printable ASCII without $: nginx variables are not expanded)", c, i, s)
		}
	}
	if strings.TrimSpace(s) != s {
		return errorf("header value %q starts or ends with white space", s)
	}
	for _, q := range []string{`"`, "'"} {
		if strings.Count(s, q)%2 != 0 {
			return errorf("header value %q has an unbalanced %s quote", s, q)
		}
	}
	return nil
}

// reservedHeaders are response headers an Ingress may not add: nginx or the
// host's own settings write them, and a second copy would change how clients
// and caches frame or read the response.
var reservedHeaders = map[string]string{
	"content-length":            "nginx frames the response",
	"transfer-encoding":         "nginx frames the response",
	"connection":                "it is hop-by-hop",
	"keep-alive":                "it is hop-by-hop",
	"upgrade":                   "it is hop-by-hop",
	"trailer":                   "it is hop-by-hop",
	"te":                        "it is hop-by-hop",
	"proxy-connection":          "it is hop-by-hop",
	"strict-transport-security": "the host's HSTS setting writes it (nginx.org/hsts)",
}

// Header is one response header an Ingress adds (NGINX Inc's
// nginx.org/add-header): Always adds it to error responses too.
type Header struct {
	Name, Value string
	Always      bool
}

// AddHeaders is NGINX Inc's nginx.org/add-header: comma-separated entries
// "Name: Value" or "Name: Value: always", white space around each part
// ignored. A value has no comma (the separator) and is checked by
// CheckHeaderValue; a name is listed once and is not one nginx frames the
// response with.
var AddHeaders = Grammar[[]Header]{
	Name: "comma-separated Name: Value[: always]",
	Parse: func(s string, _ Context) ([]Header, error) {
		var out []Header
		seen := map[string]bool{}
		for i, entry := range strings.Split(s, ",") {
			entry = strings.TrimSpace(entry)
			name, rest, ok := strings.Cut(entry, ":")
			if !ok {
				return nil, errorf("entry %d of %q is not \"Name: Value\"", i+1, s)
			}
			name = strings.TrimSpace(name)
			if err := CheckHeaderName(name); err != nil {
				return nil, err
			}
			lower := strings.ToLower(name)
			if why, ok := reservedHeaders[lower]; ok {
				return nil, errorf("header %q may not be added: %s", name, why)
			}
			if seen[lower] {
				return nil, errorf("header %q is listed twice in %q", name, s)
			}
			seen[lower] = true
			h := Header{Name: name, Value: strings.TrimSpace(rest)}
			if v, flag, ok := cutLast(h.Value, ":"); ok && strings.EqualFold(strings.TrimSpace(flag), "always") {
				h.Value, h.Always = strings.TrimSpace(v), true
			}
			if err := CheckHeaderValue(h.Value); err != nil {
				return nil, errorf("header %q: %v", name, err)
			}
			out = append(out, h)
		}
		return out, nil
	},
	Format: func(v []Header) string {
		parts := make([]string, len(v))
		for i, h := range v {
			parts[i] = h.Name + ": " + h.Value
			if h.Always {
				parts[i] += ": always"
			}
		}
		return strings.Join(parts, ", ")
	},
}

func cutLast(s, sep string) (before, after string, found bool) {
	if i := strings.LastIndex(s, sep); i >= 0 {
		return s[:i], s[i+len(sep):], true
	}
	return s, "", false
}

// HeaderList is a comma-separated list of header names (CheckHeaderName),
// white space around each ignored, none twice (case-insensitively).
var HeaderList = headerList(false)

// CORSHeaders is a CORS header list: header names, or "*" alone.
var CORSHeaders = headerList(true)

func headerList(star bool) Grammar[[]string] {
	name := "comma-separated header names"
	if star {
		name += ", or *"
	}
	return Grammar[[]string]{
		Name: name,
		Parse: func(s string, _ Context) ([]string, error) {
			items, err := splitList(s)
			if err != nil {
				return nil, err
			}
			if star && len(items) == 1 && items[0] == "*" {
				return items, nil
			}
			seen := map[string]bool{}
			for _, h := range items {
				if h == "*" && star {
					return nil, errorf(`"*" must be the whole list, got %q`, s)
				}
				check := CheckHeaderName
				if !star {
					check = CheckHashedHeaderName
				}
				if err := check(h); err != nil {
					return nil, err
				}
				if seen[strings.ToLower(h)] {
					return nil, errorf("header %q is listed twice in %q", h, s)
				}
				seen[strings.ToLower(h)] = true
			}
			return items, nil
		},
		Format: func(v []string) string { return strings.Join(v, ", ") },
	}
}

// splitList splits a comma-separated list, trimming white space around each
// entry; an empty entry is refused.
func splitList(s string) ([]string, error) {
	var out []string
	for i, item := range strings.Split(s, ",") {
		item = strings.Trim(item, " \t")
		if item == "" {
			return nil, errorf("entry %d of %q is empty: separate entries with single commas", i+1, s)
		}
		out = append(out, item)
	}
	return out, nil
}

// CORSMethods is a comma-separated list of HTTP method names (letters, at
// most 32 each), as ingress-nginx's cors-allow-methods.
var CORSMethods = Grammar[[]string]{
	Name: "comma-separated methods",
	Parse: func(s string, _ Context) ([]string, error) {
		items, err := splitList(s)
		if err != nil {
			return nil, err
		}
		for _, m := range items {
			if len(m) > 32 || strings.Trim(m, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz") != "" {
				return nil, errorf("entry %q of %q is not a method name (letters only)", m, s)
			}
		}
		return items, nil
	},
	Format: func(v []string) string { return strings.Join(v, ", ") },
}

// CORSOrigins is ingress-nginx's cors-allow-origin: "*" alone, or a
// comma-separated list of origins scheme://host[:port], the host's
// left-most label possibly "*" (one label of any subdomain). Schemes and
// hosts are stored lower-case (browsers send them so; matching ignores
// case). "null" is refused: sandboxed documents and local files all send it.
var CORSOrigins = Grammar[[]string]{
	Name: "* or comma-separated origins scheme://host[:port] (https://*.example.com for one subdomain label)",
	Parse: func(s string, _ Context) ([]string, error) {
		items, err := splitList(s)
		if err != nil {
			return nil, err
		}
		if len(items) == 1 && items[0] == "*" {
			return items, nil
		}
		seen := map[string]bool{}
		for i, o := range items {
			if o == "*" {
				return nil, errorf(`"*" must be the whole list, got %q`, s)
			}
			if err := checkOrigin(o); err != nil {
				return nil, err
			}
			items[i] = strings.ToLower(o)
			if seen[items[i]] {
				return nil, errorf("origin %q is listed twice in %q", o, s)
			}
			seen[items[i]] = true
		}
		return items, nil
	},
	Format: func(v []string) string { return strings.Join(v, ",") },
}

func checkOrigin(o string) error {
	if strings.EqualFold(o, "null") {
		return errorf(`origin "null" is not allowed: sandboxed documents, redirects and local files all send it, so it would admit any of them`)
	}
	scheme, rest, ok := strings.Cut(o, "://")
	if !ok || !isScheme(scheme) {
		return errorf("origin %q must be scheme://host[:port] (e.g. https://app.example.com)", o)
	}
	host, port, hasPort := strings.Cut(rest, ":")
	if hasPort {
		n, err := strconv.Atoi(port)
		if err != nil || n < 1 || n > 65535 || strconv.Itoa(n) != port {
			return errorf("origin %q: port %q must be 1 to 65535", o, port)
		}
	}
	if strings.ContainsAny(host, "/?#") {
		return errorf("origin %q must be scheme://host[:port]: an origin has no path, query or trailing slash", o)
	}
	labels := strings.Split(host, ".")
	if len(host) > 253 {
		return errorf("origin %q: host is longer than 253 bytes", o)
	}
	for i, l := range labels {
		if l == "*" && i == 0 && len(labels) > 2 {
			continue
		}
		if l == "*" || strings.Contains(l, "*") {
			return errorf(`origin %q: "*" may only be the whole left-most label of a host with at least two more labels (https://*.example.com)`, o)
		}
		if !isLabel(l) {
			return errorf("origin %q: host label %s is not letters, digits and inner hyphens (at most 63)", o, quoteOrEmpty(l))
		}
	}
	return nil
}

func isScheme(s string) bool {
	if s == "" || len(s) > 32 || s[0] < 'a' || s[0] > 'z' {
		return false
	}
	return strings.Trim(s, "abcdefghijklmnopqrstuvwxyz0123456789+.-") == ""
}

func isLabel(l string) bool {
	if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
		return false
	}
	return strings.Trim(l, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-") == ""
}

// RedirectFrom is the first argument of nginx's proxy_redirect: "off",
// "default", or a RedirectTarget (the start of the backend's Location and
// Refresh headers to replace).
var RedirectFrom = Grammar[string]{
	Name: "off, default, an http(s) URL or a path starting with /",
	Parse: func(s string, c Context) (string, error) {
		if s == "off" || s == "default" {
			return s, nil
		}
		return RedirectTarget.Parse(s, c)
	},
	Format: func(v string) string { return v },
}

// RedirectTarget is an absolute http(s) URL (HTTPURL) or a path starting
// with "/" of at most 1024 URL characters: no white space, quotes, ; { } $
// \ < > ^ |, so never an nginx variable, and not "~" first (a regular
// expression in proxy_redirect).
var RedirectTarget = Grammar[string]{
	Name: "an http(s) URL or a path starting with /",
	Parse: func(s string, c Context) (string, error) {
		if len(s) > 1024 {
			return "", errorf("must be at most 1024 bytes, got %d", len(s))
		}
		if strings.HasPrefix(s, "/") {
			for i := 0; i < len(s); i++ {
				if c := s[i]; c <= ' ' || c >= 0x7f || strings.IndexByte(urlForbidden, c) >= 0 {
					return "", errorf("character %q at offset %d of %q is not allowed in a path (no white space, quotes, ; { } $ \\ < > ^ |; percent-encode it)", c, i, s)
				}
			}
			return s, nil
		}
		if _, err := HTTPURL.Parse(s, c); err != nil {
			return "", errorf("must be an http(s) URL or a path starting with /: %v", err)
		}
		return s, nil
	},
	Format: func(v string) string { return v },
}

// reservedRequestHeaders are request headers an Ingress may not send to its
// backends: portcullis sets them on every proxied request (a second copy
// would leave the backend to pick one, and a client-influenced one could be
// trusted), or they frame the request or the connection.
var reservedRequestHeaders = map[string]string{
	"host":                     "it is the request's host (set another with upstream-vhost)",
	"x-request-id":             "portcullis sets it on every request",
	"x-real-ip":                "portcullis sets it to the client's address",
	"x-forwarded-for":          "portcullis sets it to the client's address",
	"x-original-forwarded-for": "portcullis sets it from a trusted load balancer",
	"x-forwarded-proto":        "portcullis sets it on every request",
	"x-forwarded-host":         "portcullis sets it on every request",
	"x-forwarded-port":         "portcullis sets it on every request",
	"x-forwarded-scheme":       "portcullis sets it on every request",
	"x-scheme":                 "portcullis sets it on every request",
	"x-forwarded-prefix":       "portcullis sets it (use x-forwarded-prefix)",
	"content-length":           "nginx frames the request",
	"transfer-encoding":        "nginx frames the request",
	"connection":               "it is hop-by-hop",
	"keep-alive":               "it is hop-by-hop",
	"upgrade":                  "it is hop-by-hop (portcullis passes WebSocket upgrades itself)",
	"trailer":                  "it is hop-by-hop",
	"te":                       "it is hop-by-hop",
	"proxy-connection":         "it is hop-by-hop",
}

// CheckHashedHeaderName checks a header name nginx keeps in a location's
// header hash: CheckHeaderName, at most MaxHashedHeaderName bytes.
func CheckHashedHeaderName(s string) error {
	if err := CheckHeaderName(s); err != nil {
		return err
	}
	if len(s) > MaxHashedHeaderName {
		return errorf("header name %q is %d bytes; nginx holds at most %d here", s, len(s), MaxHashedHeaderName)
	}
	return nil
}

// ReservedRequestHeader reports why a request header is not an Ingress's to
// send to its backends: one portcullis sets on every proxied request (the
// forwarding headers and a client certificate's ssl-client-* identity) or
// one that frames the request. "" when it is free. "_" counts as "-":
// servers that read headers as CGI variables do not tell them apart.
func ReservedRequestHeader(name string) string {
	lower := strings.ReplaceAll(strings.ToLower(name), "_", "-")
	if why, ok := reservedRequestHeaders[lower]; ok {
		return why
	}
	if strings.HasPrefix(lower, "ssl-client-") {
		return "portcullis sets the ssl-client-* headers from the verified client certificate, and clears them elsewhere"
	}
	return ""
}

// RequestHeader is one header sent to the backends (NGINX Inc's
// nginx.org/proxy-set-headers). An empty Value is a bare name: the client's
// own header, which nginx passes on anyway.
type RequestHeader struct {
	Name, Value string
}

// ProxySetHeaders is NGINX Inc's nginx.org/proxy-set-headers:
// comma-separated entries "Name: Value", or "Name" alone (the client's
// header, as NGINX Inc wrote it), white space around each part ignored. A
// value has no comma (the separator) and is checked by CheckHeaderValue; a
// name is listed once and is not one ReservedRequestHeader names.
var ProxySetHeaders = Grammar[[]RequestHeader]{
	Name: "comma-separated Name[: Value]",
	Parse: func(s string, _ Context) ([]RequestHeader, error) {
		var out []RequestHeader
		seen := map[string]bool{}
		for i, entry := range strings.Split(s, ",") {
			name, value, hasValue := strings.Cut(strings.TrimSpace(entry), ":")
			name = strings.TrimSpace(name)
			if name == "" {
				return nil, errorf("entry %d of %q has no header name", i+1, s)
			}
			if err := CheckHashedHeaderName(name); err != nil {
				return nil, err
			}
			if strings.Contains(name, "_") {
				return nil, errorf("header %q may not be set: a name with \"_\" reads as its \"-\" spelling to servers that see headers as CGI variables (nginx drops such headers from clients)", name)
			}
			if why := ReservedRequestHeader(name); why != "" {
				return nil, errorf("header %q may not be set: %s", name, why)
			}
			lower := strings.ToLower(name)
			if seen[lower] {
				return nil, errorf("header %q is listed twice in %q", name, s)
			}
			seen[lower] = true
			h := RequestHeader{Name: name}
			if hasValue {
				h.Value = strings.TrimSpace(value)
				if err := CheckHeaderValue(h.Value); err != nil {
					return nil, errorf("header %q: %v", name, err)
				}
			}
			out = append(out, h)
		}
		return out, nil
	},
	Format: func(v []RequestHeader) string {
		parts := make([]string, len(v))
		for i, h := range v {
			parts[i] = h.Name
			if h.Value != "" {
				parts[i] += ": " + h.Value
			}
		}
		return strings.Join(parts, ", ")
	},
}

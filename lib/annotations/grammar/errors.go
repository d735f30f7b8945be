package grammar

import (
	"slices"
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation"
)

// MaxErrorCodes is the most status codes one Ingress may send to its default
// backend (NGINX Inc's limit; "4xx,5xx" is 199).
const MaxErrorCodes = 300

// ErrorCode reports whether nginx's error_page takes code: 300 to 599, but
// not 499 (nginx's own "client closed the connection", which it refuses).
func ErrorCode(code int) bool { return code >= 300 && code <= 599 && code != 499 }

// HTTPErrors is ingress-nginx's custom-http-errors: comma-separated status
// codes from 400 to 599 (spaces around an entry allowed, as ingress-nginx
// trims them), stored sorted without duplicates. 499 is refused: nginx's
// error_page does not take it.
var HTTPErrors = Grammar[[]int]{
	Name:   "comma-separated status codes 400–599",
	Parse:  func(s string, _ Context) ([]int, error) { return parseCodes(s, 400, false) },
	Format: formatCodes,
}

// NGINXHTTPErrors is NGINX Inc's custom-http-errors: comma-separated status
// codes from 300 to 599 or the ranges "4xx" and "5xx" (any case), spaces
// around an entry allowed; stored sorted without duplicates, at most
// MaxErrorCodes. 499 is refused, and left out of the ranges, as NGINX Inc
// does.
var NGINXHTTPErrors = Grammar[[]int]{
	Name:   "comma-separated status codes 300–599, 4xx or 5xx",
	Parse:  func(s string, _ Context) ([]int, error) { return parseCodes(s, 300, true) },
	Format: formatCodes,
}

func parseCodes(s string, lo int, ranges bool) ([]int, error) {
	var out []int
	for i, item := range strings.Split(s, ",") {
		item = strings.Trim(item, " ")
		if r := strings.ToLower(item); ranges && (r == "4xx" || r == "5xx") {
			base := 400
			if r == "5xx" {
				base = 500
			}
			for c := base; c < base+100; c++ {
				if ErrorCode(c) {
					out = append(out, c)
				}
			}
			continue
		}
		if item == "" {
			return nil, errorf("entry %d of %q is empty: list status codes separated by commas", i+1, s)
		}
		n, ok := parseDecimal(item, 3, false)
		switch {
		case !ok || len(item) != 3:
			want := "a status code"
			if ranges {
				want += `, "4xx" or "5xx"`
			}
			return nil, errorf("entry %q of %q is not %s", item, s, want)
		case n == 499:
			return nil, errorf("499 is not accepted: nginx's error_page refuses it (it means the client closed the connection)")
		case int(n) < lo || n > 599:
			return nil, errorf("status code %d is not from %d to 599", n, lo)
		}
		out = append(out, int(n))
	}
	slices.Sort(out)
	out = slices.Compact(out)
	if len(out) > MaxErrorCodes {
		return nil, errorf("%d status codes are more than %d", len(out), MaxErrorCodes)
	}
	return out, nil
}

func formatCodes(v []int) string {
	parts := make([]string, len(v))
	for i, c := range v {
		parts[i] = strconv.Itoa(c)
	}
	return strings.Join(parts, ",")
}

// ServiceName is a Service of the Ingress's own namespace: a DNS-1035 label,
// as ingress-nginx's default-backend takes it. "namespace/name" is refused:
// a default backend in another namespace would let one team's Ingress send
// its traffic to another team's Service.
var ServiceName = Grammar[string]{
	Name: "service name (the Ingress's namespace)",
	Parse: func(s string, _ Context) (string, error) {
		if ns, _, ok := strings.Cut(s, "/"); ok {
			return "", errorf("must name a Service in the Ingress's own namespace, without a namespace, got %q (namespace %q)", s, ns)
		}
		if msgs := validation.IsDNS1035Label(s); len(msgs) > 0 {
			return "", errorf("%q is not a valid service name: %s", s, strings.Join(msgs, "; "))
		}
		return s, nil
	},
	Format: func(v string) string { return v },
}

package grammar

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"
)

var sizeRE = regexp.MustCompile(`^([0-9]{1,12})([kKmM]?)$`)

// NginxSize is nginx's size syntax: a number of bytes with an optional k or m
// suffix (either case). It is stored in bytes and formatted with the largest
// exact suffix.
var NginxSize = Grammar[int64]{
	Name: "nginx size (e.g. 4k, 10m)",
	Parse: func(s string, _ Context) (int64, error) {
		m := sizeRE.FindStringSubmatch(s)
		if m == nil {
			return 0, errorf("must be an nginx size: a number with an optional k or m suffix such as %q or %q, got %q", "4k", "10m", s)
		}
		n, _ := strconv.ParseInt(m[1], 10, 64)
		switch strings.ToLower(m[2]) {
		case "k":
			n <<= 10
		case "m":
			n <<= 20
		}
		return n, nil
	},
	Format: func(v int64) string {
		switch {
		case v != 0 && v%(1<<20) == 0:
			return strconv.FormatInt(v>>20, 10) + "m"
		case v != 0 && v%(1<<10) == 0:
			return strconv.FormatInt(v>>10, 10) + "k"
		}
		return strconv.FormatInt(v, 10)
	},
}

// nginxUnits are nginx's time units, largest first, as ngx_parse_time reads them.
var nginxUnits = []struct {
	name string
	d    time.Duration
}{
	{"y", 365 * 24 * time.Hour},
	{"M", 30 * 24 * time.Hour},
	{"w", 7 * 24 * time.Hour},
	{"d", 24 * time.Hour},
	{"h", time.Hour},
	{"m", time.Minute},
	{"s", time.Second},
	{"ms", time.Millisecond},
}

var timePartRE = regexp.MustCompile(`^([0-9]{1,9})(ms|y|M|w|d|h|m|s)?`)

// maxNginxTime keeps sums of parts far from overflowing time.Duration.
const maxNginxTime = 100 * 365 * 24 * time.Hour

// NginxTime is nginx's time syntax: parts like 1h30m with units y M w d h m s
// ms in decreasing order, each at most once; a bare number is seconds.
var NginxTime = Grammar[time.Duration]{
	Name: "nginx time (e.g. 10m, 1h30m)",
	Parse: func(s string, _ Context) (time.Duration, error) {
		bad := errorf("must be an nginx time such as %q or %q (units y M w d h m s ms, largest first), got %q", "10m", "1h30m", s)
		if s == "" {
			return 0, bad
		}
		var total time.Duration
		last := -1
		for rest := s; rest != ""; {
			m := timePartRE.FindStringSubmatch(rest)
			if m == nil {
				return 0, bad
			}
			unit := m[2]
			if unit == "" {
				if len(m[0]) != len(rest) {
					return 0, bad
				}
				unit = "s"
			}
			idx := unitIndex(unit)
			if idx <= last {
				return 0, bad
			}
			last = idx
			n, _ := strconv.ParseInt(m[1], 10, 64)
			if time.Duration(n) > maxNginxTime/nginxUnits[idx].d {
				return 0, errorf("%q is longer than 100 years", s)
			}
			total += time.Duration(n) * nginxUnits[idx].d
			if total > maxNginxTime {
				return 0, errorf("%q is longer than 100 years", s)
			}
			rest = rest[len(m[0]):]
		}
		return total, nil
	},
	Format: func(v time.Duration) string {
		if v == 0 {
			return "0s"
		}
		var b strings.Builder
		for _, u := range []string{"d", "h", "m", "s", "ms"} {
			d := nginxUnits[unitIndex(u)].d
			if n := v / d; n > 0 {
				fmt.Fprintf(&b, "%d%s", n, u)
				v -= n * d
			}
		}
		return b.String()
	},
}

func unitIndex(name string) int {
	for i, u := range nginxUnits {
		if u.name == name {
			return i
		}
	}
	return math.MaxInt
}

// ValidPath reports whether p is in portcullis's path grammar, the one
// grammar of paths (Ingress paths, AbsPaths entries, what the renderer writes):
// ^/[A-Za-z0-9._~%/-]*$: ingress-nginx's strict rule plus ~ and %. No regular
// expressions reach nginx. (Hand-written: it runs for every path on every
// admission, and a regexp costs more than the rest of the structure checks.)
func ValidPath(p string) bool {
	if p == "" || p[0] != '/' {
		return false
	}
	for i := 1; i < len(p); i++ {
		c := p[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case c == '.', c == '_', c == '~', c == '%', c == '/', c == '-':
		default:
			return false
		}
	}
	return true
}

// AbsPaths is a comma-separated list of absolute URL paths made of
// [A-Za-z0-9._~%/-] (portcullis's path rule), with no spaces.
var AbsPaths = Grammar[[]string]{
	Name: "comma-separated absolute paths",
	Parse: func(s string, _ Context) ([]string, error) {
		var out []string
		for _, p := range strings.Split(s, ",") {
			if !ValidPath(p) {
				return nil, errorf("entry %s of %q is not an absolute path made of letters, digits and . _ ~ %% / -", quoteOrEmpty(p), s)
			}
			out = append(out, p)
		}
		return out, nil
	},
	Format: func(v []string) string { return strings.Join(v, ",") },
}

var daysRE = regexp.MustCompile(`^([0-9]{1,6})d$`)

// GoDuration is a Go duration (time.ParseDuration: units ns us ms s m h) of at
// least min. nginx's and cert-manager's users often write "90d"; the message
// gives the hours instead.
func GoDuration(min time.Duration) Grammar[time.Duration] {
	return Grammar[time.Duration]{
		Name: fmt.Sprintf("Go duration ≥ %s (e.g. 2160h; no d unit)", shortDuration(min)),
		Parse: func(s string, _ Context) (time.Duration, error) {
			d, err := time.ParseDuration(s)
			if err != nil {
				if m := daysRE.FindStringSubmatch(s); m != nil {
					n, _ := strconv.Atoi(m[1])
					return 0, errorf(`must be a Go duration (units ns, us, ms, s, m, h); "d" is not a unit: write %q as "%dh"`, s, n*24)
				}
				if strings.Contains(s, "d") {
					return 0, errorf(`must be a Go duration such as "2160h" (units ns, us, ms, s, m, h; "d" is not a unit), got %q`, s)
				}
				return 0, errorf(`must be a Go duration such as "2160h" or "90m" (units ns, us, ms, s, m, h), got %q`, s)
			}
			if d < min {
				return 0, errorf("must be at least %s, got %q", shortDuration(min), s)
			}
			return d, nil
		},
		Format: func(v time.Duration) string { return v.String() },
	}
}

// shortDuration renders 1h0m0s as 1h and 5m0s as 5m.
func shortDuration(d time.Duration) string {
	s := d.String()
	s = strings.TrimSuffix(s, "0s")
	s = strings.TrimSuffix(s, "0m")
	if s == "" {
		return "0s"
	}
	return s
}

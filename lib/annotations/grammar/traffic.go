package grammar

import (
	"regexp"
	"strconv"
	"strings"
	"time"
)

// maxBodySize is the largest request body limit portcullis writes: far below
// nginx's off_t limit, so no suffix can overflow.
const maxBodySize = 1 << 50

var offsetRE = regexp.MustCompile(`^([0-9]{1,16})([kKmMgG]?)$`)

// BodySize is nginx's client_max_body_size syntax (ngx_parse_offset): a
// number of bytes with an optional k, m or g suffix (either case); 0 means no
// limit. It is stored in bytes and formatted with the largest exact suffix.
var BodySize = Grammar[int64]{
	Name: "nginx size (e.g. 8m, 512k, 1g; 0 = no limit)",
	Parse: func(s string, _ Context) (int64, error) {
		m := offsetRE.FindStringSubmatch(s)
		if m == nil {
			return 0, errorf("must be an nginx size: a number with an optional k, m or g suffix such as %q or %q (0: no limit), got %q", "8m", "512k", s)
		}
		n, _ := strconv.ParseInt(m[1], 10, 64)
		shift := map[string]uint{"": 0, "k": 10, "m": 20, "g": 30}[strings.ToLower(m[2])]
		if n > maxBodySize>>shift {
			return 0, errorf("%q is more than 1024 terabytes", s)
		}
		return n << shift, nil
	},
	Format: func(v int64) string {
		for _, u := range []struct {
			suffix string
			shift  uint
		}{{"g", 30}, {"m", 20}, {"k", 10}} {
			if v != 0 && v%(1<<u.shift) == 0 {
				return strconv.FormatInt(v>>u.shift, 10) + u.suffix
			}
		}
		return strconv.FormatInt(v, 10)
	},
}

// MaxProxyTimeout is the longest timeout portcullis writes: 2^31-1
// milliseconds (about 24.8 days), the longest timer nginx keeps on every
// platform (its timer differences are signed machine words).
const MaxProxyTimeout = (1<<31 - 1) * time.Millisecond

// Seconds is ingress-nginx's proxy timeout syntax: a decimal number of
// seconds, 1 to 2147483 (MaxProxyTimeout).
var Seconds = Grammar[time.Duration]{
	Name: "seconds 1–2147483",
	Parse: func(s string, _ Context) (time.Duration, error) {
		n, ok := parseDecimal(s, 7, false)
		if !ok || n < 1 || time.Duration(n)*time.Second > MaxProxyTimeout {
			hint := ""
			if _, err := NginxTime.Parse(s, Context{}); err == nil {
				hint = " (ingress-nginx takes plain seconds, without a unit)"
			}
			return 0, errorf("must be a number of seconds from 1 to 2147483, got %q%s", s, hint)
		}
		return time.Duration(n) * time.Second, nil
	},
	Format: func(v time.Duration) string { return strconv.FormatInt(int64(v/time.Second), 10) },
}

// ProxyTimeout is NGINX Inc's proxy timeout syntax: an nginx time ("60s",
// "1m30s", "500ms"; a bare number is seconds), more than 0 and at most
// MaxProxyTimeout.
var ProxyTimeout = Grammar[time.Duration]{
	Name: "nginx time (e.g. 60s, 1m30s, 500ms)",
	Parse: func(s string, c Context) (time.Duration, error) {
		v, err := NginxTime.Parse(s, c)
		if err != nil {
			return 0, err
		}
		if v <= 0 || v > MaxProxyTimeout {
			return 0, errorf("must be more than 0 and at most 24d20h31m23s647ms (2^31-1 ms, the longest timer nginx keeps on every platform), got %q", s)
		}
		return v, nil
	},
	Format: NginxTime.Format,
}

// NGINXBool is NGINX Inc's spelling of a boolean in the keys whose
// documentation writes it capitalised (nginx.org/proxy-buffering: "True"):
// "true", "false", "True" or "False".
var NGINXBool = Grammar[bool]{
	Name: "true|false|True|False",
	Parse: func(s string, _ Context) (bool, error) {
		switch s {
		case "true", "True":
			return true, nil
		case "false", "False":
			return false, nil
		}
		return false, notOneOf(s, []string{"true", "false", "True", "False"})
	},
	Format: strconv.FormatBool,
}

// HTTPVersion is the HTTP version spoken to backends: "1.0" or "1.1".
var HTTPVersion = Enum("1.0", "1.1")

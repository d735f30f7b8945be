package grammar

import (
	"net/netip"
	"strings"
)

// SourceRanges is ingress-nginx's list of client addresses
// (whitelist-source-range and kin): IPv4 and IPv6 addresses and CIDRs
// separated by "," (each separator may be followed by spaces, as
// ingress-nginx allows). Each entry is parsed strictly (no zones, no
// leading zeros, no host names) and kept as its canonical CIDR with the host
// bits cleared ("10.0.0.1/8" is "10.0.0.0/8", as nginx reads it), so only
// digits, hex letters, ".", ":" and "/" reach the data plane.
var SourceRanges = Grammar[[]string]{
	Name: "comma-separated IPv4/IPv6 addresses and CIDRs",
	Parse: func(s string, _ Context) ([]string, error) {
		if s == "" {
			return nil, errorf(`must list IP addresses or CIDRs separated by ",", got ""`)
		}
		var out []string
		for i, e := range strings.Split(s, ",") {
			if i > 0 {
				e = strings.TrimLeft(e, " ")
			}
			p, err := SourceRange(e)
			if err != nil {
				return nil, errorf("entry %s of %q %v", quoteOrEmpty(e), s, err)
			}
			out = append(out, p.String())
		}
		return out, nil
	},
	Format: func(v []string) string { return strings.Join(v, ",") },
}

// SourceRange parses one address ("192.0.2.7", "2001:db8::1") or CIDR
// ("192.0.2.0/24") into its prefix with the host bits cleared.
func SourceRange(e string) (netip.Prefix, error) {
	if strings.Contains(e, "/") {
		p, err := netip.ParsePrefix(e)
		if err != nil {
			return netip.Prefix{}, errorf("is not an IP address or CIDR")
		}
		return p.Masked(), nil
	}
	a, err := netip.ParseAddr(e)
	if err != nil || a.Zone() != "" {
		return netip.Prefix{}, errorf("is not an IP address or CIDR")
	}
	return netip.PrefixFrom(a, a.BitLen()), nil
}

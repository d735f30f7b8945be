package nginxpolicy

import (
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/seed-d040b84d/portcullis/lib/findings"
)

// The TLS versions egressMTLS.protocols may list, oldest first. This is also
// the order of EgressMTLS.Protocols.
var (
	modernProtocols = []string{"TLSv1.2", "TLSv1.3"}
	legacyProtocols = []string{"TLSv1", "TLSv1.1"}
	protocolOrder   = []string{"TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"}
)

// DefaultProtocols is what portcullis uses when egressMTLS.protocols is unset.
// NGINX's default also enables TLSv1 and TLSv1.1; portcullis does not.
func DefaultProtocols() []string { return slices.Clone(modernProtocols) }

// parseProtocols turns a space-separated protocol list into the enabled
// versions, oldest first. Each bad entry is its own finding.
func parseProtocols(path *field.Path, value string, opts Options, f *findings.Set) []string {
	allowed := modernProtocols
	if opts.AllowLegacyTLS {
		allowed = protocolOrder
	}
	if value == "" {
		return DefaultProtocols()
	}
	tokens := strings.Fields(value)
	if len(tokens) == 0 {
		f.Errorf(path, value, "got %q, a blank list; list protocols separated by spaces from %s, "+
			"or leave protocols unset for %q", value, findings.QuoteList(allowed), strings.Join(modernProtocols, " "))
		return nil
	}

	seen := map[string]bool{}
	for _, tok := range tokens {
		switch {
		case slices.Contains(allowed, tok):
			if seen[tok] {
				f.Warnf(path, "%s is listed more than once", tok)
			}
			seen[tok] = true
		case slices.Contains(legacyProtocols, tok):
			f.Errorf(path, tok, "got %q, a legacy protocol that is allowed only when the controller's ConfigMap sets "+
				"allow-legacy-tls: \"true\"; allowed: %s", tok, findings.QuoteList(allowed))
		case strings.ContainsAny(tok, ",:;"):
			f.Errorf(path, tok, "got %q: protocols are separated by spaces, not commas, colons or semicolons; "+
				"allowed: %s", tok, findings.QuoteList(allowed))
		default:
			if c, ok := equalFold(tok, protocolOrder); ok {
				f.Errorf(path, tok, "got %q: protocol names are case-sensitive; did you mean %q?", tok, c)
				continue
			}
			f.NotSupported(path, tok, allowed)
		}
	}
	var out []string
	for _, p := range protocolOrder {
		if seen[p] {
			out = append(out, p)
		}
	}
	return out
}

func equalFold(s string, candidates []string) (string, bool) {
	for _, c := range candidates {
		if strings.EqualFold(s, c) {
			return c, true
		}
	}
	return "", false
}

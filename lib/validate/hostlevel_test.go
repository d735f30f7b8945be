package validate

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/seed-d040b84d/portcullis/lib/annotations"
)

// TestEveryHostKeyIsCompared: each host-scoped annotation of either dialect
// is either one compareHost refuses a difference in (or use-regex, which any
// Ingress of a host sets for all) or in hostLevels, so a newer Ingress
// setting it differently from the host's oldest is never ignored silently.
func TestEveryHostKeyIsCompared(t *testing.T) {
	inLevels := map[hostKey]bool{}
	for _, l := range hostLevels {
		for _, k := range l.keys {
			assert.False(t, inLevels[k], "%s is in two host-level settings", k.key)
			inLevels[k] = true
		}
	}
	for _, table := range []*annotations.Table{annotations.TableFor(annotations.DialectIngressNginx), annotations.TableFor(annotations.DialectNginxOrg)} {
		for _, r := range table.Rows {
			k := hostKey{table.Dialect, r.Key}
			if r.Scope != annotations.ScopeHost {
				assert.False(t, inLevels[k], "%s is not host-scoped", r.Key)
				continue
			}
			assert.True(t, comparedHostKeys[r.Key] || inLevels[k], "host-scoped %s is neither compared nor in hostLevels", r.Key)
		}
	}
}

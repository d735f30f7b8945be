package nginx

import (
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/seed-d040b84d/portcullis/controller/dataplane"
)

// TestPatternEndsAtTheEnd: every end anchor a location pattern has is
// `\z`, never PCRE's "$", which also matches before a final newline (a
// decoded "%0A"): nginx matches exactly what lib's RE2 judged. Go's RE2
// reads `\z` as nginx's PCRE does, so each pattern is checked on both
// paths here.
func TestPatternEndsAtTheEnd(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		loc              dataplane.Location
		want             string
		match, noNewline string
	}{
		{dataplane.Location{Path: "/status$", Regex: true, Match: dataplane.MatchPrefix}, `^/status\z`, "/status", "/status\n"},
		{dataplane.Location{Path: "/items/[0-9]+", Regex: true, Match: dataplane.MatchExact}, `^/items/[0-9]+\z`, "/items/7", "/items/7\n"},
		{dataplane.Location{Path: "/menu", Match: dataplane.MatchExact}, `^/menu\z`, "/menu", "/menu\n"},
		{dataplane.Location{Path: "/docs", Match: dataplane.MatchPrefix}, `^/docs(/|\z)`, "/docs", "/docs\n"},
	} {
		got := pattern(c.loc)
		assert.Equal(t, c.want, got, c.loc.Path)
		assert.NotContains(t, got, "$", c.loc.Path)
		re := regexp.MustCompile(got)
		assert.True(t, re.MatchString(c.match), "%s does not match %q", got, c.match)
		assert.False(t, re.MatchString(c.noNewline), "%s matches %q", got, c.noNewline)
	}
}

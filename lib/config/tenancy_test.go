package config

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/util/validation"
)

func TestParseShareHostsWith(t *testing.T) {
	t.Parallel()
	good := map[string][]string{
		"team-b":         {"team-b"},
		"team-b,team-c":  {"team-b", "team-c"},
		"team-b, team-c": {"team-b", "team-c"},
		"a,b-1,c2":       {"a", "b-1", "c2"},
	}
	for in, want := range good {
		got, err := ParseShareHostsWith(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
	}
	bad := map[string]string{
		"":                `got ""`,
		"team-b,":         "entry 2",
		"team-b,  team-c": `entry " team-c"`,
		" team-b":         `entry " team-b"`,
		"team-b;team-c":   `entry "team-b;team-c"`,
		"Team-B":          `entry "Team-B"`,
		"team-b,team-b":   "listed twice",
		"*":               `entry "*"`,
	}
	for in, msg := range bad {
		_, err := ParseShareHostsWith(in)
		require.Error(t, err, in)
		assert.Contains(t, err.Error(), msg, in)
	}
}

// FuzzParseShareHostsWith: no input panics; what is accepted is a list of
// distinct namespace names that reads back the same when joined.
func FuzzParseShareHostsWith(f *testing.F) {
	for _, s := range []string{"team-b", "team-b, team-c", "a,b", "", ",", "a,,b", "a;b", "Team", "a,a", " a", "a\n,b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		list, err := ParseShareHostsWith(s)
		if err != nil {
			return
		}
		require.NotEmpty(t, list)
		seen := map[string]bool{}
		for _, ns := range list {
			require.Empty(t, validation.IsDNS1123Label(ns), "%q", ns)
			require.False(t, seen[ns], "%q twice", ns)
			seen[ns] = true
		}
		again, err := ParseShareHostsWith(strings.Join(list, ","))
		require.NoError(t, err)
		assert.Equal(t, list, again)
	})
}

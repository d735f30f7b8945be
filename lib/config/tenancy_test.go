package config

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
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

package findings

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

func TestDistance(t *testing.T) {
	t.Parallel()
	cases := []struct {
		a, b string
		want int
	}{
		{"", "", 0},
		{"abc", "abc", 0},
		{"abc", "", 3},
		{"ssl-redirect", "ssl-redirct", 1},
		{"auth-tls-verify-client", "auth-tls-verfiy-client", 1}, // transposition
		{"on", "off", 2},
		{"kitten", "sitting", 3},
	}
	for _, c := range cases {
		assert.Equal(t, c.want, Distance(c.a, c.b), "%q vs %q", c.a, c.b)
		assert.Equal(t, c.want, Distance(c.b, c.a), "%q vs %q", c.b, c.a)
	}
}

func TestClosest(t *testing.T) {
	t.Parallel()
	keys := []string{"proxy-ssl-verify", "proxy-ssl-verify-depth", "proxy-ssl-name"}
	got, ok := Closest("proxy-ssl-verfy", keys)
	assert.True(t, ok)
	assert.Equal(t, "proxy-ssl-verify", got)

	_, ok = Closest("totally-different", keys)
	assert.False(t, ok, "nothing within distance 2")

	_, ok = Closest("proxy-ssl-verify", keys)
	assert.False(t, ok, "an exact match is not a suggestion")
}

func TestNotSupportedMessage(t *testing.T) {
	t.Parallel()
	err := NotSupported(field.NewPath("metadata", "annotations").Key("x"), "optinal", []string{"on", "off", "optional"})
	assert.Equal(t, "metadata.annotations[x]", err.Field)
	assert.Equal(t, `got "optinal", allowed: "on", "off" or "optional"; did you mean "optional"?`, ErrorMessage(err))
}

func TestSetSortAndEntries(t *testing.T) {
	t.Parallel()
	var s Set
	s.Error(field.NewPath("spec", "tls").Index(1), "x", "second")
	s.Error(field.NewPath("spec", "rules"), "y", "first")
	s.Warn(field.NewPath("b"), "w2")
	s.Warn(field.NewPath("a"), "w1")
	assert.False(t, s.Allowed())
	s.Sort()
	assert.Equal(t, []Entry{{"spec.rules", "first"}, {"spec.tls[1]", "second"}}, s.ErrorEntries())
	assert.Equal(t, []Entry{{"a", "w1"}, {"b", "w2"}}, s.WarningEntries())
}

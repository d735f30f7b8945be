package htpasswd

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

const (
	bcrypt = "$2a$10$nLAGPuaVb3vHsW/V0XN4wOffOy3QNJiMRhIaAa2RB8LMoPXbqtWN6"
	apr1   = "$apr1$abcdefgh$M2T3erDstkD7SsE2QQnfH0"
	sha512 = "$6$B2ooAgTErawpm/vg$a6LE.2Asw/6dkpClvyJ/9fEAFJLjtFLvdd4cHJgqR5iNW0vwKKCtpw1BLxv4XMAgE14BDXVsx0kRJ0AG1ibe/1"
)

func TestScheme(t *testing.T) {
	t.Parallel()
	for hash, want := range map[string]Strength{
		bcrypt: Strong, "$2y$05$abc": Strong, sha512: Strong, "$5$x$y": Strong, "$y$j9T$x$y": Strong,
		apr1: Weak, "$1$kbDDJgvZ$0ouC0IT9JQlpETxqlpypM0": Weak, "{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=": Weak, "{SSHA}x": Weak,
		"{PLAIN}s3cret": Refused, "abJnggxhB/yWI": Refused, "s3cret": Refused, "": Refused, "$3$x": Refused,
	} {
		_, got := Scheme(hash)
		assert.Equal(t, want, got, hash)
	}
}

func TestCheck(t *testing.T) {
	t.Parallel()
	path := field.NewPath("data").Key("auth")
	out, fs := Check([]byte("# staff\n\nalice:"+bcrypt+"\nbob:"+apr1+"\n"), path)
	require.True(t, fs.Allowed(), "%v", fs.Errors)
	assert.Equal(t, "alice:"+bcrypt+"\nbob:"+apr1+"\n", string(out))
	require.Len(t, fs.Warnings, 1)
	assert.Contains(t, fs.Warnings[0].String(), `user "bob": Apache MD5 ($apr1$) is weak`)

	for in, msg := range map[string]string{
		"carol:{PLAIN}pw":                     `user "carol": plaintext`,
		"dave:abJnggxhB/yWI":                  `user "dave": DES crypt`,
		"eve":                                 `line 1 is not "user:hash"`,
		":" + bcrypt:                          `line 1 is not "user:hash"`,
		"a b:" + bcrypt:                       "white space",
		"alice:" + bcrypt + "\r\n":            "carriage return",
		"alice:" + bcrypt + "\nalice:" + apr1: `user "alice" is on lines 1 and 2`,
		"# nobody\n":                          "nobody could log in",
		"":                                    "nobody could log in",
	} {
		out, fs := Check([]byte(in), path)
		assert.Nil(t, out, in)
		require.False(t, fs.Allowed(), in)
		assert.Contains(t, fs.Errors[0].Error(), msg, in)
		for _, e := range fs.Errors {
			assert.NotContains(t, e.Error(), "{PLAIN}pw", "a password in a message")
			assert.NotContains(t, e.Error(), bcrypt, "a hash in a message")
		}
	}
}

func TestFromSecret(t *testing.T) {
	t.Parallel()
	sec := &corev1.Secret{Data: map[string][]byte{"bob": []byte(sha512), "alice": []byte(bcrypt)}}
	out, fs := FromSecret(sec, FormatMap, "", field.NewPath("data"))
	require.True(t, fs.Allowed())
	assert.Equal(t, "alice:"+bcrypt+"\nbob:"+sha512+"\n", string(out), "users sorted")
	_, fs = FromSecret(sec, FormatFile, "auth", field.NewPath("data"))
	assert.Contains(t, fs.Errors[0].Error(), `has no key "auth"`)
}

// FuzzCheck: no input panics; what is accepted is only "user:hash" lines of
// printable ASCII whose scheme is not refused, each user once.
func FuzzCheck(f *testing.F) {
	for _, s := range []string{"alice:" + bcrypt, "a:{PLAIN}x\nb:" + apr1, "# c\n\nx:" + sha512 + "\n", "a:b:c", "\x00:\x01", "a:" + bcrypt + "\r\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out, fs := Check([]byte(in), field.NewPath("data"))
		if !fs.Allowed() {
			require.Nil(t, out)
			return
		}
		seen := map[string]bool{}
		for _, line := range strings.Split(strings.TrimSuffix(string(out), "\n"), "\n") {
			user, hash, ok := strings.Cut(line, ":")
			require.True(t, ok && user != "" && !seen[user], "%q", line)
			seen[user] = true
			_, strength := Scheme(hash)
			require.NotEqual(t, Refused, strength, "%q", line)
			for _, c := range []byte(line) {
				require.True(t, c > 0x20 && c < 0x7f, "%q", line)
			}
		}
	})
}

package intent

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestClientCertificateWords: the model's client certificate policies are
// read from and written as the words users write in annotations and
// Policies, so the policies' input reads as the annotations do.
func TestClientCertificateWords(t *testing.T) {
	for word, want := range map[string]ClientCertificate{
		"on": ClientCertRequired, "optional": ClientCertOptional,
		"optional_no_ca": ClientCertOptionalUntrusted, "off": ClientCertNone,
	} {
		t.Run(word, func(t *testing.T) {
			got, ok := ClientCertificateFor(word)
			require.True(t, ok)
			assert.Equal(t, want, got)
			b, err := json.Marshal(ClientAuth{Certificate: want})
			require.NoError(t, err)
			assert.Contains(t, string(b), `"verify":"`+word+`"`)
			var back ClientAuth
			require.NoError(t, json.Unmarshal(b, &back))
			assert.Equal(t, want, back.Certificate)
		})
	}
	_, ok := ClientCertificateFor("required")
	assert.False(t, ok, "the model's own names are not users' words")
	_, err := json.Marshal(ClientAuth{})
	assert.ErrorContains(t, err, "client certificate policy")
	assert.ErrorContains(t, json.Unmarshal([]byte(`{"verify":"yes"}`), &ClientAuth{}), `"yes"`)
}

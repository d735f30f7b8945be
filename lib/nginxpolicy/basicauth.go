package nginxpolicy

import (
	"bytes"
	"encoding/json"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/seed-d040b84d/portcullis/lib/annotations/grammar"
	"github.com/seed-d040b84d/portcullis/lib/findings"
)

// DefaultRealm is the realm of basic authentication that names none.
const DefaultRealm = "Authentication Required"

// BasicAuth is a valid spec.basicAuth.
type BasicAuth struct {
	// Secret names the nginx.org/htpasswd Secret (key htpasswd) in the
	// Policy's namespace.
	Secret string
	Realm  string
}

// basicAuthSpec is NGINX's spec.basicAuth.
type basicAuthSpec struct {
	Secret string `json:"secret"`
	Realm  string `json:"realm"`
}

// normalizeBasicAuth reads spec.basicAuth strictly.
func normalizeBasicAuth(raw *runtime.RawExtension, path *field.Path, f *findings.Set) *BasicAuth {
	var spec basicAuthSpec
	dec := json.NewDecoder(bytes.NewReader(raw.Raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&spec); err != nil {
		f.Errorf(path, string(raw.Raw), "must be {secret: <name>, realm: <text>}: %v", err)
		return nil
	}
	out := &BasicAuth{Secret: spec.Secret, Realm: DefaultRealm}
	checkSecretName(path.Child("secret"), spec.Secret, f)
	if spec.Realm != "" {
		r, err := grammar.Realm.Parse(spec.Realm, grammar.Context{})
		if err != nil {
			f.Errorf(path.Child("realm"), spec.Realm, "%v", err)
		}
		out.Realm = r
	}
	return out
}

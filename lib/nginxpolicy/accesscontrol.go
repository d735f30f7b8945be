package nginxpolicy

import (
	"bytes"
	"encoding/json"
	"fmt"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/seed-d040b84d/portcullis/lib/annotations/grammar"
	"github.com/seed-d040b84d/portcullis/lib/findings"
)

// AccessControl is a valid spec.accessControl: exactly one of Allow and Deny
// holds canonical CIDRs ("10.0.0.0/8", "192.0.2.7/32").
type AccessControl struct {
	Allow []string
	Deny  []string
}

// accessControlSpec is NGINX's spec.accessControl.
type accessControlSpec struct {
	Allow []string `json:"allow"`
	Deny  []string `json:"deny"`
}

// normalizeAccessControl reads spec.accessControl strictly: an unknown field,
// both lists, neither, or an entry that is not an IP address or CIDR is an
// error on its field.
func normalizeAccessControl(raw *runtime.RawExtension, path *field.Path, f *findings.Set) *AccessControl {
	var spec accessControlSpec
	dec := json.NewDecoder(bytes.NewReader(raw.Raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&spec); err != nil {
		f.Errorf(path, string(raw.Raw), "must be {allow: [...]} or {deny: [...]}, lists of IP addresses and CIDRs: %v", err)
		return nil
	}
	switch {
	case spec.Allow != nil && spec.Deny != nil:
		f.Forbidden(path.Child("deny"), "set allow or deny, not both (NGINX refuses both too)")
		return nil
	case len(spec.Allow) == 0 && len(spec.Deny) == 0:
		f.Required(path, "set allow or deny to a non-empty list of IP addresses and CIDRs")
		return nil
	}
	out := &AccessControl{}
	list, child := spec.Allow, "allow"
	if spec.Deny != nil {
		list, child = spec.Deny, "deny"
	}
	var canon []string
	for i, e := range list {
		p, err := grammar.SourceRange(e)
		if err != nil {
			f.Errorf(path.Child(child).Index(i), e, "%s", fmt.Sprint(err))
			continue
		}
		canon = append(canon, p.String())
	}
	if child == "allow" {
		out.Allow = canon
	} else {
		out.Deny = canon
	}
	return out
}

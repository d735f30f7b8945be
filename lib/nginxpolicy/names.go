package nginxpolicy

import (
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/seed-d040b84d/portcullis/lib/findings"
)

// checkSecretName reports a Secret reference that is not the bare name of a
// Secret. NGINX looks every policy Secret up in the Policy's own namespace,
// so "namespace/name" cannot work and is refused with that reason.
func checkSecretName(path *field.Path, name string, f *findings.Set) {
	if ns, n, ok := strings.Cut(name, "/"); ok {
		hint := ""
		if ns != "" && n != "" && !strings.Contains(n, "/") {
			hint = fmt.Sprintf(" (%q), and create the Policy in %q if that is where the Secret is", n, ns)
		}
		f.Errorf(path, name, "got %q, a namespace/name reference; the Secret must be in the Policy's namespace, "+
			"so give only its name%s", name, hint)
		return
	}
	errs := validation.IsDNS1123Subdomain(name)
	if len(errs) == 0 {
		return
	}
	if lower := strings.ToLower(name); lower != name && len(validation.IsDNS1123Subdomain(lower)) == 0 {
		f.Errorf(path, name, "got %q: Secret names are lowercase; did you mean %q?", name, lower)
		return
	}
	f.Errorf(path, name, "got %q, which is not a Secret name: %s", name, strings.Join(errs, "; "))
}

// checkServerName reports an sslName that is not a DNS name NGINX can send
// and verify: no variables (NGINX's own default is $proxy_host, which the
// renderer supplies when sslName is empty), no wildcard.
func checkServerName(path *field.Path, name string, f *findings.Set) {
	switch {
	case strings.Contains(name, "$"):
		f.Errorf(path, name, "got %q: NGINX variables are not allowed here; give a DNS name such as "+
			"\"backend.example.com\", or leave sslName unset to use the upstream's host name", name)
	case strings.HasPrefix(name, "*"):
		f.Errorf(path, name, "got %q: a wildcard is not a server name; give the exact DNS name the upstream's "+
			"certificate is checked against, such as %q", name, strings.TrimPrefix(strings.TrimPrefix(name, "*"), "."))
	default:
		errs := validation.IsDNS1123Subdomain(name)
		if len(errs) == 0 {
			return
		}
		if lower := strings.ToLower(name); lower != name && len(validation.IsDNS1123Subdomain(lower)) == 0 {
			f.Errorf(path, name, "got %q: server names must be lowercase; did you mean %q?", name, lower)
			return
		}
		f.Errorf(path, name, "got %q, which is not a DNS name: %s", name, strings.Join(errs, "; "))
	}
}

# deny-default-certificate: in a namespace labelled portcullis.dev/production:
# "true", every TLS host brings its own certificate (or one cert-manager is
# issuing), never the controller's default.
package portcullis.builtin.deny_default_certificate

import data.portcullis.lib

deny contains {"msg": msg, "field": lib.host_field(host.name)} if {
	"deny-default-certificate" in input.parameters.policies
	input.kind == "Ingress"
	input.namespace.labels["portcullis.dev/production"] == "true"
	some host in input.intent.hosts
	host.tls.certificate == "default"
	msg := sprintf("host %q would be served with the default certificate in production namespace %s (policy deny-default-certificate): give its spec.tls entry a secretName with a valid certificate, or a cert-manager issuer", [host.name, input.namespace.name])
}

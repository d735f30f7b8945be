# require-mtls: in a namespace labelled portcullis.dev/require-mtls: "true",
# every host of an Ingress verifies client certificates.
package portcullis.builtin.require_mtls

import data.portcullis.lib

applies if {
	"require-mtls" in input.parameters.policies
	input.kind == "Ingress"
	input.namespace.labels["portcullis.dev/require-mtls"] == "true"
}

deny contains {"msg": msg, "field": lib.host_field(host.name)} if {
	applies
	some host in input.intent.hosts
	host.termination == "http"
	msg := sprintf("namespace %s requires client certificates (label portcullis.dev/require-mtls), but host %q has no TLS: add a spec.tls entry and client authentication", [input.namespace.name, host.name])
}

deny contains {"msg": msg, "field": lib.host_field(host.name)} if {
	applies
	some host in input.intent.hosts
	host.termination == "tls"
	not host.clientAuth.verify == "on"
	msg := sprintf("namespace %s requires client certificates (label portcullis.dev/require-mtls), but host %q does not require them: set auth-tls-secret with auth-tls-verify-client: \"on\", or an ingressMTLS Policy with verifyClient: \"on\"", [input.namespace.name, host.name])
}

deny contains {"msg": msg, "field": lib.host_field(host.name)} if {
	applies
	some host in input.intent.hosts
	host.termination == "passthrough"
	msg := sprintf("namespace %s requires client certificates (label portcullis.dev/require-mtls), but host %q is passed through, so the controller cannot require them", [input.namespace.name, host.name])
}

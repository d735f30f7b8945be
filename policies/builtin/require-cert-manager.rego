# require-cert-manager: an Ingress with TLS certificates gets them from
# cert-manager (an issuer annotation, which the mutating webhook may add).
package portcullis.builtin.require_cert_manager

import data.portcullis.lib

issuer_keys := {"cert-manager.io/issuer", "cert-manager.io/cluster-issuer"}

has_issuer if {
	some k in issuer_keys
	input.object.metadata.annotations[k] != ""
}

has_issuer if input.object.metadata.annotations["kubernetes.io/tls-acme"] == "true"

deny contains {"msg": msg, "field": lib.secret_field(tls.secretName)} if {
	"require-cert-manager" in input.parameters.policies
	input.kind == "Ingress"
	not has_issuer
	some tls in input.object.spec.tls
	object.get(tls, "secretName", "") != ""
	msg := sprintf("certificate secret %q is not issued by cert-manager (policy require-cert-manager): add cert-manager.io/cluster-issuer or cert-manager.io/issuer", [tls.secretName])
}

# Require client certificates in namespaces labelled
# security.example.com/mtls: required: every host of an Ingress there
# terminates TLS and verifies client certificates.
package portcullis.examples.mtls

labelled if input.namespace.labels["security.example.com/mtls"] == "required"

deny contains {"msg": msg, "field": "spec.rules"} if {
	input.kind == "Ingress"
	labelled
	some host in input.intent.hosts
	not host.clientAuth.verify == "on"
	msg := sprintf("namespace %s requires client certificates, but host %q does not verify them: add nginx.ingress.kubernetes.io/auth-tls-secret and auth-tls-verify-client: \"on\"", [input.namespace.name, host.name])
}

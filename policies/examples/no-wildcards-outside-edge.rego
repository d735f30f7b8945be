# Wildcard certificates stay in the edge namespace: elsewhere, neither a TLS
# entry nor the certificate in its secret may name *.something.
package portcullis.examples.wildcards

deny contains {"msg": msg, "field": sprintf("spec.tls[%d].hosts[%d]", [i, j])} if {
	input.kind == "Ingress"
	input.namespace.name != "edge"
	some i, tls in input.object.spec.tls
	some j, host in tls.hosts
	startswith(host, "*.")
	msg := sprintf("wildcard host %q is only allowed in namespace edge", [host])
}

deny contains {"msg": msg, "field": "spec.tls"} if {
	input.kind == "Ingress"
	input.namespace.name != "edge"
	some ref, cert in input.certificates
	some name in cert.dnsNames
	startswith(name, "*.")
	msg := sprintf("the certificate in secret %s is a wildcard (%s); wildcard certificates are only allowed in namespace edge", [ref, name])
}

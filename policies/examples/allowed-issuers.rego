# Only the cluster issuers the platform team runs may issue certificates, and
# teams may not bring their own namespaced Issuer.
package portcullis.examples.issuers

allowed := {"letsencrypt-prod", "internal-ca"}

deny contains {"msg": msg, "field": "metadata.annotations[cert-manager.io/cluster-issuer]"} if {
	input.kind == "Ingress"
	issuer := input.object.metadata.annotations["cert-manager.io/cluster-issuer"]
	not issuer in allowed
	msg := sprintf("cluster issuer %q is not one the platform runs; use one of %v", [issuer, sort(allowed)])
}

deny contains {"msg": msg, "field": "metadata.annotations[cert-manager.io/issuer]"} if {
	input.kind == "Ingress"
	issuer := input.object.metadata.annotations["cert-manager.io/issuer"]
	msg := sprintf("namespaced issuer %q is not allowed; use cert-manager.io/cluster-issuer with one of %v", [issuer, sort(allowed)])
}

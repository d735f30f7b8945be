package portcullis.examples.issuers_test

import data.portcullis.examples.issuers

ingress(annotations) := {"kind": "Ingress", "object": {"metadata": {"annotations": annotations}}}

test_allowed_cluster_issuer_passes if {
	count(issuers.deny) == 0 with input as ingress({"cert-manager.io/cluster-issuer": "letsencrypt-prod"})
}

test_unknown_cluster_issuer_is_denied if {
	some d in issuers.deny with input as ingress({"cert-manager.io/cluster-issuer": "letsencrypt-staging"})
	d.field == "metadata.annotations[cert-manager.io/cluster-issuer]"
}

test_namespaced_issuer_is_denied if {
	count(issuers.deny) == 1 with input as ingress({"cert-manager.io/issuer": "my-ca"})
}

test_no_issuer_is_not_this_policys_business if {
	count(issuers.deny) == 0 with input as ingress({})
}

package portcullis.builtin.require_cert_manager_test

import data.portcullis.builtin.require_cert_manager as p

ingress(annotations) := {
	"kind": "Ingress",
	"parameters": {"policies": ["require-cert-manager"]},
	"object": {
		"metadata": {"annotations": annotations},
		"spec": {"tls": [{"hosts": ["a.example.com"]}, {"hosts": ["shop.example.com"], "secretName": "shop-tls"}]},
	},
}

test_cluster_issuer_is_allowed if {
	count(p.deny) == 0 with input as ingress({"cert-manager.io/cluster-issuer": "letsencrypt"})
}

test_issuer_is_allowed if {
	count(p.deny) == 0 with input as ingress({"cert-manager.io/issuer": "ca"})
}

test_tls_acme_is_allowed if {
	count(p.deny) == 0 with input as ingress({"kubernetes.io/tls-acme": "true"})
}

test_user_certificate_is_denied_on_its_secret if {
	some d in p.deny with input as ingress({})
	d.field == "spec.tls[1].secretName"
	contains(d.msg, "shop-tls")
}

test_no_tls_is_not_judged if {
	count(p.deny) == 0 with input as {"kind": "Ingress", "parameters": {"policies": ["require-cert-manager"]}, "object": {"metadata": {}, "spec": {}}}
}

test_off_unless_turned_on if {
	count(p.deny) == 0 with input as object.union(ingress({}), {"parameters": {"policies": []}})
}

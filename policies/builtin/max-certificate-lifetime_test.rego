package portcullis.builtin.max_certificate_lifetime_test

import data.portcullis.builtin.max_certificate_lifetime as p

day := 86400

ingress(lifetime_days, annotations) := {
	"kind": "Ingress",
	"parameters": {"policies": ["max-certificate-lifetime"], "maxCertificateLifetimeSeconds": 398 * day},
	"object": {"metadata": {"annotations": annotations}, "spec": {"tls": [{"secretName": "shop-tls"}]}},
	"certificates": {"shop/shop-tls": {"lifetimeSeconds": lifetime_days * day}},
}

test_short_certificate_is_allowed if {
	count(p.deny) == 0 with input as ingress(90, {})
}

test_long_certificate_is_denied_on_its_secret if {
	some d in p.deny with input as ingress(825, {})
	d.field == "spec.tls[0].secretName"
	contains(d.msg, "825 days")
}

test_long_cert_manager_duration_is_denied if {
	some d in p.deny with input as ingress(90, {"cert-manager.io/duration": "17520h"})
	d.field == "metadata.annotations[cert-manager.io/duration]"
}

test_short_cert_manager_duration_is_allowed if {
	count(p.deny) == 0 with input as ingress(90, {"cert-manager.io/duration": "2160h"})
}

test_malformed_duration_is_left_to_lib if {
	count(p.deny) == 0 with input as ingress(90, {"cert-manager.io/duration": "90d"})
}

test_off_unless_turned_on if {
	count(p.deny) == 0 with input as object.union(ingress(825, {}), {"parameters": {"policies": []}})
}

package portcullis.builtin.deny_default_certificate_test

import data.portcullis.builtin.deny_default_certificate as p

ingress(source, production) := {
	"kind": "Ingress",
	"parameters": {"policies": ["deny-default-certificate"]},
	"namespace": {"name": "shop", "labels": {"portcullis.dev/production": production}},
	"object": {"spec": {"rules": [{"host": "shop.example.com"}]}},
	"intent": {"hosts": [{"name": "shop.example.com", "termination": "tls", "tls": {"certificate": source}}]},
}

test_own_certificate_is_allowed if {
	count(p.deny) == 0 with input as ingress("secret", "true")
}

test_pending_cert_manager_certificate_is_allowed if {
	count(p.deny) == 0 with input as ingress("pending", "true")
}

test_default_certificate_in_production_is_denied if {
	some d in p.deny with input as ingress("default", "true")
	d.field == "spec.rules[0].host"
}

test_default_certificate_elsewhere_is_allowed if {
	count(p.deny) == 0 with input as ingress("default", "false")
}

test_off_unless_turned_on if {
	count(p.deny) == 0 with input as object.union(ingress("default", "true"), {"parameters": {"policies": []}})
}

package portcullis.builtin.min_tls_version_test

import data.portcullis.builtin.min_tls_version as p

ingress(protocols, backend) := {
	"kind": "Ingress",
	"parameters": {"policies": ["min-tls-version"], "minTLSVersion": "TLSv1.3"},
	"object": {"spec": {"rules": [{"host": "shop.example.com"}]}},
	"intent": {"hosts": [{
		"name": "shop.example.com", "termination": "tls", "tls": {"protocols": protocols},
		"paths": [{"path": "/", "protocol": "HTTPS", "backend": {"service": "shop"}, "backendTLS": {"protocols": backend}}],
	}]},
}

test_only_allowed_versions if {
	count(p.deny) == 0 with input as ingress(["TLSv1.3"], ["TLSv1.3"])
}

test_host_below_minimum_is_denied if {
	some d in p.deny with input as ingress(["TLSv1.2", "TLSv1.3"], ["TLSv1.3"])
	contains(d.msg, "TLSv1.2")
	contains(d.msg, "ssl-protocols")
}

test_backend_below_minimum_is_denied if {
	some d in p.deny with input as ingress(["TLSv1.3"], ["TLSv1.2"])
	contains(d.msg, "proxy-ssl-protocols")
}

test_minimum_tls12_admits_tls12 if {
	count(p.deny) == 0 with input as object.union(ingress(["TLSv1.2"], ["TLSv1.2"]), {"parameters": {"policies": ["min-tls-version"], "minTLSVersion": "TLSv1.2"}})
}

test_off_unless_turned_on if {
	count(p.deny) == 0 with input as object.union(ingress(["TLSv1"], []), {"parameters": {"policies": [], "minTLSVersion": "TLSv1.3"}})
}

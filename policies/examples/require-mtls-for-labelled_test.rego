package portcullis.examples.mtls_test

import data.portcullis.examples.mtls

ingress(labels, hosts) := {
	"kind": "Ingress",
	"namespace": {"name": "payments", "labels": labels},
	"intent": {"hosts": hosts},
}

required := {"security.example.com/mtls": "required"}

test_verified_hosts_pass if {
	count(mtls.deny) == 0 with input as ingress(required, [{"name": "pay.example.com", "clientAuth": {"verify": "on"}}])
}

test_unverified_host_is_denied if {
	some d in mtls.deny with input as ingress(required, [{"name": "pay.example.com", "clientAuth": {"verify": "optional"}}])
	contains(d.msg, "pay.example.com")
}

test_other_namespaces_are_free if {
	count(mtls.deny) == 0 with input as ingress({}, [{"name": "www.example.com"}])
}

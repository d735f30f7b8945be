package portcullis.builtin.require_mtls_test

import data.portcullis.builtin.require_mtls

ingress(hosts) := {
	"kind": "Ingress",
	"parameters": {"policies": ["require-mtls"]},
	"namespace": {"name": "payments", "labels": {"portcullis.dev/require-mtls": "true"}},
	"object": {"spec": {"rules": [{"host": h.name} | some h in hosts]}},
	"intent": {"hosts": hosts},
}

verified := {"name": "pay.example.com", "termination": "tls", "clientAuth": {"verify": "on"}}

optional := {"name": "pay.example.com", "termination": "tls", "clientAuth": {"verify": "optional"}}

plain := {"name": "pay.example.com", "termination": "tls"}

test_verified_host_is_allowed if {
	count(require_mtls.deny) == 0 with input as ingress([verified])
}

test_host_without_client_auth_is_denied if {
	some d in require_mtls.deny with input as ingress([verified, {"name": "api.example.com", "termination": "tls"}])
	d.field == "spec.rules[1].host"
	contains(d.msg, "api.example.com")
}

test_optional_verification_is_denied if {
	count(require_mtls.deny) == 1 with input as ingress([optional])
}

test_http_host_is_denied if {
	count(require_mtls.deny) == 1 with input as ingress([{"name": "pay.example.com", "termination": "http"}])
}

test_passthrough_host_is_denied if {
	count(require_mtls.deny) == 1 with input as ingress([{"name": "pay.example.com", "termination": "passthrough"}])
}

test_unlabelled_namespace_is_not_judged if {
	count(require_mtls.deny) == 0 with input as object.union(ingress([plain]), {"namespace": {"name": "web", "labels": {"portcullis.dev/require-mtls": "false"}}})
}

test_off_unless_turned_on if {
	count(require_mtls.deny) == 0 with input as object.union(ingress([plain]), {"parameters": {"policies": []}})
}

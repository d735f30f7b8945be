package portcullis.builtin.deny_proxy_ssl_verify_off_test

import data.portcullis.builtin.deny_proxy_ssl_verify_off as p

ingress(path) := {
	"kind": "Ingress",
	"parameters": {"policies": ["deny-proxy-ssl-verify-off"]},
	"object": {"spec": {"rules": [{"host": "shop.example.com"}]}},
	"intent": {"hosts": [{"name": "shop.example.com", "termination": "tls", "paths": [path]}]},
}

https(tls) := object.union({"path": "/", "protocol": "HTTPS", "backend": {"service": "shop"}}, tls)

test_verified_backend_is_allowed if {
	count(p.deny) == 0 with input as ingress(https({"backendTLS": {"verify": true}}))
}

test_unverified_backend_is_denied if {
	some d in p.deny with input as ingress(https({"backendTLS": {"verify": false}}))
	d.field == "spec.rules[0].host"
	contains(d.msg, "service shop")
}

test_https_without_backend_tls_settings_is_denied if {
	count(p.deny) == 1 with input as ingress(https({}))
}

test_grpcs_counts_too if {
	count(p.deny) == 1 with input as ingress({"path": "/", "protocol": "GRPCS", "backend": {"service": "rpc"}})
}

test_plain_http_backend_is_not_judged if {
	count(p.deny) == 0 with input as ingress({"path": "/", "protocol": "HTTP", "backend": {"service": "shop"}})
}

test_off_unless_turned_on if {
	count(p.deny) == 0 with input as object.union(ingress(https({})), {"parameters": {"policies": []}})
}

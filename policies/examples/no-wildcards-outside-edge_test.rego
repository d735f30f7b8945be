package portcullis.examples.wildcards_test

import data.portcullis.examples.wildcards

ingress(ns, hosts, names) := {
	"kind": "Ingress",
	"namespace": {"name": ns},
	"object": {"spec": {"tls": [{"hosts": hosts, "secretName": "web-tls"}]}},
	"certificates": {sprintf("%s/web-tls", [ns]): {"dnsNames": names}},
}

test_exact_names_pass if {
	count(wildcards.deny) == 0 with input as ingress("shop", ["shop.example.com"], ["shop.example.com"])
}

test_wildcard_host_is_denied_on_its_field if {
	some d in wildcards.deny with input as ingress("shop", ["shop.example.com", "*.example.com"], ["shop.example.com"])
	d.field == "spec.tls[0].hosts[1]"
}

test_wildcard_certificate_is_denied if {
	some d in wildcards.deny with input as ingress("shop", ["shop.example.com"], ["*.example.com"])
	contains(d.msg, "shop/web-tls")
}

test_edge_may_use_wildcards if {
	count(wildcards.deny) == 0 with input as ingress("edge", ["*.example.com"], ["*.example.com"])
}

# Helpers the built-in policies share.
package portcullis.lib

# host_field is the field path of the rule for a host: spec.rules[i].host.
host_field(name) := sprintf("spec.rules[%d].host", [i]) if {
	some i, rule in input.object.spec.rules
	object.get(rule, "host", "") == name
} else := "spec.rules"

# secret_field is the field path of the TLS entry naming a secret.
secret_field(name) := sprintf("spec.tls[%d].secretName", [i]) if {
	some i, tls in input.object.spec.tls
	object.get(tls, "secretName", "") == name
} else := "spec.tls"

# tls_versions orders the protocol names.
tls_versions := {"TLSv1": 0, "TLSv1.1": 1, "TLSv1.2": 2, "TLSv1.3": 3}

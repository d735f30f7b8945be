# min-tls-version: no host, and no backend connection, may offer a TLS
# version below the ConfigMap's min-tls-version.
package portcullis.builtin.min_tls_version

import data.portcullis.lib

applies if {
	"min-tls-version" in input.parameters.policies
	input.kind == "Ingress"
}

too_old(p) if lib.tls_versions[p] < lib.tls_versions[input.parameters.minTLSVersion]

deny contains {"msg": msg, "field": lib.host_field(host.name)} if {
	applies
	some host in input.intent.hosts
	some p in host.tls.protocols
	too_old(p)
	msg := sprintf("host %q offers %s, below the minimum %s (policy min-tls-version): remove it from ssl-protocols", [host.name, p, input.parameters.minTLSVersion])
}

deny contains {"msg": msg, "field": lib.host_field(host.name)} if {
	applies
	some host in input.intent.hosts
	some path in host.paths
	some p in path.backendTLS.protocols
	too_old(p)
	msg := sprintf("TLS to service %s for %s%s offers %s, below the minimum %s (policy min-tls-version): remove it from proxy-ssl-protocols", [path.backend.service, host.name, path.path, p, input.parameters.minTLSVersion])
}

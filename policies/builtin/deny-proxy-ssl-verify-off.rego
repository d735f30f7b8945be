# deny-proxy-ssl-verify-off: TLS to a backend must verify the backend's
# certificate (lib warns; this policy refuses).
package portcullis.builtin.deny_proxy_ssl_verify_off

import data.portcullis.lib

deny contains {"msg": msg, "field": lib.host_field(host.name)} if {
	"deny-proxy-ssl-verify-off" in input.parameters.policies
	input.kind == "Ingress"
	some host in input.intent.hosts
	some path in host.paths
	path.protocol in {"HTTPS", "GRPCS"}
	not path.backendTLS.verify
	msg := sprintf("TLS to service %s for %s%s does not verify the backend's certificate (policy deny-proxy-ssl-verify-off): set proxy-ssl-verify: \"on\" with proxy-ssl-secret, or an egressMTLS Policy with verifyServer: true and trustedCertSecret", [path.backend.service, host.name, path.path])
}

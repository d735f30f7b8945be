# max-certificate-lifetime: certificates (existing ones, and those
# cert-manager is asked for with cert-manager.io/duration) live no longer than
# the ConfigMap's max-certificate-lifetime.
package portcullis.builtin.max_certificate_lifetime

import data.portcullis.lib

applies if {
	"max-certificate-lifetime" in input.parameters.policies
	input.kind == "Ingress"
}

max_seconds := input.parameters.maxCertificateLifetimeSeconds

deny contains {"msg": msg, "field": lib.secret_field(split(ref, "/")[1])} if {
	applies
	some ref, cert in input.certificates
	cert.lifetimeSeconds > max_seconds
	msg := sprintf("the certificate in secret %s is valid for %d days, longer than the maximum %d days (policy max-certificate-lifetime)", [ref, round(cert.lifetimeSeconds / 86400), round(max_seconds / 86400)])
}

# A Go duration cert-manager accepts; lib refuses the others.
go_duration := `^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$`

deny contains {"msg": msg, "field": "metadata.annotations[cert-manager.io/duration]"} if {
	applies
	d := input.object.metadata.annotations["cert-manager.io/duration"]
	regex.match(go_duration, d)
	time.parse_duration_ns(d) / 1e9 > max_seconds
	msg := sprintf("cert-manager.io/duration %s is longer than the maximum %dh (policy max-certificate-lifetime): ask for a shorter certificate", [d, round(max_seconds / 3600)])
}

# Every Ingress names its owning team.
package portcullis.owner

deny contains {"msg": "Ingresses need an owner label naming the team", "field": "metadata.labels[owner]"} if {
	input.kind == "Ingress"
	not input.object.metadata.labels.owner
}

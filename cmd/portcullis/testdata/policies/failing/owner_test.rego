package portcullis.owner_test

import data.portcullis.owner

test_expects_the_wrong_thing if {
	count(owner.deny) == 0 with input as {"kind": "Ingress", "object": {"metadata": {}}}
}

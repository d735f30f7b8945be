package portcullis.owner_test

import data.portcullis.owner

test_unlabelled_is_denied if {
	count(owner.deny) == 1 with input as {"kind": "Ingress", "object": {"metadata": {}}}
}

test_labelled_is_allowed if {
	count(owner.deny) == 0 with input as {"kind": "Ingress", "object": {"metadata": {"labels": {"owner": "web"}}}}
}

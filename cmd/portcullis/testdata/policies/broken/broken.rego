package portcullis.broken

deny contains msg if {
	msg := 
}

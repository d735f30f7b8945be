// Package controller owns the data-plane side of portcullis: reconcilers that
// build the whole-world intent with lib, the dataplane model derived from it, and
// the nginx and passthrough programs that serve it.
package controller

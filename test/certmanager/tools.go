//go:build tools

// Package tools pins the ACME test server the end-to-end tests and
// portcullis dev run: Let's Encrypt's pebble and its DNS test server.
package tools

import (
	_ "github.com/letsencrypt/pebble/v2/cmd/pebble"
	_ "github.com/letsencrypt/pebble/v2/cmd/pebble-challtestsrv"
)

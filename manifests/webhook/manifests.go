// Package webhook embeds the webhook configurations portcullis
// ships, so `portcullis dev` installs the same bytes a cluster admin applies.
package webhook

import "embed"

// Configurations holds validating.yaml and mutating.yaml.
//
//go:embed validating.yaml mutating.yaml
var Configurations embed.FS

// Package crds embeds the CustomResourceDefinitions portcullis ships, so
// binaries and tests (envtest, `portcullis dev`) install the same bytes that
// live in this directory.
package crds

import "embed"

// FS holds every CRD manifest in this directory (not its kustomization).
//
//go:embed k8s.nginx.org_*.yaml
var FS embed.FS

// PolicyFile is the name, in FS, of the k8s.nginx.org Policy CRD.
const PolicyFile = "k8s.nginx.org_policies.yaml"

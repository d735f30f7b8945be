// Package policies owns portcullis's Rego customization: the built-in policy
// library, user policies loaded from ConfigMaps and directories, and the OPA
// engine that evaluates them beside lib's own verdict.
package policies

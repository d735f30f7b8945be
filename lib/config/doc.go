// Package config owns portcullis's global ConfigMap (flag --configmap): one
// table of keys (grammar, default, documentation, where the typed value goes)
// from which Parse, the did-you-mean candidates, Default and the ConfigMap
// section of docs/annotations.md are derived.
package config

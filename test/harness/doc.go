// Package harness is the shared test harness: a real kube-apiserver and etcd
// started once per test package, real nginx on ephemeral loopback ports, and
// helpers to wait on conditions instead of sleeping.
package harness

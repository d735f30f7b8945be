//go:build tools

// Package tools pins the sources of the binaries the tests run against: a real
// kube-apiserver (from k8s.io/kubernetes) and etcd. It lives in its own module so
// that the product never depends on k8s.io/kubernetes.
package tools

import (
	_ "go.etcd.io/etcd/server/v3"
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
)

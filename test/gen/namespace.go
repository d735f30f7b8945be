package gen

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Namespace is a namespace named name with the given labels and annotations.
func Namespace(name string, opts ...Meta) *corev1.Namespace {
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}
	for _, o := range opts {
		o(&ns.ObjectMeta)
	}
	return ns
}

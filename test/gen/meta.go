package gen

import (
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Meta is an option on an object's metadata; it works with every builder.
type Meta func(*metav1.ObjectMeta)

// InNamespace puts the object in namespace ns.
func InNamespace(ns string) Meta { return func(m *metav1.ObjectMeta) { m.Namespace = ns } }

// GenerateName asks the API server to name the object: prefix and a
// random suffix (the builder's name should then be "").
func GenerateName(prefix string) Meta {
	return func(m *metav1.ObjectMeta) { m.GenerateName = prefix }
}

// Annotation sets the annotation key to value.
func Annotation(key, value string) Meta {
	return func(m *metav1.ObjectMeta) {
		if m.Annotations == nil {
			m.Annotations = map[string]string{}
		}
		m.Annotations[key] = value
	}
}

// Annotations sets every annotation of kv (which may be nil, for none).
func Annotations(kv map[string]string) Meta {
	return func(m *metav1.ObjectMeta) {
		for k, v := range kv {
			Annotation(k, v)(m)
		}
	}
}

// Label sets the label key to value.
func Label(key, value string) Meta {
	return func(m *metav1.ObjectMeta) {
		if m.Labels == nil {
			m.Labels = map[string]string{}
		}
		m.Labels[key] = value
	}
}

// Created sets the creation timestamp (which orders Ingresses claiming the
// same host or path; the API server sets it on objects it stores).
func Created(t time.Time) Meta {
	return func(m *metav1.ObjectMeta) { m.CreationTimestamp = metav1.NewTime(t) }
}

// objectMeta is the metadata every builder starts from.
func objectMeta(name string) metav1.ObjectMeta { return metav1.ObjectMeta{Name: name} }

// Package manifest reads Kubernetes manifests: streams of YAML or JSON
// documents (lint's input, the golden cases) decoded into the typed objects lib
// judges, with every other kind kept in its unstructured form.
package manifest

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"

	"github.com/seed-d040b84d/portcullis/lib/apis"
	nginxv1 "github.com/seed-d040b84d/portcullis/lib/apis/k8snginx/v1"
)

// typed are the group versions decoded into typed objects (strictly: an
// unknown field is an error naming it): the kinds lib reads are among them.
// Documents of other group versions are kept unstructured, whatever they say.
var typed = map[schema.GroupVersion]bool{
	corev1.SchemeGroupVersion:       true,
	networkingv1.SchemeGroupVersion: true,
	nginxv1.SchemeGroupVersion:      true,
}

var codecs = serializer.NewCodecFactory(apis.Scheme, serializer.EnableStrict)

// Object is one decoded document: a typed object for the kinds lib reads, or
// the unstructured form of anything else.
type Object struct {
	GVK schema.GroupVersionKind
	// Typed is a *corev1.Secret, *networkingv1.Ingress, *nginxv1.Policy, ... or nil.
	Typed runtime.Object
	Meta  metav1.Object
	// Doc is the 1-based index of the document in its stream.
	Doc int
}

// maxDocumentBytes bounds one YAML document (the API server's request limit is 3 MiB).
const maxDocumentBytes = 4 << 20

// Decode reads a stream of YAML or JSON documents, flattening List kinds.
// Documents of kinds lib does not read are returned with Typed nil. Any
// document that is not a Kubernetes object is an error naming its position.
func Decode(r io.Reader) ([]Object, error) {
	dec := utilyaml.NewYAMLOrJSONDecoder(r, 4096)
	var out []Object
	for doc := 1; ; doc++ {
		var raw runtime.RawExtension
		if err := dec.Decode(&raw); err != nil {
			if errors.Is(err, io.EOF) {
				return out, nil
			}
			return nil, fmt.Errorf("document %d: %w", doc, err)
		}
		b := bytes.TrimSpace(raw.Raw)
		if len(b) == 0 || bytes.Equal(b, []byte("null")) {
			continue
		}
		if len(b) > maxDocumentBytes {
			return nil, fmt.Errorf("document %d: %d bytes is larger than the %d-byte limit", doc, len(b), maxDocumentBytes)
		}
		objs, err := decodeOne(b, doc)
		if err != nil {
			return nil, err
		}
		out = append(out, objs...)
	}
}

func decodeOne(b []byte, doc int) ([]Object, error) {
	u := &unstructured.Unstructured{}
	if err := u.UnmarshalJSON(b); err != nil {
		return nil, fmt.Errorf("document %d: not a Kubernetes object: %w", doc, err)
	}
	if u.IsList() {
		list, err := u.ToList()
		if err != nil {
			return nil, fmt.Errorf("document %d: %w", doc, err)
		}
		var out []Object
		for i := range list.Items {
			item, err := list.Items[i].MarshalJSON()
			if err != nil {
				return nil, fmt.Errorf("document %d, item %d: %w", doc, i, err)
			}
			objs, err := decodeOne(item, doc)
			if err != nil {
				return nil, fmt.Errorf("document %d, item %d: %w", doc, i, err)
			}
			out = append(out, objs...)
		}
		return out, nil
	}
	gvk := u.GroupVersionKind()
	if !typed[gvk.GroupVersion()] || !apis.Scheme.Recognizes(gvk) {
		return []Object{{GVK: gvk, Meta: u, Doc: doc}}, nil
	}
	typed, _, err := codecs.UniversalDeserializer().Decode(b, &gvk, nil)
	if err != nil {
		return nil, fmt.Errorf("document %d (%s %s): %w", doc, gvk.Kind, u.GetName(), err)
	}
	m, ok := typed.(metav1.Object)
	if !ok {
		return nil, fmt.Errorf("document %d: %s has no metadata", doc, gvk.Kind)
	}
	if m.GetNamespace() == "" && namespaced(gvk) {
		m.SetNamespace("default")
	}
	return []Object{{GVK: gvk, Typed: typed, Meta: m, Doc: doc}}, nil
}

func namespaced(gvk schema.GroupVersionKind) bool {
	switch gvk.Kind {
	case "Namespace", "IngressClass":
		return false
	}
	return true
}

package gen

import (
	corev1 "k8s.io/api/core/v1"
)

// ConfigMapOption changes a ConfigMap as it is built: a Meta or a DataOption.
type ConfigMapOption interface{ applyConfigMap(*corev1.ConfigMap) }

func (m Meta) applyConfigMap(c *corev1.ConfigMap) { m(&c.ObjectMeta) }

// ConfigMap is a ConfigMap named name with no data.
func ConfigMap(name string, opts ...ConfigMapOption) *corev1.ConfigMap {
	c := &corev1.ConfigMap{ObjectMeta: objectMeta(name)}
	for _, o := range opts {
		o.applyConfigMap(c)
	}
	return c
}

// DataOption sets data entries of a ConfigMap or a Secret.
type DataOption map[string]string

// Data sets the entries of key, value pairs. An odd number of arguments is a
// mistake in the test: it panics, and staticcheck (SA5012) flags the call.
func Data(kv ...string) DataOption {
	if len(kv)%2 != 0 {
		panic("gen.Data: a key without a value")
	}
	d := DataOption{}
	for i := 0; i < len(kv); i += 2 {
		d[kv[i]] = kv[i+1]
	}
	return d
}

// DataMap sets every entry of m.
func DataMap(m map[string]string) DataOption { return DataOption(m) }

func (d DataOption) applyConfigMap(c *corev1.ConfigMap) {
	if c.Data == nil {
		c.Data = map[string]string{}
	}
	for k, v := range d {
		c.Data[k] = v
	}
}

func (d DataOption) applySecret(s *corev1.Secret) {
	for k, v := range d {
		BinaryData(k, []byte(v))(s)
	}
}

package v1

import (
	"reflect"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/ptr"
)

func TestDeepCopy(t *testing.T) {
	t.Parallel()
	orig := &Policy{
		ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "ns", Labels: map[string]string{"a": "b"}},
		Spec: PolicySpec{
			IngressMTLS: &IngressMTLS{ClientCertSecret: "ca", VerifyDepth: ptr.To(2)},
			EgressMTLS:  &EgressMTLS{TLSSecret: "tls", VerifyDepth: ptr.To(3), SessionReuse: ptr.To(true)},
			RateLimit:   &runtime.RawExtension{Raw: []byte(`{"rate":"1r/s"}`)},
		},
		Status: PolicyStatus{State: StateValid},
	}
	cp := orig.DeepCopy()
	require.Equal(t, orig, cp)

	cp.Labels["a"] = "changed"
	cp.Spec.IngressMTLS.ClientCertSecret = "other"
	*cp.Spec.IngressMTLS.VerifyDepth = 9
	*cp.Spec.EgressMTLS.VerifyDepth = 9
	*cp.Spec.EgressMTLS.SessionReuse = false
	cp.Spec.RateLimit.Raw[2] = 'X'
	cp.Status.State = StateInvalid

	assert.Equal(t, "b", orig.Labels["a"])
	assert.Equal(t, "ca", orig.Spec.IngressMTLS.ClientCertSecret)
	assert.Equal(t, 2, *orig.Spec.IngressMTLS.VerifyDepth)
	assert.Equal(t, 3, *orig.Spec.EgressMTLS.VerifyDepth)
	assert.True(t, *orig.Spec.EgressMTLS.SessionReuse)
	assert.JSONEq(t, `{"rate":"1r/s"}`, string(orig.Spec.RateLimit.Raw))
	assert.Equal(t, StateValid, orig.Status.State)

	var nilPolicy *Policy
	assert.Nil(t, nilPolicy.DeepCopy())
}

// The deep copies are hand-written, so this test guards them the way
// generation would: fill every exported field of every type (pointers, slices
// and maps included), copy, check the copy is equal, then change every leaf of
// the copy and check the original still equals an untouched twin. A field
// added to a type and shallow-copied makes it fail.
func TestDeepCopyCoversEveryField(t *testing.T) {
	t.Parallel()
	objects := []struct {
		name string
		make func() any
		copy func(any) any
	}{
		{"Policy", func() any { return new(Policy) }, func(o any) any { return o.(*Policy).DeepCopyObject() }},
		{"PolicyList", func() any { return new(PolicyList) }, func(o any) any { return o.(*PolicyList).DeepCopyObject() }},
		{"PolicySpec", func() any { return new(PolicySpec) }, func(o any) any { return o.(*PolicySpec).DeepCopy() }},
		{"IngressMTLS", func() any { return new(IngressMTLS) }, func(o any) any { return o.(*IngressMTLS).DeepCopy() }},
		{"EgressMTLS", func() any { return new(EgressMTLS) }, func(o any) any { return o.(*EgressMTLS).DeepCopy() }},
		{"PolicyStatus", func() any { return new(PolicyStatus) }, func(o any) any { return o.(*PolicyStatus).DeepCopy() }},
	}
	for _, o := range objects {
		t.Run(o.name, func(t *testing.T) {
			t.Parallel()
			orig, twin := o.make(), o.make()
			fill(reflect.ValueOf(orig).Elem(), new(int))
			fill(reflect.ValueOf(twin).Elem(), new(int))
			require.Equal(t, twin, orig)

			cp := o.copy(orig)
			require.Equal(t, orig, cp)
			mutate(reflect.ValueOf(cp).Elem())
			require.NotEqual(t, orig, cp, "mutate changed nothing")
			assert.Equal(t, twin, orig, "changing the copy changed the original")
		})
	}
}

// fill sets every settable leaf under v to a distinct non-zero value.
func fill(v reflect.Value, n *int) {
	*n++
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			v.Set(reflect.New(v.Type().Elem()))
		}
		fill(v.Elem(), n)
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				fill(v.Field(i), n)
			}
		}
	case reflect.Slice:
		v.Set(reflect.MakeSlice(v.Type(), 2, 2))
		for i := range v.Len() {
			fill(v.Index(i), n)
		}
	case reflect.Map:
		v.Set(reflect.MakeMap(v.Type()))
		for range 2 {
			k, e := reflect.New(v.Type().Key()).Elem(), reflect.New(v.Type().Elem()).Elem()
			fill(k, n)
			fill(e, n)
			v.SetMapIndex(k, e)
		}
	case reflect.String:
		v.SetString("s" + strconv.Itoa(*n))
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(int64(*n % 100))
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		v.SetUint(uint64(*n % 100))
	case reflect.Interface:
		// runtime.RawExtension.Object: left nil, as decoding leaves it.
	}
}

// mutate changes every settable leaf under v in place, through pointers,
// slices and maps, so any memory the copy shares with the original shows.
func mutate(v reflect.Value) {
	switch v.Kind() {
	case reflect.Pointer:
		if !v.IsNil() {
			mutate(v.Elem())
		}
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				mutate(v.Field(i))
			}
		}
	case reflect.Slice:
		for i := range v.Len() {
			mutate(v.Index(i))
		}
	case reflect.Map:
		for _, k := range v.MapKeys() {
			e := reflect.New(v.Type().Elem()).Elem()
			e.Set(v.MapIndex(k))
			mutate(e)
			v.SetMapIndex(k, e)
		}
	case reflect.String:
		v.SetString(v.String() + "!")
	case reflect.Bool:
		v.SetBool(!v.Bool())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(v.Int() + 1)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		v.SetUint(v.Uint() + 1)
	}
}

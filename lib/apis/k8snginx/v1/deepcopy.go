package v1

import (
	"k8s.io/apimachinery/pkg/runtime"
)

// The deep-copy functions below are written by hand, in the shape
// controller-gen generates; TestDeepCopyCoversEveryField fails when a field is
// added to a type and not copied here.

// DeepCopyInto copies in into out.
func (in *Policy) DeepCopyInto(out *Policy) {
	*out = *in
	out.TypeMeta = in.TypeMeta
	in.ObjectMeta.DeepCopyInto(&out.ObjectMeta)
	in.Spec.DeepCopyInto(&out.Spec)
	out.Status = in.Status
}

// DeepCopy returns a deep copy of in.
func (in *Policy) DeepCopy() *Policy {
	if in == nil {
		return nil
	}
	out := new(Policy)
	in.DeepCopyInto(out)
	return out
}

// DeepCopyObject implements runtime.Object.
func (in *Policy) DeepCopyObject() runtime.Object {
	if c := in.DeepCopy(); c != nil {
		return c
	}
	return nil
}

// DeepCopyInto copies in into out.
func (in *PolicyList) DeepCopyInto(out *PolicyList) {
	*out = *in
	out.TypeMeta = in.TypeMeta
	in.ListMeta.DeepCopyInto(&out.ListMeta)
	if in.Items != nil {
		out.Items = make([]Policy, len(in.Items))
		for i := range in.Items {
			in.Items[i].DeepCopyInto(&out.Items[i])
		}
	}
}

// DeepCopy returns a deep copy of in.
func (in *PolicyList) DeepCopy() *PolicyList {
	if in == nil {
		return nil
	}
	out := new(PolicyList)
	in.DeepCopyInto(out)
	return out
}

// DeepCopyObject implements runtime.Object.
func (in *PolicyList) DeepCopyObject() runtime.Object {
	if c := in.DeepCopy(); c != nil {
		return c
	}
	return nil
}

// DeepCopyInto copies in into out.
func (in *PolicySpec) DeepCopyInto(out *PolicySpec) {
	*out = *in
	if in.IngressMTLS != nil {
		out.IngressMTLS = in.IngressMTLS.DeepCopy()
	}
	if in.EgressMTLS != nil {
		out.EgressMTLS = in.EgressMTLS.DeepCopy()
	}
	for _, f := range []struct{ in, out **runtime.RawExtension }{
		{&in.AccessControl, &out.AccessControl},
		{&in.RateLimit, &out.RateLimit},
		{&in.JWT, &out.JWT},
		{&in.BasicAuth, &out.BasicAuth},
		{&in.OIDC, &out.OIDC},
		{&in.WAF, &out.WAF},
		{&in.APIKey, &out.APIKey},
		{&in.Cache, &out.Cache},
		{&in.CORS, &out.CORS},
		{&in.ExternalAuth, &out.ExternalAuth},
		{&in.HSTS, &out.HSTS},
	} {
		if *f.in != nil {
			*f.out = (*f.in).DeepCopy()
		}
	}
}

// DeepCopy returns a deep copy of in.
func (in *PolicySpec) DeepCopy() *PolicySpec {
	if in == nil {
		return nil
	}
	out := new(PolicySpec)
	in.DeepCopyInto(out)
	return out
}

// DeepCopyInto copies in into out.
func (in *IngressMTLS) DeepCopyInto(out *IngressMTLS) {
	*out = *in
	if in.VerifyDepth != nil {
		out.VerifyDepth = new(int)
		*out.VerifyDepth = *in.VerifyDepth
	}
}

// DeepCopy returns a deep copy of in.
func (in *IngressMTLS) DeepCopy() *IngressMTLS {
	if in == nil {
		return nil
	}
	out := new(IngressMTLS)
	in.DeepCopyInto(out)
	return out
}

// DeepCopyInto copies in into out.
func (in *EgressMTLS) DeepCopyInto(out *EgressMTLS) {
	*out = *in
	if in.VerifyDepth != nil {
		out.VerifyDepth = new(int)
		*out.VerifyDepth = *in.VerifyDepth
	}
	if in.SessionReuse != nil {
		out.SessionReuse = new(bool)
		*out.SessionReuse = *in.SessionReuse
	}
}

// DeepCopy returns a deep copy of in.
func (in *EgressMTLS) DeepCopy() *EgressMTLS {
	if in == nil {
		return nil
	}
	out := new(EgressMTLS)
	in.DeepCopyInto(out)
	return out
}

// DeepCopyInto copies in into out.
func (in *PolicyStatus) DeepCopyInto(out *PolicyStatus) {
	*out = *in
}

// DeepCopy returns a deep copy of in.
func (in *PolicyStatus) DeepCopy() *PolicyStatus {
	if in == nil {
		return nil
	}
	out := new(PolicyStatus)
	in.DeepCopyInto(out)
	return out
}

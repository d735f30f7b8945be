package dataplane_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/seed-d040b84d/portcullis/controller/dataplane"
	"github.com/seed-d040b84d/portcullis/lib/intent"
	"github.com/seed-d040b84d/portcullis/lib/world"
)

type endpointSlices map[string][]*discoveryv1.EndpointSlice

func (s endpointSlices) EndpointSlices(ns, svc string) []*discoveryv1.EndpointSlice {
	return s[ns+"/"+svc]
}

func ptr[T any](v T) *T { return &v }

func TestServiceBackends(t *testing.T) {
	w := world.NewStatic()
	w.Add(
		&corev1.Service{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "web"}, Spec: corev1.ServiceSpec{ClusterIP: "10.96.0.10",
			Ports: []corev1.ServicePort{{Name: "http", Port: 80}, {Name: "admin", Port: 9000}}}},
		&corev1.Service{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "idle"}, Spec: corev1.ServiceSpec{ClusterIP: "10.96.0.11",
			Ports: []corev1.ServicePort{{Port: 8080}}}},
		&corev1.Service{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "ext"}, Spec: corev1.ServiceSpec{Type: corev1.ServiceTypeExternalName, ExternalName: "api.example.com."}},
		&corev1.Service{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "ext-mapped"}, Spec: corev1.ServiceSpec{Type: corev1.ServiceTypeExternalName, ExternalName: "localhost",
			Ports: []corev1.ServicePort{{Port: 8089, TargetPort: intstr.FromInt32(40123)}, {Port: 9000, TargetPort: intstr.FromString("admin")}}}},
		&corev1.Service{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "evil"}, Spec: corev1.ServiceSpec{ClusterIP: "10.96.0.12",
			Ports: []corev1.ServicePort{{Port: 80}}}},
	)
	eps := endpointSlices{
		"shop/web": {{
			Ports: []discoveryv1.EndpointPort{{Name: ptr("http"), Port: ptr(int32(8080))}, {Name: ptr("admin"), Port: ptr(int32(9090))}},
			Endpoints: []discoveryv1.Endpoint{
				{Addresses: []string{"10.244.1.5"}, Conditions: discoveryv1.EndpointConditions{Ready: ptr(true)}},
				{Addresses: []string{"10.244.2.7"}}, // ready unknown: counted ready
				{Addresses: []string{"10.244.3.9"}, Conditions: discoveryv1.EndpointConditions{Ready: ptr(false)}}, // not ready
			}}},
		"shop/idle": {{Ports: []discoveryv1.EndpointPort{{Port: ptr(int32(8080))}},
			Endpoints: []discoveryv1.Endpoint{{Addresses: []string{"10.244.1.6"}, Conditions: discoveryv1.EndpointConditions{Ready: ptr(false)}}}}},
		"shop/evil": {{Ports: []discoveryv1.EndpointPort{{Port: ptr(int32(80))}},
			Endpoints: []discoveryv1.Endpoint{{Addresses: []string{"10.0.0.1; include /etc/passwd"}}}}},
	}
	b := dataplane.ServiceBackends{Resolver: w, Endpoints: eps}

	addrs, name, err := b.Addresses("shop", intent.Backend{Service: "web", Port: 80})
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{"10.244.1.5:8080", "10.244.2.7:8080"}, addrs, "ready endpoints on the target port of the Service port")
	assert.Equal(t, "web.shop.svc", name)

	addrs, _, err = b.Addresses("shop", intent.Backend{Service: "web", PortName: "admin"})
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{"10.244.1.5:9090", "10.244.2.7:9090"}, addrs, "a named port maps to the endpoint port of that name")

	addrs, _, err = b.Addresses("shop", intent.Backend{Service: "web", Port: 80, ServiceUpstream: true})
	require.NoError(t, err)
	assert.Equal(t, []string{"10.96.0.10:80"}, addrs, "service-upstream: the ClusterIP")

	_, _, err = b.Addresses("shop", intent.Backend{Service: "idle", Port: 8080})
	assert.ErrorContains(t, err, "no ready endpoints")

	_, _, err = b.Addresses("shop", intent.Backend{Service: "web", Port: 81})
	assert.ErrorContains(t, err, "has no port 81")

	_, _, err = b.Addresses("shop", intent.Backend{Service: "evil", Port: 80})
	assert.Error(t, err, "an endpoint address is checked like any host")

	addrs, name, err = b.Addresses("shop", intent.Backend{Service: "ext", Port: 443})
	require.NoError(t, err)
	assert.Equal(t, []string{"api.example.com:443"}, addrs, "ExternalName: the external name, endpoints or not")
	assert.Equal(t, "api.example.com", name)

	addrs, _, err = b.Addresses("shop", intent.Backend{Service: "ext-mapped", Port: 8089})
	require.NoError(t, err)
	assert.Equal(t, []string{"localhost:40123"}, addrs, "ExternalName: a listed port goes to its numeric targetPort")
	addrs, _, err = b.Addresses("shop", intent.Backend{Service: "ext-mapped", Port: 8443})
	require.NoError(t, err)
	assert.Equal(t, []string{"localhost:8443"}, addrs, "ExternalName: an unlisted port is used as it is")
	_, _, err = b.Addresses("shop", intent.Backend{Service: "ext-mapped", Port: 9000})
	assert.ErrorContains(t, err, `targets the named port "admin"`)

	addrs, _, err = dataplane.ServiceBackends{Resolver: w}.Addresses("shop", intent.Backend{Service: "web", Port: 80})
	require.NoError(t, err)
	assert.Equal(t, []string{"10.96.0.10:80"}, addrs, "without endpoints watched: the ClusterIP")
}

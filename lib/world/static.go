package world

import (
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"

	nginxv1 "github.com/seed-d040b84d/portcullis/lib/apis/k8snginx/v1"
)

type key struct{ namespace, name string }

// Static is a Resolver over a fixed set of objects.
type Static struct {
	secrets    map[key]*corev1.Secret
	policies   map[key]*nginxv1.Policy
	services   map[key]*corev1.Service
	namespaces map[string]*corev1.Namespace
	classes    map[string]*networkingv1.IngressClass
	configMaps map[key]*corev1.ConfigMap
	ingresses  []*networkingv1.Ingress
	byHost     map[string][]*networkingv1.Ingress
	byParent   map[string][]*networkingv1.Ingress
}

// NewStatic returns an empty Static resolver.
func NewStatic() *Static {
	return &Static{
		secrets:    map[key]*corev1.Secret{},
		policies:   map[key]*nginxv1.Policy{},
		services:   map[key]*corev1.Service{},
		namespaces: map[string]*corev1.Namespace{},
		classes:    map[string]*networkingv1.IngressClass{},
		configMaps: map[key]*corev1.ConfigMap{},
		byHost:     map[string][]*networkingv1.Ingress{},
		byParent:   map[string][]*networkingv1.Ingress{},
	}
}

// Add records objects of the kinds a Resolver serves; others are ignored.
// Objects without a namespace are placed in "default", as kubectl would.
func (s *Static) Add(objs ...any) {
	for _, o := range objs {
		switch o := o.(type) {
		case *corev1.Secret:
			defaultNamespace(&o.Namespace)
			s.secrets[key{o.Namespace, o.Name}] = o
		case *nginxv1.Policy:
			defaultNamespace(&o.Namespace)
			s.policies[key{o.Namespace, o.Name}] = o
		case *corev1.Service:
			defaultNamespace(&o.Namespace)
			s.services[key{o.Namespace, o.Name}] = o
		case *corev1.ConfigMap:
			defaultNamespace(&o.Namespace)
			s.configMaps[key{o.Namespace, o.Name}] = o
		case *corev1.Namespace:
			s.namespaces[o.Name] = o
		case *networkingv1.IngressClass:
			s.classes[o.Name] = o
		case *networkingv1.Ingress:
			defaultNamespace(&o.Namespace)
			s.ingresses = append(s.ingresses, o)
			for _, h := range RuleHosts(o) {
				s.byHost[h] = append(s.byHost[h], o)
			}
			for _, p := range RuleHostParents(o) {
				s.byParent[p] = append(s.byParent[p], o)
			}
		}
	}
}

func defaultNamespace(ns *string) {
	if *ns == "" {
		*ns = "default"
	}
}

// Secret implements Resolver.
func (s *Static) Secret(namespace, name string) (*corev1.Secret, bool) {
	o, ok := s.secrets[key{namespace, name}]
	return o, ok
}

// Policy implements Resolver.
func (s *Static) Policy(namespace, name string) (*nginxv1.Policy, bool) {
	o, ok := s.policies[key{namespace, name}]
	return o, ok
}

// Service implements Resolver.
func (s *Static) Service(namespace, name string) (*corev1.Service, bool) {
	o, ok := s.services[key{namespace, name}]
	return o, ok
}

// Namespace implements Resolver.
func (s *Static) Namespace(name string) (*corev1.Namespace, bool) {
	o, ok := s.namespaces[name]
	return o, ok
}

// IngressClass implements Resolver.
func (s *Static) IngressClass(name string) (*networkingv1.IngressClass, bool) {
	o, ok := s.classes[name]
	return o, ok
}

// ConfigMap returns a ConfigMap by namespace and name.
func (s *Static) ConfigMap(namespace, name string) (*corev1.ConfigMap, bool) {
	o, ok := s.configMaps[key{namespace, name}]
	return o, ok
}

// Ingresses implements Resolver.
func (s *Static) Ingresses() []*networkingv1.Ingress { return s.ingresses }

// IngressesWithHost implements HostIndex.
func (s *Static) IngressesWithHost(host string) []*networkingv1.Ingress { return s.byHost[host] }

// IngressesUnder implements HostIndex.
func (s *Static) IngressesUnder(parent string) []*networkingv1.Ingress { return s.byParent[parent] }

package cluster

import (
	"context"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	nginxv1 "github.com/seed-d040b84d/portcullis/lib/apis/k8snginx/v1"
)

// Watched are the kinds lib looks up. Their informers are started with the
// manager, so the first admission does not wait for a cache to fill.
func Watched() []client.Object {
	return []client.Object{
		&corev1.Secret{}, &corev1.ConfigMap{}, &corev1.Namespace{}, &corev1.Service{},
		&networkingv1.Ingress{}, &networkingv1.IngressClass{}, &nginxv1.Policy{},
	}
}

// EveryReplica is a manager runnable every replica runs, leader or not: each
// replica admits with the policies in force and serves traffic itself.
type EveryReplica func(context.Context) error

// Start runs the function.
func (r EveryReplica) Start(ctx context.Context) error { return r(ctx) }

// NeedLeaderElection is false.
func (EveryReplica) NeedLeaderElection() bool { return false }

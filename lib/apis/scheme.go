// Package apis holds the one Scheme portcullis decodes and reads objects with.
// It registers types only; lib still has no Kubernetes client.
package apis

import (
	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"

	nginxv1 "github.com/seed-d040b84d/portcullis/lib/apis/k8snginx/v1"
)

// Scheme is what the manager's clients know: every built-in kind (the
// webhook configurations among them, for caBundle) and k8s.nginx.org/v1.
var Scheme = func() *runtime.Scheme {
	s := runtime.NewScheme()
	utilruntime.Must(clientgoscheme.AddToScheme(s))
	utilruntime.Must(nginxv1.AddToScheme(s))
	return s
}()

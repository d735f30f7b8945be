// Package lib is the only place in portcullis that knows what an annotation, a
// Secret, a Policy or a ConfigMap key means. Its subpackages turn Kubernetes
// objects into a typed TLS/mTLS intent and report every problem on a field path;
// the webhook, the controller and `portcullis lint` all call it, so they agree.
package lib

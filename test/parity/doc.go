// Package parity checks portcullis's cert-manager verdicts against cert-manager's own ingress-shim code.
//
// The tests run cert-manager's ingress-shim sync
// (pkg/controller/certificate-shim.SyncFnFor, v1.21.2) against its fake
// clientset, and send every Certificate it would create to cert-manager's own
// validating webhook, started in-process with
// github.com/cert-manager/cert-manager/test/webhook (the webhook's
// validation lives in internal/apis/certmanager/validation, which cannot be
// imported from another module; its admission endpoint can be called).
package parity

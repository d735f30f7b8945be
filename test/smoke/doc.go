// Package smoke proves the test harness: a real API server stores and returns an
// Ingress, and a real nginx completes a verified HTTPS request.
package smoke

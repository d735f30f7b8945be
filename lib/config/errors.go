package config

import (
	"errors"

	"github.com/seed-d040b84d/portcullis/lib/annotations"
	"github.com/seed-d040b84d/portcullis/lib/annotations/grammar"
)

// noDefaultBackend is the ConfigMap's custom-http-errors: ingress-nginx sends
// the listed statuses of every path to its controller-wide default backend,
// which portcullis does not have, so only the empty list is accepted
// (docs/reference.md#default-backend-and-error-pages).
var noDefaultBackend = grammar.Grammar[string]{
	Name: "empty (refused otherwise)",
	Parse: func(s string, c grammar.Context) (string, error) {
		if s == "" {
			return "", nil
		}
		if _, err := grammar.HTTPErrors.Parse(s, c); err != nil {
			return "", err
		}
		return "", errNoDefaultBackend
	},
	Format: func(string) string { return "" },
}

var errNoDefaultBackend = errors.New("portcullis has no controller-wide default backend to send these responses to: " +
	"set nginx.ingress.kubernetes.io/custom-http-errors with nginx.ingress.kubernetes.io/default-backend " +
	"(a Service of the Ingress's namespace) on the Ingresses instead")

// errorRows are the ConfigMap's error-page keys.
var errorRows = []Row{
	{
		Key:      "custom-http-errors",
		Doc:      "Refused unless empty: ingress-nginx sends these statuses of every path to its controller-wide default backend, which portcullis does not have. Set the annotation `custom-http-errors` with `default-backend` on each Ingress instead.",
		Value:    grammar.Bind(noDefaultBackend, func(*Config, string) {}),
		Examples: annotations.Examples{Good: good(""), Bad: bad("404,503", "no controller-wide default backend", "404,", "entry 2")},
	},
}

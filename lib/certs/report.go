package certs

import (
	"fmt"

	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/seed-d040b84d/portcullis/lib/findings"
)

// severity says how an issue is reported.
type severity uint8

const (
	sevError severity = iota
	sevWarning
	// sevOrder is a chain-order problem: an error, or a warning when the caller
	// accepts misordered chains (the controller writes the normalized order).
	sevOrder
)

// issue is a finding without a field path, so a parse result can be cached and
// re-attached to whichever field referenced the secret.
type issue struct {
	sev severity
	msg string
}

// report collects the path-independent issues of a chain of checks.
type report struct {
	issues []issue
}

func (r *report) errorf(format string, args ...any) {
	r.issues = append(r.issues, issue{sevError, fmt.Sprintf(format, args...)})
}

func (r *report) warnf(format string, args ...any) {
	r.issues = append(r.issues, issue{sevWarning, fmt.Sprintf(format, args...)})
}

func (r *report) orderf(format string, args ...any) {
	r.issues = append(r.issues, issue{sevOrder, fmt.Sprintf(format, args...)})
}

// failed reports whether any issue denies (order issues count: they deny unless
// the caller downgrades them).
func (r *report) failed() bool {
	for _, is := range r.issues {
		if is.sev != sevWarning {
			return true
		}
	}
	return false
}

// hardFailed reports whether any issue denies whatever the caller's options.
func (r *report) hardFailed() bool {
	for _, is := range r.issues {
		if is.sev == sevError {
			return true
		}
	}
	return false
}

// attach adds the issues to out on fld, value being the secret reference.
func (r *report) attach(out *findings.Set, fld *field.Path, value string, orderIsWarning bool) {
	for _, is := range r.issues {
		switch {
		case is.sev == sevWarning, is.sev == sevOrder && orderIsWarning:
			out.Warn(fld, is.msg)
		default:
			out.Error(fld, value, is.msg)
		}
	}
}

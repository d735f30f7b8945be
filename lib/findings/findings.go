// Package findings holds the verdict lib returns for an object: errors (which deny)
// and warnings (which admit), each on a field path with a message a user can act on.
package findings

import (
	"fmt"
	"sort"

	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Warning is a finding that admits the object: legal but risky, or not yet knowable.
type Warning struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// String renders the warning the way kubectl shows it.
func (w Warning) String() string {
	if w.Field == "" {
		return w.Message
	}
	return w.Field + ": " + w.Message
}

// Set is the verdict on one object. The zero value is an empty, allowed verdict.
type Set struct {
	Errors   field.ErrorList
	Warnings []Warning
}

// Allowed reports whether the object has no errors.
func (s *Set) Allowed() bool { return len(s.Errors) == 0 }

// Error records a finding that denies the object. The message must say what was
// found and what is allowed.
func (s *Set) Error(path *field.Path, value any, msg string) {
	s.Errors = append(s.Errors, field.Invalid(path, value, msg))
}

// Errorf is Error with a formatted message.
func (s *Set) Errorf(path *field.Path, value any, format string, args ...any) {
	s.Error(path, value, fmt.Sprintf(format, args...))
}

// Required records a missing required field.
func (s *Set) Required(path *field.Path, msg string) {
	s.Errors = append(s.Errors, field.Required(path, msg))
}

// Forbidden records a field that may not be set in this context.
func (s *Set) Forbidden(path *field.Path, msg string) {
	s.Errors = append(s.Errors, field.Forbidden(path, msg))
}

// NotSupported records an enumerated value that is not one of the allowed ones.
// The message names the closest allowed value when one is within edit distance 2.
func (s *Set) NotSupported(path *field.Path, value string, allowed []string) {
	s.Errors = append(s.Errors, NotSupported(path, value, allowed))
}

// Warn records a finding that admits the object.
func (s *Set) Warn(path *field.Path, msg string) {
	s.Warnings = append(s.Warnings, Warning{Field: pathString(path), Message: msg})
}

// Warnf is Warn with a formatted message.
func (s *Set) Warnf(path *field.Path, format string, args ...any) {
	s.Warn(path, fmt.Sprintf(format, args...))
}

// Merge appends other's findings to s.
func (s *Set) Merge(other Set) {
	s.Errors = append(s.Errors, other.Errors...)
	s.Warnings = append(s.Warnings, other.Warnings...)
}

// Sort orders errors and warnings by field path then message, so output is
// deterministic whatever order the checks ran in.
func (s *Set) Sort() {
	sort.SliceStable(s.Errors, func(i, j int) bool {
		if s.Errors[i].Field != s.Errors[j].Field {
			return s.Errors[i].Field < s.Errors[j].Field
		}
		return s.Errors[i].Detail < s.Errors[j].Detail
	})
	sort.SliceStable(s.Warnings, func(i, j int) bool {
		if s.Warnings[i].Field != s.Warnings[j].Field {
			return s.Warnings[i].Field < s.Warnings[j].Field
		}
		return s.Warnings[i].Message < s.Warnings[j].Message
	})
}

// Entry is one finding in a serializable form (lint's JSON, the Rego input).
type Entry struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// Entries returns the errors as serializable entries. The message is the
// user-facing text without the field path prefix.
func (s *Set) ErrorEntries() []Entry {
	out := make([]Entry, 0, len(s.Errors))
	for _, e := range s.Errors {
		out = append(out, Entry{Field: e.Field, Message: ErrorMessage(e)})
	}
	return out
}

// WarningEntries returns the warnings as serializable entries.
func (s *Set) WarningEntries() []Entry {
	out := make([]Entry, 0, len(s.Warnings))
	for _, w := range s.Warnings {
		out = append(out, Entry(w))
	}
	return out
}

// ErrorMessage is the text of a field error without its field path: for Invalid
// and Forbidden errors it is the detail (which already names the value found).
func ErrorMessage(e *field.Error) string {
	switch e.Type {
	case field.ErrorTypeRequired:
		if e.Detail != "" {
			return "required: " + e.Detail
		}
		return "required value"
	case field.ErrorTypeForbidden, field.ErrorTypeInvalid, field.ErrorTypeNotSupported, field.ErrorTypeDuplicate, field.ErrorTypeNotFound:
		if e.Detail != "" {
			return e.Detail
		}
		return e.ErrorBody()
	default:
		return e.ErrorBody()
	}
}

func pathString(p *field.Path) string {
	if p == nil {
		return ""
	}
	return p.String()
}

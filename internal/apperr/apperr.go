// Package apperr defines the error kinds shared by every Chartroom domain and adapter.
//
// A domain returns an *Error (or wraps one with %w); the HTTP layer maps its Kind to a
// status code in one place and renders field errors for invalid input. Errors that are not
// an *Error are internal and are never shown to a user.
package apperr

import (
	"errors"
	"fmt"
	"strings"
)

// Kind classifies an error for callers and for the HTTP status mapping.
type Kind string

// The error kinds. Each maps to exactly one HTTP status in internal/httpapi.
const (
	Invalid         Kind = "invalid"           // 400: the input breaks a rule; see Fields
	Unauthenticated Kind = "unauthenticated"   // 401: no valid credentials
	PaymentRequired Kind = "payment-required"  // 402: a fee must be paid first
	Forbidden       Kind = "forbidden"         // 403: authenticated but not allowed
	NotFound        Kind = "not-found"         // 404
	Conflict        Kind = "conflict"          // 409: state forbids the change (duplicate, closed)
	TooLarge        Kind = "too-large"         // 413
	TooMany         Kind = "too-many-requests" // 429: rate limited; see RetryAfter
	Unavailable     Kind = "unavailable"       // 503: a dependency is down or not configured
	Internal        Kind = "internal"          // 500
)

// FieldError names one input field at fault and says what is wrong with it.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// Error is the error type the domains return.
type Error struct {
	Kind Kind
	// Type optionally refines Kind into a problem type slug (e.g. "attempt-closed").
	Type string
	// Message is safe to show to the user.
	Message string
	// Fields lists the input fields at fault, for Invalid errors.
	Fields []FieldError
	// RetryAfterSeconds is set for TooMany errors.
	RetryAfterSeconds int
	// Err is an optional underlying cause, never shown to the user.
	Err error
}

// Error implements error.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(string(e.Kind))
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	for _, f := range e.Fields {
		fmt.Fprintf(&b, "; %s: %s", f.Field, f.Message)
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

// Unwrap returns the underlying cause.
func (e *Error) Unwrap() error { return e.Err }

// New returns an error of kind k with a user-facing message.
func New(k Kind, format string, args ...any) *Error {
	return &Error{Kind: k, Message: fmt.Sprintf(format, args...)}
}

// Wrap returns an error of kind k with a user-facing message and an underlying cause.
func Wrap(k Kind, err error, msg string) *Error {
	return &Error{Kind: k, Message: msg, Err: err}
}

// Field returns an Invalid error for one field.
func Field(field, message string) *Error {
	return &Error{Kind: Invalid, Message: "The request has invalid fields.", Fields: []FieldError{{Field: field, Message: message}}}
}

// Fields collects field errors; its Err method returns nil when none were added.
type Fields []FieldError

// Add records a field error.
func (f *Fields) Add(field, message string) {
	*f = append(*f, FieldError{Field: field, Message: message})
}

// Err returns an Invalid *Error holding the collected fields, or nil.
func (f Fields) Err() error {
	if len(f) == 0 {
		return nil
	}
	return &Error{Kind: Invalid, Message: "The request has invalid fields.", Fields: f}
}

// KindOf returns the Kind of err, or Internal when err is not (and wraps no) *Error.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return Internal
}

// Is reports whether err is an *Error of kind k.
func Is(err error, k Kind) bool { return err != nil && KindOf(err) == k }

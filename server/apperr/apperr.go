// Package apperr is Parley's one application error type. Domain packages
// return it to say what went wrong in words fit for the API's user; the HTTP
// layer renders it in Twilio's error shape. Any other error is an internal
// error: logged in full for the operator, reported as "internal error".
package apperr

import (
	"errors"
	"fmt"
)

// Kind classifies an error by what the caller can do about it. The HTTP layer
// maps each kind to one status code.
type Kind int

// The kinds of application errors.
const (
	Internal         Kind = iota // a fault of ours; the user can only retry
	Invalid                      // the request is malformed or breaks a rule
	NotFound                     // the named resource does not exist
	Conflict                     // the request clashes with existing state
	Unauthorized                 // credentials are missing or wrong
	Forbidden                    // authenticated, but not allowed
	TooLarge                     // the request body is over a limit
	TooMany                      // rate limited
	Unsupported                  // an unsupported media type
	MethodNotAllowed             // the path exists, but not with this method
	Unavailable                  // the server cannot do it now (its storage refuses writes); retry later
)

// Twilio error codes Parley uses. Where Twilio has a specific code, it is
// used; otherwise the code follows Twilio's pattern of 20 + HTTP status.
const (
	CodeBadRequest          = 20400 // a malformed or invalid parameter
	CodeUnauthorized        = 20003 // "Authenticate"
	CodeMethodNotAllowed    = 20004
	CodeForbidden           = 20403
	CodeNotFound            = 20404
	CodeRequestTooLarge     = 20413
	CodeUnsupportedMedia    = 20415
	CodeTooManyRequests     = 20429
	CodeInternal            = 20500
	CodeServiceUnavailable  = 20503 // "Service unavailable"
	CodeBodyRequired        = 21602 // "Message body is required"
	CodeInvalidAttributes   = 50304 // "Attributes not valid JSON"
	CodeConversationExists  = 50353 // "Conversation with provided unique name already exists"
	CodeConversationClosed  = 50377 // "Can't update conversation as it's in final closed state"
	CodeInitialStateClosed  = 50384 // "Initial state can't be 'closed'"
	CodeInvalidBinding      = 50407 // "Invalid messaging binding address"
	CodeBindingInUse        = 50416 // "A binding for this participant and proxy address already exists"
	CodeTooManyParticipants = 50426 // "Request contains too many participants."
	CodeParticipantExists   = 50433 // "Participant already exists"
	CodeBodyTooLong         = 50504 // "Message body parameter is too long"
	CodeUserExists          = 50201
)

// Error is an error the API's user can act on.
type Error struct {
	Kind    Kind
	Code    int    // Twilio's numeric error code
	Message string // what went wrong and, where useful, what to do
}

func (e *Error) Error() string { return e.Message }

// New returns an error of the given kind with a formatted message.
func New(kind Kind, code int, format string, args ...any) *Error {
	return &Error{Kind: kind, Code: code, Message: fmt.Sprintf(format, args...)}
}

// Invalidf reports a malformed or rule-breaking request.
func Invalidf(code int, format string, args ...any) *Error {
	return New(Invalid, code, format, args...)
}

// NotFoundf reports a resource that does not exist.
func NotFoundf(format string, args ...any) *Error {
	return New(NotFound, CodeNotFound, format, args...)
}

// Conflictf reports a clash with existing state.
func Conflictf(code int, format string, args ...any) *Error {
	return New(Conflict, code, format, args...)
}

// As returns the application error inside err, if there is one.
func As(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

// Is reports whether err is an application error of the given kind.
func Is(err error, kind Kind) bool {
	e, ok := As(err)
	return ok && e.Kind == kind
}

// Status is the HTTP status for an error kind. The REST API and the
// realtime socket both report it, so it is decided here, once.
func Status(k Kind) int {
	switch k {
	case Invalid:
		return 400
	case Unauthorized:
		return 401
	case Forbidden:
		return 403
	case NotFound:
		return 404
	case MethodNotAllowed:
		return 405
	case Conflict:
		return 409
	case TooLarge:
		return 413
	case Unsupported:
		return 415
	case TooMany:
		return 429
	case Unavailable:
		return 503
	}
	return 500
}

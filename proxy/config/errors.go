package config

import (
	"errors"
	"fmt"

	"github.com/haplog/haplog/internal/diag"
)

// Diag is a diagnostic about the configuration: the one diagnostics type
// of every config reader (internal/diag). Its Error and String print
// "FILE:LINE: SEVERITY: MESSAGE"; the proxy's "-c" and start print it in
// HAProxy's layout with diag.WriteHAProxy ("parsing [FILE:LINE] : MESSAGE",
// severity ALERT, WARNING or NOTICE). File is "" when the diagnostic is
// not tied to one line; Msg may hold continuation lines after "\n"; Err is
// the cause of an error (one of the sentinels below, or an I/O error).
type Diag = diag.Diag

// Alertf returns an error diagnostic at file:line ("", 0: not located)
// with HAProxy's message text.
func Alertf(file string, line int, format string, a ...any) *Diag {
	return diag.Pos{File: file, Line: line}.Errorf("", format, a...)
}

// Warnf returns a warning diagnostic at file:line; see Alertf.
func Warnf(file string, line int, format string, a ...any) *Diag {
	return diag.Pos{File: file, Line: line}.Warnf("", format, a...)
}

// Sentinel causes, testable with errors.Is on the error returned by Parse.
var (
	// ErrUnknownKeyword marks an unknown or unsupported directive.
	ErrUnknownKeyword = errors.New("unknown keyword")
	// ErrSyntax marks a malformed line or argument.
	ErrSyntax = errors.New("syntax error")
	// ErrUnsupported marks a directive that HAProxy accepts but that this
	// implementation cannot honour and refuses rather than ignoring.
	ErrUnsupported = errors.New("not supported")
	// ErrReference marks a reference to an unknown proxy, ACL or file.
	ErrReference = errors.New("unresolved reference")
	// ErrWarnings is returned when warnings are fatal (zero-warning).
	ErrWarnings = errors.New("warnings found and zero-warning is set")
)

// Errors collects the errors of one parse, in order. It unwraps to each
// of them, so errors.Is and errors.As see every one and its cause.
type Errors = diag.List

// unsupported returns an error with the given message that wraps
// ErrUnsupported.
func unsupported(format string, a ...any) error {
	return &unsupportedError{msg: fmt.Sprintf(format, a...)}
}

type unsupportedError struct{ msg string }

func (e *unsupportedError) Error() string { return e.msg }
func (e *unsupportedError) Unwrap() error { return ErrUnsupported }

// causeOf returns ErrUnsupported when err wraps it, else def.
func causeOf(err, def error) error {
	if errors.Is(err, ErrUnsupported) {
		return ErrUnsupported
	}
	return def
}

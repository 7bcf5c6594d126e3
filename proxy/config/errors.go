package config

import (
	"errors"
	"fmt"
)

// Level is the severity of a diagnostic, as HAProxy prints it.
type Level uint8

// Diagnostic levels.
const (
	LevelNotice Level = iota
	LevelWarning
	LevelAlert
)

// String returns "NOTICE", "WARNING" or "ALERT".
func (l Level) String() string {
	switch l {
	case LevelWarning:
		return "WARNING"
	case LevelAlert:
		return "ALERT"
	}
	return "NOTICE"
}

// Diag is a diagnostic about the configuration. File and Line are empty/0
// when the diagnostic is not tied to one line.
type Diag struct {
	Level Level
	File  string
	Line  int
	// Msg is the message; continuation lines are separated by "\n".
	Msg string
}

// String formats d as "parsing [file:line] : msg" (or just msg).
func (d Diag) String() string {
	if d.File == "" {
		return d.Msg
	}
	return fmt.Sprintf("parsing [%s:%d] : %s", d.File, d.Line, d.Msg)
}

// Error is a configuration error located at File:Line (Line 0: the whole
// file or no file). Err, when set, is the underlying cause.
type Error struct {
	File string
	Line int
	Msg  string
	Err  error
}

// Error returns "parsing [file:line] : msg".
func (e *Error) Error() string {
	return Diag{Level: LevelAlert, File: e.File, Line: e.Line, Msg: e.Msg}.String()
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

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

// Errors collects the errors of one parse. It unwraps to each of them, so
// errors.Is and errors.As see every one.
type Errors []*Error

// Error joins the messages, one per line.
func (es Errors) Error() string {
	s := ""
	for i, e := range es {
		if i > 0 {
			s += "\n"
		}
		s += e.Error()
	}
	return s
}

// Unwrap returns the individual errors.
func (es Errors) Unwrap() []error {
	out := make([]error, len(es))
	for i, e := range es {
		out[i] = e
	}
	return out
}

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

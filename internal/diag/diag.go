package diag

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Severity is how serious a diagnostic is.
type Severity uint8

// Severities, least serious first.
const (
	// Note is information: the configuration is accepted as written.
	Note Severity = iota
	// Warning is accepted but deserves attention (a true no-op, a
	// deprecated spelling).
	Warning
	// Error makes the configuration unusable.
	Error
)

// String returns "note", "warning" or "error".
func (s Severity) String() string {
	switch s {
	case Note:
		return "note"
	case Warning:
		return "warning"
	case Error:
		return "error"
	}
	return "severity(" + strconv.Itoa(int(s)) + ")"
}

// Pos is a place in a configuration file. Line and Column are 1-based; 0
// means unknown.
type Pos struct {
	File   string
	Line   int
	Column int
}

// String returns "FILE:LINE:COL", "FILE:LINE", "FILE" or "", leaving out
// what is unknown.
func (p Pos) String() string {
	return string(p.appendTo(nil))
}

func (p Pos) appendTo(b []byte) []byte {
	if p.File == "" && p.Line == 0 {
		return b
	}
	b = append(b, p.File...)
	if p.Line > 0 {
		b = append(b, ':')
		b = strconv.AppendInt(b, int64(p.Line), 10)
		if p.Column > 0 {
			b = append(b, ':')
			b = strconv.AppendInt(b, int64(p.Column), 10)
		}
	}
	return b
}

// At returns p at column col (1-based).
func (p Pos) At(col int) Pos {
	p.Column = col
	return p
}

// Errorf returns an Error diagnostic at p about directive ("" for none).
// The message is formatted with [fmt.Errorf], so a %w verb makes the
// argument the diagnostic's cause.
func (p Pos) Errorf(directive, format string, args ...any) *Diag {
	return p.newf(Error, directive, format, args)
}

// Warnf returns a Warning diagnostic at p; see [Pos.Errorf].
func (p Pos) Warnf(directive, format string, args ...any) *Diag {
	return p.newf(Warning, directive, format, args)
}

// Notef returns a Note diagnostic at p; see [Pos.Errorf].
func (p Pos) Notef(directive, format string, args ...any) *Diag {
	return p.newf(Note, directive, format, args)
}

// Wrap returns an Error diagnostic at p about directive whose message and
// cause are err. It returns nil when err is nil.
func (p Pos) Wrap(directive string, err error) *Diag {
	if err == nil {
		return nil
	}
	return &Diag{Pos: p, Severity: Error, Directive: directive, Msg: err.Error(), Err: err}
}

func (p Pos) newf(sev Severity, directive, format string, args []any) *Diag {
	err := fmt.Errorf(format, args...)
	d := &Diag{Pos: p, Severity: sev, Directive: directive, Msg: err.Error()}
	if errors.Unwrap(err) != nil || hasUnwrapSlice(err) {
		d.Err = err
	}
	return d
}

func hasUnwrapSlice(err error) bool {
	u, ok := err.(interface{ Unwrap() []error })
	return ok && len(u.Unwrap()) > 0
}

// Diag is one diagnostic about a configuration.
type Diag struct {
	Pos
	Severity Severity
	// Directive is the keyword or parameter concerned ("rotate",
	// "timeout client", "template"); "" when none applies.
	Directive string
	// Msg is the message, without position, severity or directive. It
	// may hold several lines separated by "\n".
	Msg string
	// Err is the cause, if any; Unwrap returns it.
	Err error
	// Alert marks a Note that HAProxy prints as [ALERT] although it
	// accepts the configuration (its non-fatal alerts); other formats
	// ignore it.
	Alert bool
	// Tight marks the few HAProxy messages located as "parsing
	// [FILE:LINE]: MSG", with no space before the colon (see
	// [Diag.HAProxy]); other formats ignore it.
	Tight bool
}

// String formats d as "FILE:LINE:COL: SEVERITY: DIRECTIVE: MESSAGE" (see
// the package documentation for the parts left out).
func (d *Diag) String() string {
	b := d.appendTo(nil)
	if len(b) > 0 {
		b = append(b, ": "...)
	}
	b = append(b, d.Severity.String()...)
	b = append(b, ": "...)
	if d.Directive != "" {
		b = append(b, d.Directive...)
		b = append(b, ": "...)
	}
	b = append(b, d.Msg...)
	return string(b)
}

// Error returns d.String(), so a *Diag is an error.
func (d *Diag) Error() string { return d.String() }

// Unwrap returns the cause.
func (d *Diag) Unwrap() error { return d.Err }

// List is the diagnostics of one read, in the order they were found.
type List []*Diag

// Add appends d to l; a nil d is ignored.
func (l *List) Add(d *Diag) {
	if d != nil {
		*l = append(*l, d)
	}
}

// Count returns how many diagnostics in l have severity s.
func (l List) Count(s Severity) int {
	n := 0
	for _, d := range l {
		if d.Severity == s {
			n++
		}
	}
	return n
}

// Filter returns the diagnostics of severity s, in order.
func (l List) Filter(s Severity) List {
	var out List
	for _, d := range l {
		if d.Severity == s {
			out = append(out, d)
		}
	}
	return out
}

// Err returns the Error diagnostics of l as one error, or nil when there
// are none. A single error is returned as its *Diag; several as a List,
// which unwraps to each of them.
func (l List) Err() error {
	errs := l.Filter(Error)
	switch len(errs) {
	case 0:
		return nil
	case 1:
		return errs[0]
	}
	return errs
}

// String prints each diagnostic on its own line.
func (l List) String() string {
	var sb strings.Builder
	for i, d := range l {
		if i > 0 {
			sb.WriteByte('\n')
		}
		sb.WriteString(d.String())
	}
	return sb.String()
}

// Error returns l.String(), so a List is an error.
func (l List) Error() string { return l.String() }

// Unwrap returns the diagnostics, so errors.Is and errors.As see each one
// and its cause.
func (l List) Unwrap() []error {
	out := make([]error, len(l))
	for i, d := range l {
		out[i] = d
	}
	return out
}

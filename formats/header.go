package formats

import (
	"fmt"
	"strconv"
	"sync/atomic"
	"time"
)

// LogFormat is the syslog framing of an HAProxy `log` target (`format`
// keyword).
type LogFormat uint8

// The framings HAProxy 2.6 supports; LogLocal is the default.
const (
	LogLocal    LogFormat = iota // <PRI>Mmm dd hh:mm:ss TAG[PID]: MSG
	LogRFC3164                   // <PRI>Mmm dd hh:mm:ss HOST TAG[PID]: MSG
	LogRFC5424                   // <PRI>1 ISOTS HOST TAG PID - SD MSG
	LogPriority                  // <PRI>MSG
	LogShort                     // <LEVEL>MSG
	LogTimed                     // <LEVEL>ISOTS MSG
	LogISO                       // ISOTS MSG
	LogRaw                       // MSG
)

var logFormatNames = [...]string{"local", "rfc3164", "rfc5424", "priority", "short", "timed", "iso", "raw"}

// String returns the configuration keyword of f.
func (f LogFormat) String() string {
	if int(f) < len(logFormatNames) {
		return logFormatNames[f]
	}
	return "LogFormat(" + strconv.Itoa(int(f)) + ")"
}

// ParseLogFormat returns the LogFormat for a `format` keyword value. The
// error reads like HAProxy's: unknown log format '<x>'.
func ParseLogFormat(s string) (LogFormat, error) {
	for i, n := range logFormatNames {
		if n == s {
			return LogFormat(i), nil
		}
	}
	return 0, fmt.Errorf("unknown log format '%s': %w", s, ErrUnknownName)
}

// TargetLevel applies the level range of a `log` target (`<max level>
// [<min level>]`) to a message of severity sev: messages less severe than
// max are not sent (ok false), and more severe than min are sent at min.
// A target without levels uses max Debug and min Emerg.
func TargetLevel(sev, max, min Severity) (_ Severity, ok bool) {
	if sev > max {
		return sev, false
	}
	if sev < min {
		sev = min
	}
	return sev, true
}

// DefaultMaxLen is the default `len` of a log target.
const DefaultMaxLen = 1024

// Framer writes the syslog framing of one `log` target around a message,
// byte for byte as HAProxy 2.6 does. Set the exported fields before the
// first Append and do not change them afterwards. A Framer is safe for
// concurrent use; it must not be copied after first use.
type Framer struct {
	Format   LogFormat
	Facility Facility
	// Hostname is the log-send-hostname value; empty prints "localhost"
	// (rfc3164) or "-" (rfc5424) and nothing in the other framings.
	Hostname string
	// Tag is the log-tag (HAProxy's default is "haproxy"). In the local
	// framing an empty tag drops the "TAG[PID]: " part.
	Tag string
	// PID is the process id printed after the tag.
	PID int
	// MaxLen is the target's `len`: header plus message are cut to it
	// before the final '\n'. Zero means DefaultMaxLen.
	MaxLen int

	stamp atomic.Pointer[stamp] // timestamps of the last second seen
}

// stamp caches the rendering of one second; it is immutable once stored.
type stamp struct {
	sec    int64
	loc    *time.Location
	legacy [16]byte // "Mmm dd hh:mm:ss "
	iso    [20]byte // "yyyy-mm-ddThh:mm:ss."
	off    [6]byte  // "+hh:mm"
}

// Append appends one framed datagram for a message of severity sev emitted
// at t (local-time fields use t's Location): the header, the message (with
// trailing '\n' and NUL bytes removed), cut to MaxLen bytes, then '\n'. It
// does not allocate, except once per second of t to refresh the cached
// timestamp.
func (h *Framer) Append(dst []byte, sev Severity, t time.Time, msg []byte) []byte {
	return h.AppendSD(dst, sev, t, nil, msg)
}

// AppendSD is Append with RFC 5424 structured data (the result of
// log-format-sd); sd is ignored by the other framings, and empty sd prints
// "-".
func (h *Framer) AppendSD(dst []byte, sev Severity, t time.Time, sd, msg []byte) []byte {
	for len(msg) > 0 && (msg[len(msg)-1] == '\n' || msg[len(msg)-1] == 0) {
		msg = msg[:len(msg)-1]
	}
	start := len(dst)
	dst = h.appendHeader(dst, sev, t, sd)
	dst = append(dst, msg...)
	max := h.MaxLen
	if max <= 0 {
		max = DefaultMaxLen
	}
	if len(dst)-start > max {
		dst = dst[:start+max]
	}
	return append(dst, '\n')
}

func (h *Framer) appendHeader(dst []byte, sev Severity, t time.Time, sd []byte) []byte {
	pri := PRI(h.Facility, sev)
	switch h.Format {
	case LogRaw:
		return dst
	case LogPriority:
		return AppendPRI(dst, pri)
	case LogShort:
		return AppendPRI(dst, int(sev))
	case LogISO:
		return append(h.appendISO(dst, t), ' ')
	case LogTimed:
		dst = AppendPRI(dst, int(sev))
		return append(h.appendISO(dst, t), ' ')
	case LogRFC5424:
		dst = AppendPRI(dst, pri)
		dst = append(dst, '1', ' ')
		dst = h.appendISO(dst, t)
		dst = append(dst, ' ')
		dst = appendOrDash(dst, h.Hostname)
		dst = append(dst, ' ')
		dst = appendOrDash(dst, h.Tag)
		dst = append(dst, ' ')
		dst = strconv.AppendInt(dst, int64(h.PID), 10)
		dst = append(dst, " - "...)
		if len(sd) == 0 {
			return append(dst, "- "...)
		}
		dst = append(dst, sd...)
		return append(dst, ' ')
	}
	// local and rfc3164
	dst = AppendPRI(dst, pri)
	dst = append(dst, h.cached(t).legacy[:]...)
	if h.Format == LogRFC3164 {
		if h.Hostname == "" {
			dst = append(dst, "localhost"...)
		} else {
			dst = append(dst, h.Hostname...)
		}
		dst = append(dst, ' ')
	} else if h.Tag == "" {
		return dst
	}
	dst = append(dst, h.Tag...)
	dst = append(dst, '[')
	dst = strconv.AppendInt(dst, int64(h.PID), 10)
	return append(dst, ']', ':', ' ')
}

func appendOrDash(dst []byte, s string) []byte {
	if s == "" {
		return append(dst, '-')
	}
	return append(dst, s...)
}

// appendISO writes "yyyy-mm-ddThh:mm:ss.uuuuuu+hh:mm".
func (h *Framer) appendISO(dst []byte, t time.Time) []byte {
	st := h.cached(t)
	dst = append(dst, st.iso[:]...)
	us := t.Nanosecond() / 1000
	var b [6]byte
	for i := 5; i >= 0; i-- {
		b[i] = byte('0' + us%10)
		us /= 10
	}
	dst = append(dst, b[:]...)
	return append(dst, st.off[:]...)
}

// cached returns the rendered timestamps of t's second.
func (h *Framer) cached(t time.Time) *stamp {
	sec := t.Unix()
	if st := h.stamp.Load(); st != nil && st.sec == sec && st.loc == t.Location() {
		return st
	}
	st := newStamp(t)
	h.stamp.Store(st)
	return st
}

func newStamp(t time.Time) *stamp {
	st := &stamp{sec: t.Unix(), loc: t.Location()}
	year, month, day := t.Date()
	hh, mm, ss := t.Clock()

	b := append(st.legacy[:0], monthNames[month-1]...)
	b = append(b, ' ')
	if day < 10 {
		b = append(b, ' ', byte('0'+day))
	} else {
		b = append2(b, day)
	}
	b = append(b, ' ')
	b = appendClock(b, hh, mm, ss)
	_ = append(b, ' ')

	b = append4(st.iso[:0], year)
	b = append(b, '-')
	b = append2(b, int(month))
	b = append(b, '-')
	b = append2(b, day)
	b = append(b, 'T')
	b = appendClock(b, hh, mm, ss)
	_ = append(b, '.')

	_, off := t.Zone()
	sign := byte('+')
	if off < 0 {
		sign, off = '-', -off
	}
	b = append(st.off[:0], sign)
	b = append2(b, off/3600)
	b = append(b, ':')
	_ = append2(b, off%3600/60)
	return st
}

func appendClock(b []byte, hh, mm, ss int) []byte {
	b = append2(b, hh)
	b = append(b, ':')
	b = append2(b, mm)
	b = append(b, ':')
	return append2(b, ss)
}

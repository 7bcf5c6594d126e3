package formats

import (
	"errors"
	"fmt"
	"strconv"
)

// Facility is a syslog facility code (0..23).
type Facility uint8

// Severity is a syslog severity (level) code, 0 (emerg) to 7 (debug).
type Severity uint8

// Facility codes, numbered as in RFC 5424 and HAProxy's `log` directive.
const (
	Kern Facility = iota
	User
	Mail
	Daemon
	Auth
	Syslog
	LPR
	News
	UUCP
	Cron
	AuthPriv
	FTP
	NTP
	Audit
	Alert
	Clock
	Local0
	Local1
	Local2
	Local3
	Local4
	Local5
	Local6
	Local7
)

// NumFacilities is the number of facility codes.
const NumFacilities = 24

// Severity codes.
const (
	Emerg Severity = iota
	AlertSev
	Crit
	Err
	Warning
	Notice
	Info
	Debug
)

// NumSeverities is the number of severity codes.
const NumSeverities = 8

// ErrUnknownName is returned (wrapped) when a facility or severity name is
// not recognised.
var ErrUnknownName = errors.New("unknown name")

// facilityNames holds the canonical (rsyslog) name of each facility.
var facilityNames = [NumFacilities]string{
	"kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news",
	"uucp", "cron", "authpriv", "ftp", "ntp", "audit", "alert", "clock",
	"local0", "local1", "local2", "local3", "local4", "local5", "local6", "local7",
}

// haproxyFacilityNames holds HAProxy's names, where they differ.
var haproxyFacilityNames = [NumFacilities]string{
	10: "auth2", 15: "cron2",
}

// facilityAliases are extra names accepted by Parse (rsyslog and BSD
// spellings).
var facilityAliases = map[string]Facility{
	"security": Auth, "auth2": AuthPriv, "cron2": Clock, "mark": Clock,
}

var severityNames = [NumSeverities]string{
	"emerg", "alert", "crit", "err", "warning", "notice", "info", "debug",
}

var severityAliases = map[string]Severity{
	"panic": Emerg, "error": Err, "warn": Warning,
}

// String returns the canonical (rsyslog) name of f, or its number for a code
// out of range.
func (f Facility) String() string {
	if int(f) < NumFacilities {
		return facilityNames[f]
	}
	return strconv.Itoa(int(f))
}

// HAProxyName returns the name HAProxy uses for f in its configuration
// ("auth2" and "cron2" for codes 10 and 15; otherwise as String).
func (f Facility) HAProxyName() string {
	if int(f) < NumFacilities && haproxyFacilityNames[f] != "" {
		return haproxyFacilityNames[f]
	}
	return f.String()
}

// ParseFacility returns the facility with the given name. It accepts the
// rsyslog, HAProxy and BSD spellings, case-insensitively.
func ParseFacility(name string) (Facility, error) {
	return parseName("facility", name, facilityNames[:], facilityAliases)
}

// String returns the name of s ("emerg" … "debug"), or its number for a code
// out of range.
func (s Severity) String() string {
	if int(s) < NumSeverities {
		return severityNames[s]
	}
	return strconv.Itoa(int(s))
}

// ParseSeverity returns the severity with the given name, accepting the
// aliases "panic", "error" and "warn", case-insensitively.
func ParseSeverity(name string) (Severity, error) {
	return parseName("severity", name, severityNames[:], severityAliases)
}

// parseName returns the code whose name (its index in names) or alias is
// name, compared case-insensitively; kind names the set in the error.
func parseName[T ~uint8](kind, name string, names []string, aliases map[string]T) (T, error) {
	for i, n := range names {
		if EqualFoldASCII(n, name) {
			return T(i), nil
		}
	}
	for n, v := range aliases {
		if EqualFoldASCII(n, name) {
			return v, nil
		}
	}
	return 0, fmt.Errorf("%s %q: %w", kind, name, ErrUnknownName)
}

// PRI returns the syslog priority value facility*8 + severity.
func PRI(f Facility, s Severity) int { return int(f)*8 + int(s) }

// SplitPRI splits a priority value into facility and severity. ok is false
// when pri is outside 0..191.
func SplitPRI(pri int) (f Facility, s Severity, ok bool) {
	if pri < 0 || pri > 191 {
		return 0, 0, false
	}
	return Facility(pri >> 3), Severity(pri & 7), true
}

// ParsePRI reads a leading "<N>" from b, as it opens a syslog message. It
// returns the value and the number of bytes consumed. ok is false when b does
// not start with a well-formed PRI of 1 to 3 digits whose value is at most 191.
// It never allocates.
func ParsePRI(b []byte) (pri, n int, ok bool) {
	if len(b) < 3 || b[0] != '<' {
		return 0, 0, false
	}
	for i := 1; i < len(b) && i <= 4; i++ {
		c := b[i]
		if c == '>' {
			if i == 1 || pri > 191 {
				return 0, 0, false
			}
			return pri, i + 1, true
		}
		if c-'0' > 9 {
			return 0, 0, false
		}
		pri = pri*10 + int(c-'0')
	}
	return 0, 0, false
}

// AppendPRI appends "<N>" for the given priority value.
func AppendPRI(dst []byte, pri int) []byte {
	dst = append(dst, '<')
	dst = strconv.AppendInt(dst, int64(pri), 10)
	return append(dst, '>')
}

// EqualFoldASCII reports whether a and b are equal under ASCII case
// folding only (as C's strncasecmp, which HAProxy and rsyslog use): unlike
// strings.EqualFold, no Unicode folding ("K" does not match U+212A). It
// does not allocate.
func EqualFoldASCII[T ~string | ~[]byte](a, b T) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

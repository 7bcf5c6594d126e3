// Package diag is the one diagnostic type of haplog's configuration
// readers (haproxy.cfg, rsyslog.conf, logrotate files, halog's
// -haproxy-cfg): an error, warning or note at a place in a file.
//
// A [Diag] carries the file, line (1-based), column (1-based; 0 when
// unknown), [Severity], the directive concerned (may be empty), a message
// and an optional cause. It is printed one way everywhere:
//
//	FILE:LINE:COL: SEVERITY: DIRECTIVE: MESSAGE
//
// where ":COL" is left out when the column is unknown, "DIRECTIVE: " when
// there is no directive, and "FILE:LINE:" is reduced to "FILE:" when the
// line is unknown (0) and left out with its colon when the file is
// unknown too. SEVERITY is "error", "warning" or "note". This is the form
// compilers and go vet use, so editors and grep jump to the place:
//
//	/etc/logrotate.d/haproxy:12: error: rotate: "ten" is not a number
//	haproxy.cfg:40:5: warning: option httplog: ignored in a tcp frontend
//
// A reader builds diagnostics from a [Pos] it keeps while scanning:
//
//	pos := diag.Pos{File: name, Line: n}
//	return pos.Errorf("rotate", "%q is not a number: %w", arg, err)
//
// Errorf wraps with fmt.Errorf, so %w works and [errors.Is] / [errors.As]
// see the cause through a *Diag. A *Diag is an error. A [List] collects
// the diagnostics of one read, warnings and errors together; [List.Err]
// returns the errors alone as one error (nil when there are none), which
// unwraps to each *Diag.
//
// A program that must print diagnostics in another, drop-in form keeps
// that form at its command-line boundary and uses Diag inside: the proxy
// prints HAProxy's "[ALERT]    (PID) : config : parsing [FILE:LINE] : MSG"
// with [WriteHAProxy] ([Diag.HAProxy] without the prefix), since "-c" is
// compared byte for byte with haproxy's.
//
// The package imports only the standard library.
package diag

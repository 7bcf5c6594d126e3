// Package formats is the shared vocabulary of haplog: everything the proxy
// writes, the syslog receiver routes and halog reads.
//
// It owns:
//
//   - Syslog facilities and severities (Facility, Severity) with the names
//     HAProxy and rsyslog use, and PRI arithmetic.
//   - Line, a zero-allocation cursor over one HAProxy log line that finds
//     fields lazily (only those a caller asks for) and parses numbers in place
//     with halog's exact integer semantics.
//   - The log-line model (Record) and the log-format compiler and encoder that
//     the proxy uses to render httplog, tcplog, clf and custom formats.
//   - Framer, the syslog framing of HAProxy's `log` targets (format local,
//     rfc3164, rfc5424, priority, short, timed, iso, raw; len; log-tag;
//     log-send-hostname).
//
// # Log lines
//
// HAProxy's built-in formats are log-format strings (HTTPLogFormat,
// TCPLogFormat, CLFLogFormat, HTTPSLogFormat, DefaultLogFormat), so there is
// one engine. The proxy compiles each frontend's format once and renders
// every request into a pooled buffer, then frames it for each log target:
//
//	f, err := formats.Compile(formats.HTTPLogFormat) // at configuration time
//	fr := &formats.Framer{Facility: formats.Local0, Tag: "haproxy", PID: pid}
//	...
//	line = f.Append(line[:0], &rec)                   // 0 allocations
//	dgram = fr.Append(dgram[:0], formats.Info, now, line) // 0 allocations
//
// Format.Append and Framer.Append reproduce HAProxy 2.6 byte for byte: the
// tests re-encode every datagram of the conformance captures and of a live
// haproxy run. Format.Parse reads a line back into a Record (tests, fuzzing,
// tools). Compile rejects sample fetches other than the few the built-in
// formats need; Format.HTTPOnly tells a TCP proxy which variable it may not
// use.
//
// formats imports only the standard library, so it can be fuzzed, benchmarked
// and read on its own. It does no I/O.
package formats

// Package genlog generates realistic, deterministic HAProxy 2.6 log lines.
//
// A [Generator] built from a [Config] appends one log line at a time with
// [Generator.Next]: httplog lines (`option httplog` with request captures
// `{host|User-Agent}` and an empty response capture `{}`) and tcplog lines
// (`option tcplog`), optionally behind a syslog prefix as rsyslog writes it
// to a file (traditional `Nov 21 08:00:00 lb1 haproxy[1234]: ` or RFC 3339).
//
// The same Config (including Seed) always yields the same byte sequence:
// the generator uses its own xoshiro256** random source and integer-only
// arithmetic on the per-line path, so the output does not depend on the
// math/rand implementation of the Go release. (The tables built by New use
// float64 math; identical output across CPU architectures is expected but
// only checked on amd64.) Tables (URLs, clients,
// servers, user agents) are built once in [New]; after that Next allocates
// nothing when dst has room.
//
// The lines follow HAProxy's own rules so that halog and the formats
// package read them like real traffic: termination states are consistent
// with status codes and timers (-1 timers where HAProxy writes them, such
// as `-1/-1/-1/-1/Ta` with `<BADREQ>` and `TR/-1/-1/-1/Ta` with `<NOSRV>` for
// local redirects), connection counters satisfy ac ≥ fc ≥ bc ≥ sc, retries are
// reported on SC (and `+1` after a redispatch), client addresses include bare
// IPv6 (`2001:db8::1:port`), URLs follow a Zipf law per backend and API calls
// may carry a unique `_=<ms>` cache-buster.
//
// A Generator is not safe for concurrent use; give each goroutine its own
// (with different seeds if the streams must differ).
package genlog

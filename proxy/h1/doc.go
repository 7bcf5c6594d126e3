// Package h1 parses and writes HTTP/1.x messages the way the proxy must
// handle them to be never more permissive than HAProxy 2.6 (with the
// later 2.6.x hardening): request and response heads parsed in place
// from a byte buffer without allocating, a chunked-body decoder, and the
// writers that emit the normalised head HAProxy forwards (one SP in the
// request line, lower-case header names, Content-Length dropped when
// Transfer-Encoding is present, obs-fold unfolded, duplicate identical
// Host/Content-Length merged, default ports removed from absolute-form
// targets).
//
// The package is a leaf: it imports only the standard library. Every
// limit is a field of [Limits] (tune.bufsize, tune.maxrewrite,
// tune.http.maxhdr, the header name length).
//
// A rejected message returns an [*Error] whose [Reason] tells the
// proxy what HAProxy answers (Reason.Status: 400, 413, 422, 501 for a
// request; a response error is always a 502) and logs (<BADREQ> with
// termination state PR-- for a request, PH-- for a response).
//
// Parsing rewrites the buffer in place where HAProxy normalises: the CR
// and LF of an obs-fold become spaces, a list Content-Length is cut to
// its single value without leading zeros, the Connection header loses
// its close/keep-alive tokens, and an absolute-form target loses a
// default port. Parsed fields point into the buffer and stay valid as
// long as it does.
//
// The corpus in testdata/h1/ (at the repository root) with the verdicts
// recorded from the real haproxy drives the table tests and seeds the
// fuzz targets.
package h1

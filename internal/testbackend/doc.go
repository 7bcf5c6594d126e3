// Package testbackend is a scriptable origin server for the proxy's tests,
// benchmarks and demos. It mirrors the corpus tools in
// /work/shared/conformance/tools (backend.py and tcpecho.py): an HTTP/1.1
// handler whose answer is chosen by the query string, and raw TCP servers
// (echo, banner, silent, close).
//
// HTTP query parameters (any path):
//
//	st=<status>   response status (default 200)
//	sz=<bytes>    body size (default 100; no body for 204/304/HEAD)
//	d=<ms>        delay before answering
//	ct=<type>     content type (default text/plain)
//	ck=1          add "Set-Cookie: SRVID=<name>; path=/"
//	close=1       add "Connection: close" and close after the answer
//	srv=0         omit the Server header
//	bad=1|2|3     invalid status line / close without answer / truncated body
//
// The response carries exactly the headers backend.py sends (Server,
// Content-Type, Location for 301/302, Set-Cookie, Content-Length,
// Connection), in that order, so byte counts logged by a proxy in front of
// it match those logged in front of backend.py.
//
// HTTP.OnRequest tells a test when a request reached the origin, so that
// it can act on that event instead of sleeping. FreePort picks a port for
// programs that cannot listen on port 0 (HAProxy in differential tests).
//
// It is not part of the proxy and is not meant for production.
package testbackend

// Package proxy is the runtime of haplog's HAProxy-compatible load
// balancer: frontends, backends, servers, balancing, queueing, health
// checks, and the access logger that sends HAProxy's exact log lines as
// UDP syslog datagrams.
//
// It consumes a resolved configuration from proxy/config (which owns
// parsing and `-c`) and renders log lines with the one log-format engine in
// package formats (Record, Format.Append, Framer). It does not parse
// configuration files.
//
// # The request path
//
// One HTTP request goes through eight stages, one file each. Each stage is
// a function over the session (the client connection, session.go) whose
// embedded txn is the request in progress; the stream inside it carries
// the instants and the outcome the log line reports.
//
//	stage             file         entry point            what it does
//	accept            accept.go    frontend.acceptLoop    slot (maxconn), accept, worker, session.run
//	                  tcpconn.go   session.connRefused    tcp-request connection accept/reject (dcon)
//	read request      readreq.go   readRequest            head within timeout http-request, 400/408, captures
//	frontend rules    reqrules.go  applyRules             http-request rules: deny/redirect/return/auth, set-*
//	backend choice    choose.go    chooseBackend          use_backend/default_backend, cookie persistence
//	connect           connect.go   connect                balance, queue, dial, retries, redispatch (sQ/sC/SC)
//	forward           forward.go   forward, sendRequest   request head and body to the server, kept conns
//	respond           respond.go   relayResponse          response head, http-response rules, body, replies
//	                  compress.go  startCompression       compression (gzip/deflate) of the response body
//	                  tunnel.go    relayTunnel            101 (Upgrade) or CONNECT 2xx: two-way relay, timeout tunnel
//	log               log.go       logStream              fill formats.Record, send through logger.go
//
// HTTP/1 messages are parsed and re-framed by package proxy/h1 (h1.go and
// body.go adapt it: the request and response heads, chunked bodies).
// http.go is the loop that calls them (serveHTTP, handleRequest); tcp.go
// is mode tcp (choose, connect, then a two-way tunnel, then log). The
// types they share:
//
//	type           file        role
//	session        session.go  one client connection; its kept server connection
//	txn            session.go  the request in progress: heads, stream, record, scratch
//	stream         session.go  instants (Ti..Tt), backend/server, status, bytes
//	termState      term.go     %ts: termCause, termPhase, cookieReq, cookieResp
//	frontend       frontend.go listeners, log format, replies, rules, resolved route
//	backend/server backend.go  servers, balancer, queue, slots
//	compiledRules  rules.go    http-request/-response rules compiled at load
//
// Beside the request path, the Proxy's other concerns each have their
// type, reached from the Proxy (which keeps life cycle: New, Listen,
// Serve, SoftStop, the session set):
//
//	type           file                  role
//	health         check.go, admin.go    health checks, UP/DOWN, admin states, on-marked-down/up
//	logOutput      logger.go logbatch.go log targets, datagram send and queue, notices, send alert
//	cliState       cli.go, cli_cmds.go   stats sockets and their commands
//
// The configuration is provisioned once into a plan (plan.go): every
// frontend and backend built, each frontend's use_backend/default_backend
// resolved to its *backend (frontend.route), rules and log formats
// compiled and attached to their frontend or backend, error replies built,
// the limits computed (slices indexed by config.Proxy.Index). The Proxy
// holds the current plan in an atomic.Pointer; a connection takes its
// frontend's plan once, at accept (session.pl), and the request path
// follows that plan's pointers only: nothing is looked up by name or in a
// map (the nbsrv ACL fetch follows config.Proxy.Index into
// plan.backends). Reload provisions a new configuration and swaps the
// pointer: the listeners of addresses bound by both are handed over,
// connections already accepted finish on their plan, whose log sockets
// close after the last of them. Every instant and deadline is read from
// one clock, Options.Now (clock.go).
//
//	type           file      role
//	plan           plan.go   frontends, backends by Index, routes, limits, global log sinks
//	Proxy.cur      proxy.go  the current plan (atomic.Pointer[plan]), swapped by Reload
//
// # Life cycle
//
//	p, err := proxy.New(cfg, proxy.Options{})
//	err = p.Listen()      // bind every listener (SO_REUSEADDR+SO_REUSEPORT)
//	err = p.Serve(ctx)    // until ctx is done (hard stop, no notices) or SoftStop drained
//
// Reload(cfg) replaces the configuration in place (see above); a reload
// by a new process (-sf) works too.
//
// SoftStop (SIGUSR1, or "-sf" from a new process) closes the listeners,
// logs "Proxy <name> stopped (cumulated conns: ...)" per proxy, closes idle
// keep-alive connections and lets active requests finish. Because
// listeners use SO_REUSEPORT, a new process binds the same addresses before
// the old one stops: a reload refuses no connection.
//
// # Why a hand-written HTTP/1.x engine
//
// net/http and httputil.ReverseProxy hide what HAProxy's logs report: the
// instant the first request byte arrives (Ti), the end of the request head
// (TR), the connect time (Tc) and the arrival of the response head (Tr) are
// not observable, and neither are the failure phases behind the
// termination states (CR/cR on a partial or late request, <BADREQ>, SH/sH/PH
// before the response head, SD/CD/cD during the body). ReverseProxy also
// rewrites messages in ways HAProxy does not. So the session code reads
// heads into a buffer of tune.bufsize bytes (16 KiB by default; with
// tune.maxrewrite and tune.http.maxhdr it bounds a head as HAProxy's HTX
// buffer does), parses them in place, forwards bodies by their framing (Content-Length, chunked or
// until close) and stamps each event with the monotonic clock. TCP mode is
// a plain two-goroutine tunnel with inactivity timeouts.
//
// # What the logs contain
//
//   - Timers TR/Tw/Tc/Tr/Ta/Tt come from those instants through
//     formats.ComputeTimers (HAProxy's -1 rules).
//   - %B counts response bytes the way HAProxy's HTX does: start line
//     parts + 21, header names and values (Connection excluded), body
//     payload (de-chunked). Generated responses (403, 503, 504, redirects,
//     "http-request return") are counted the same way; the raw 400/408
//     sent before a stream exists count 0, as in HAProxy.
//   - %U counts the request head the same way (a Connection: Upgrade
//     included), then the body bytes actually read from the client and,
//     in a tunnel (and in TCP mode), every byte relayed from the client.
//   - %ac/%fc/%bc/%sc are read at log time after the stream released its
//     server slot, so a lone request logs 1/1/0/0, as HAProxy does. A
//     queued stream handed the freed slot is woken after the line is
//     sent and %sc does not count it until it resumes (HAProxy's
//     cur_sess): the stream leaving logs 3/3/2/0/0, not 3/3/2/1/0.
//   - Every request of a keep-alive connection is load-balanced again
//     (roundrobin: a1 then a2 on one connection); cookie persistence
//     still pins it. The kept server connection is reused only when the
//     balancer picks its server.
//   - Any "HTTP/<digit>.<digit>" request is accepted, as HAProxy 2.6
//     does: above 1.1 (1.2, 2.0, 9.9) it is logged as received and sent
//     to the server as HTTP/1.1; 1.0 and 0.9 are sent as received.
//   - Queueing: a server's maxconn sends excess streams to the backend
//     queue (%bq is the queue length including the stream); "timeout queue"
//     expiry gives 503 sQ.
//   - Admin events (server DOWN/UP, "has no server available!", "Proxy X
//     stopped") use HAProxy's texts and levels.
//
// A keep-alive request allocates nothing on its way through the stages
// (TestKeepAliveRequestAllocs: reuse of the kept server connection, a
// rendered set-header, the log line): heads are parsed in place, the
// request line, transfer state and scratch buffers live in the session,
// the input buffers are pooled. A new connection allocates in package net
// only (accept, dial).
//
// Sending a log line never blocks a request: datagrams are written with
// MSG_DONTWAIT on a connected UDP socket; a full socket buffer drops the
// line and counts it (Stats). The request lines to a UDP target are queued
// on it and leave together once the goroutines runnable at the time have
// run (logbatch.go: one sendmmsg and one wake-up of the syslog daemon for
// a scheduler round's lines instead of one each), in order, and before any
// other line to that target.
//
// The request path's writes first send what the socket takes at once
// without re-arming the write deadline (rawwrite.go), which only a write
// that has to wait needs.
//
// # Rules, stats socket, client aborts
//
// http-request rules (allow, deny, redirect, return, auth, set-header,
// add-header, del-header, set-path, set-log-level) run in the frontend
// then in the backend; http-response rules (allow, deny, set-header,
// add-header, del-header) in the backend then the frontend. Header values
// are log-format strings rendered with package formats when the rule runs.
// %B counts the response head as the server sent it (HAProxy 2.6 does not
// count what http-response rules change). Generated replies carry
// "connection: close" when the connection ends, as HAProxy's do.
//
// "stats socket" opens a minimal HAProxy CLI (cli.go): help, prompt, quit,
// operator, user, show info, show stat [json] (the stats page's rows),
// show servers state, show backend, show cli level,
// show version, disable/enable server and set server <b>/<s> state
// ready|drain|maint, with HAProxy's replies and admin log lines (drain,
// maintenance, "has no server available!"), replayed against haproxy
// 2.6.12 in the tests. A UNIX socket is bound under a temporary name and
// renamed over its path (a reloading process takes it over) and removed
// at exit when it is still ours.
//
// # Stats page and Prometheus exporter
//
// "stats enable/uri/realm/auth/admin/refresh/hide-version/show-legends/
// show-node" serve HAProxy 2.6's page (stats*.go): the HTML tables, ;csv
// with the 128 fields of 2.6 (header recorded from haproxy 2.6.12), ;json
// (typed), ;up, ;norefresh, and admin POST forms answered 303 to ;st=<code>
// (DONE, PART, NONE, ERRP, EXCD, DENY) with HAProxy 2.6's semantics for
// every action of its page (admin.go): ready/drain/maint, hrunn/hnolb/hdown
// (NOLB: UP but out of load balancing until the next passed check),
// dhlth/ehlth (checks paused, "no check"), shutdown, the older
// disable/enable/stop/start, and the agent actions, which select no server
// as in HAProxy without an agent check. A request without valid
// credentials gets HAProxy's 401 page and is logged as HAProxy logs it
// (status 400, %B counting the unsent 400 message too).
//
// In HTTP mode a 101 Switching Protocols (WebSocket or any Upgrade) or a
// 2xx to CONNECT turns the connection into a two-way relay (tunnel.go)
// governed by "timeout tunnel" (else timeout client/server), logged with
// the response's status and every byte relayed to the client in %B (and
// from the client in %U).
// The rows read counters.go: per frontend, backend and server counters
// updated with atomics once per stream (countRequest when a request
// arrives, countStream where it is logged) and by the health checks.
// "http-request use-service prometheus-exporter" serves the 187 families
// of HAProxy 2.6's exporter from the same rows (promex*.go).
//
// A client that closes or resets its connection while the server has not
// answered (or while queued) does not abort the stream, with or without
// "option abortonclose": haproxy 2.6.12 behaves so (measured), logging
// "----" after a close and "CD--" after a reset once the response comes.
//
// Validate lists what the configuration package accepts but this runtime
// cannot honour: alerts (refused by cmd/proxy and "-c") or warnings.
//
// # TLS
//
// "bind ... ssl crt <pem|dir>" terminates TLS with crypto/tls (tls.go). A
// PEM holds the certificate chain and the key (or the key sits in
// "<pem>.key"); a directory loads every file in name order. SNI picks the
// certificate whose subject CN or DNS names match (exact, then wildcard),
// else the first one loaded, as HAProxy does. "alpn" (HTTP/1.x names only
// in HTTP mode), "ssl-min-ver"/"ssl-max-ver" (default TLSv1.2), "ciphers"
// (OpenSSL suite names for TLS <= 1.2) and "verify"/"ca-file" (client
// certificates) apply. The handshake runs in the session's goroutine,
// bounded by timeout client; its duration is Th. A connection that dies
// in the handshake logs HAProxy's connection error line
// ("<ci>:<cp> [<date>] <fe>/<bind name or listener number>: SSL handshake
// failure", "Connection closed during SSL handshake", "Timeout during SSL
// handshake"; dontlognull hides those that sent nothing). Log lines carry
// "~" after %ft, %sslv/%sslc in OpenSSL's names (TLSv1.3,
// ECDHE-RSA-AES128-GCM-SHA256), %[ssl_fc_sni], %[ssl_fc_is_resumed];
// the ssl_fc and ssl_fc_sni ACL fetches answer.
//
// "server ... ssl" speaks TLS to the server: "verify required" (the
// default, or "ssl-server-verify") checks the chain against "ca-file" and
// the name against "verifyhost", else the SNI sent; "sni" takes
// str(<name>), req.hdr(<name>)/hdr(<name>) (port removed) or ssl_fc_sni;
// "crt" sends a client certificate. The handshake is part of the connect
// (Tc, timeout connect); a failed one is a failed connection (SC after
// retries). Sessions are resumed from a per-server cache. Health checks of
// an "ssl" server use TLS unless "port"/"addr" send them elsewhere
// ("check-ssl"/"no-check-ssl" force it), with HAProxy's Layer6 statuses.
//
// # Health checks
//
// As in HAProxy, a server starts UP with its health at rise: the first
// failed check takes it DOWN whatever fall is, the first passed check
// takes it to the top (rise+fall-1); after that, fall consecutive
// failures take it down and rise successes bring it back. The first
// checks are spread over the smallest interval of at least one second
// (n-th of N checked servers after mininter*n/N). With log-health-checks,
// a line is logged when the health or the status changes, before the
// DOWN/UP line (which then carries no reason).
//
// # Connection limits
//
// As in haproxy 2.6.12 (measured; limits.go), every frontend has a
// connection limit: its "maxconn" (or its defaults'), else the global
// maxconn. Without a global "maxconn", the global limit is computed from
// RLIMIT_NOFILE (the larger of the soft and hard limits):
// (limit - reserved) / 2, at least 100, where reserved is 10 plus one
// per listener (each port of each bind, disabled proxies included, each
// stats socket), one per server with "check", the CLI's maxconn ("stats
// maxconn", else 10) when any global "stats" line exists (socket,
// timeout, maxconn or bind-process) and 3 per thread ("nbthread", else the
// CPUs, at most 64). "ulimit-n" does not change it. "show info" reports it
// as Maxconn and Hard_maxconn; "show stat" gives each FRONTEND its maxconn
// as slim and each BACKEND its fullconn: "fullconn" (from the backend or
// its defaults; 0 = unset), else a tenth (rounded up, at least 1) of the
// maxconn of the frontends that reach it by default_backend or
// use_backend. fullconn has no other effect (minconn is not supported).
// "show info" CumConns counts the frontends' connections, CLI
// connections and every health-check attempt, as haproxy does.
//
// A full frontend stops accepting: new connections wait in the kernel's
// backlog (listen(2) backlog = the frontend's maxconn, capped by
// somaxconn) and are accepted as soon as one of its connections ends.
// The global maxconn bounds the connections of all frontends together
// (the CLI is not counted, as in haproxy): when it is reached every
// listener waits. On Linux an accept loop waits for a queued connection
// before taking a slot, so an idle listener never holds a slot another
// listener needs.
//
// # Limitations
//
// No PROXY protocol, no compression offload, no logasap: Validate
// reports each.
// TLS: crypto/tls chooses the cipher suite by its own preference where
// OpenSSL applies the server's (TLS 1.3: TLS_AES_128_GCM_SHA256 where
// HAProxy logs TLS_AES_256_GCM_SHA384; TLS 1.2 with several suites
// offered: AES-128 where HAProxy picks AES-256), "ciphers" takes suite
// names, not OpenSSL expressions ("HIGH:!aNULL" is warned about and Go's
// defaults are used), "ciphersuites", curves, crt-list, OCSP, client
// certificate error fetches (ssl_c_err stays 0), HTTP/2 over ALPN and
// error-log-format are not supported, and SSLv3 maps to TLS 1.0. The stats
// page does not count raw H1 bytes (h1_bytes_in/out stay 0), pooled idle
// server connections nor a connection closed before its first request
// (haproxy counts it in req_tot and hrsp_4xx); agent checks, "stats scope"
// and "stats show-desc" are not supported. "stats maxconn" only
// sizes the computed maxconn: the CLI does not limit its connections. The
// process's RLIMIT_NOFILE is neither set to the computed descriptor budget
// nor checked against it (haproxy refuses to start when "maxconn" needs
// more descriptors than the hard limit). Request bodies are
// forwarded before the response is read. For a response denied by
// http-response deny, %B counts only the 502 reply (HAProxy also counts
// part of the discarded response).
package proxy

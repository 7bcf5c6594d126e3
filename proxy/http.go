package proxy

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"time"

	"github.com/haplog/haplog/formats"
	"github.com/haplog/haplog/proxy/config"
)

// httpTimeouts returns the wait allowed for the next request head: timeout
// http-request for the first request, http-keep-alive for later ones (each
// falling back as HAProxy's do, ending on timeout client).
func (s *session) requestTimeout(first bool) time.Duration {
	t := s.fe.cfg.Timeouts
	if !first && t.HTTPKeepAlive > 0 {
		return t.HTTPKeepAlive
	}
	if t.HTTPRequest > 0 {
		return t.HTTPRequest
	}
	return t.Client
}

// serveHTTP runs the request loop of an HTTP connection.
func (s *session) serveHTTP() {
	base := s.accept
	for first := true; ; first = false {
		st := &s.st
		st.reset(base)
		if first {
			st.hs = s.tls.handshake
		}
		if !s.readRequest(first) {
			return
		}
		keep := s.handleRequest()
		if !keep || s.p.stopping.Load() {
			return
		}
		base = s.p.now()
	}
}

// readRequest waits for and parses the next request head. It reports false
// when the connection must end (after logging and answering as needed).
func (s *session) readRequest(first bool) bool {
	st := &s.st
	to := s.requestTimeout(first)
	var dl time.Time
	if to > 0 {
		dl = st.base.Add(to)
	}
	if !first {
		if s.p.stopping.Load() {
			return false
		}
		s.idle.Store(1)
		if s.p.stopping.Load() {
			s.idle.Store(0)
			return false
		}
	}
	n, err := s.rd.readHead(dl, func() { st.first = s.p.now(); s.idle.Store(0) })
	s.idle.Store(0)
	if err == nil {
		st.reqDone = s.p.now()
		if err = s.req.parseRequest(s.rd.buf[s.rd.r : s.rd.r+n]); err == nil {
			s.saveRequest()
			s.rd.consume(n)
			return true
		}
	}
	noData := st.first.IsZero()
	if noData && !first {
		return false // idle keep-alive connection closed or timed out
	}
	if noData && s.p.stopping.Load() {
		return false
	}
	st.reqDone = time.Time{}
	st.badReq = true
	st.status = 400
	switch {
	case isTimeout(err):
		st.status = 408
		st.term.set(causeClientTimeout, phaseRequest)
		s.sendRaw(rawErrorReply(408))
	case errors.Is(err, errBadMessage) || errors.Is(err, errHeadTooLarge):
		st.term.set(causeProxy, phaseRequest)
		st.reqDone = time.Time{}
		s.sendRaw(rawErrorReply(400))
	default:
		st.term.set(causeClientAbort, phaseRequest)
	}
	if !(noData && s.fe.cfg.DontLogNull) {
		s.logStream(s.p.now())
	}
	return false
}

// sendRaw writes a reply that is not part of a stream.
func (s *session) sendRaw(r reply) {
	s.c.SetWriteDeadline(deadline(s.fe.cfg.Timeouts.Client))
	s.c.Write(r.raw)
}

// saveRequest keeps what the log line needs from the request head, which
// lives in the input buffer only until it is forwarded.
func (s *session) saveRequest() {
	h := &s.req
	n := len(h.method) + len(h.uri) + len(h.version) + 2
	b := make([]byte, 0, n)
	b = append(b, h.method...)
	b = append(b, ' ')
	b = append(b, h.uri...)
	b = append(b, ' ')
	b = append(b, h.version...)
	s.reqStr = string(b)
	s.uriCur = ""
	s.hbuf = s.hbuf[:0]
	st := &s.st
	caps := s.fe.cfg.Captures
	for _, c := range caps.Request {
		st.reqCaps = append(st.reqCaps, captureValue(h.lookup(strings.ToLower(c.Name)), c.Len))
	}
	if caps.Cookie != nil {
		st.reqCookie = findCookie(h, "cookie", caps.Cookie.Name, caps.Cookie.Len)
	}
}

func (s *session) method() string { return s.reqStr[:len(s.req.method)] }

// uri is the request URI as received (set-path does not change it).
func (s *session) uri() string {
	return s.reqStr[len(s.req.method)+1 : len(s.reqStr)-len(s.req.version)-1]
}
func (s *session) version() string { return s.reqStr[len(s.reqStr)-len(s.req.version):] }

func captureValue(v []byte, n int) string {
	if len(v) > n {
		v = v[:n]
	}
	return string(v)
}

// handleRequest processes one parsed request to the end and logs it. It
// reports whether the connection may carry another request.
func (s *session) handleRequest() bool {
	st := &s.st
	fe := s.fe
	keep := s.clientKeepAlive()
	if fe.cfg.MonitorURI != "" && s.uri() == fe.cfg.MonitorURI {
		code := 200
		if fe.cfg.MonitorFail != nil && fe.cfg.MonitorFail.Eval(s) {
			code = 503
		}
		rep := errorReply(code)
		return s.writeReply(rep, keep) && keep && s.skipBody()
	}
	if rep, handled, term := s.applyRules(fe.rules); handled {
		return s.localReply(rep, term, keep)
	}
	if stats := fe.cfg.Stats; stats != nil && stats.Enable && strings.HasPrefix(s.uri(), statsURI(stats)) {
		if lb := fe.route.self; lb != nil {
			// A listen section answers its stats page in its frontend
			// part, before any backend is assigned: HAProxy counts
			// no backend connection (Proxy stats stopped ... BE: 0).
			st.be = lb
			return s.serveStats(lb, keep)
		}
	}
	be := s.chooseBackend()
	if be == nil {
		rep := fe.replies().get(503)
		st.status, st.bytesOut = 503, rep.htx
		st.term.set(causeProxy, phaseRequest)
		s.writeReply(rep, false)
		s.logStream(s.p.now())
		return false
	}
	st.setBackend(be)
	if be.cfg.Cookie != nil {
		// HAProxy logs N (no cookie / none set) in the two cookie
		// characters whenever the backend uses a cookie, even when no
		// response arrived (502 PHNN, SHNN).
		st.term.setCookieReq(cookieReqAbsent)
		st.term.setCookieResp(cookieRespAbsent)
	}
	if be.rules != fe.rules {
		if rep, handled, term := s.applyRules(be.rules); handled {
			return s.localReply(rep, term, keep)
		}
	}
	if stats := be.cfg.Stats; stats != nil && stats.Enable && strings.HasPrefix(s.uri(), statsURI(stats)) {
		return s.serveStats(be, keep)
	}
	return s.forward(be, keep)
}

// clientKeepAlive reports whether the client connection may stay open
// after this request.
func (s *session) clientKeepAlive() bool {
	h := &s.req
	if h.connClose || s.fe.cfg.ConnMode == config.ConnClose {
		return false
	}
	if !h.http11() && !h.connKA {
		return false
	}
	return !s.p.stopping.Load()
}

// skipBody discards the request body of a request answered locally.
func (s *session) skipBody() bool {
	h := &s.req
	if !h.chunked && h.contentLength <= 0 {
		return true
	}
	c := conduit{src: s.rd, dst: discardConn{}, rto: s.fe.cfg.Timeouts.Client}
	return c.copyBody(h, false)
}

// writeReply sends a generated response. Like HAProxy's H1 output it
// carries "connection: close" when the connection ends after it (and
// "connection: keep-alive" to an HTTP/1.0 client that keeps it).
func (s *session) writeReply(r reply, keep bool) bool {
	s.c.SetWriteDeadline(deadline(s.fe.cfg.Timeouts.Client))
	raw := r.raw
	conn := ""
	switch {
	case !keep:
		conn = "connection: close\r\n"
	case !s.req.http11():
		conn = "connection: keep-alive\r\n"
	}
	if i := bytes.Index(raw, []byte("\r\n\r\n")); conn != "" && i >= 0 {
		w := append(s.wbuf[:0], raw[:i+2]...)
		w = append(w, conn...)
		w = append(w, raw[i+2:]...)
		s.wbuf = w
		raw = w
	}
	_, err := s.c.Write(raw)
	if err != nil {
		s.st.term.setCause(causeClientAbort)
		return false
	}
	return keep
}

// applyRules runs the http-request rules of cr; handled is true when one
// of them answered the request (deny, redirect, return, auth).
func (s *session) applyRules(cr *compiledRules) (rep reply, handled bool, term termCause) {
	rules := cr.reqCfg
	for i := range rules {
		r := &rules[i]
		if !r.Cond.Eval(s) {
			continue
		}
		switch r.Action {
		case config.ActAllow:
			return reply{}, false, 0
		case config.ActDeny:
			code := r.Status
			if code == 0 {
				code = 403
			}
			return s.fe.replies().get(code), true, causeProxy
		case config.ActRedirect:
			return redirectReply(r, s.req.uri), true, causeLocal
		case config.ActReturn:
			return returnReply(r), true, causeLocal
		case config.ActAuth:
			return cr.req[i].auth, true, causeLocal
		case config.ActSetHeader, config.ActAddHeader, config.ActDelHeader:
			s.applyHeaderRule(&s.req, r.Action, cr.req[i])
		case config.ActSetLogLevel:
			s.st.quiet = cr.req[i].quiet
			s.st.level, s.st.levelSet = cr.req[i].level, !cr.req[i].quiet
		case config.ActSetPath:
			s.setPath(cr.req[i])
		}
	}
	return reply{}, false, 0
}

// setPath replaces the path of the request URI, keeping the query string.
func (s *session) setPath(r *hdrRule) {
	cur := s.curURI()
	_, query, hasQuery := strings.Cut(cur, "?")
	start := len(s.hbuf)
	if r.fmt == nil {
		s.hbuf = append(s.hbuf, r.lit...)
	} else {
		s.hbuf = s.ruleValueAppend(s.hbuf, r)
	}
	if hasQuery {
		s.hbuf = append(s.hbuf, '?')
		s.hbuf = append(s.hbuf, query...)
	}
	u := s.hbuf[start:len(s.hbuf):len(s.hbuf)]
	s.req.uri = u
	s.uriCur = string(u)
}

// localReply answers the request with rep (a rule's or the stats page's)
// and logs it.
func (s *session) localReply(rep reply, term termCause, keep bool) bool {
	st := &s.st
	st.status = rep.status
	st.term.set(term, phaseRequest)
	ok := s.writeReply(rep, keep)
	st.bytesOut = rep.htx
	s.logStream(s.p.now())
	return ok && keep && s.skipBody()
}

// chooseBackend applies use_backend rules, then default_backend.
func (s *session) chooseBackend() *backend {
	rt := &s.fe.route
	for i := range rt.rules {
		if rt.rules[i].cond.Eval(s) {
			return rt.rules[i].be
		}
	}
	return rt.def
}

// forward sends the request to a server of be and relays the response.
func (s *session) forward(be *backend, keep bool) bool {
	st := &s.st
	prefer := s.persistence(be)
	s.key = balanceKey{src: s.client.Addr(), uri: s.req.uri}
	key := &s.key
	// Every request of a keep-alive connection is load-balanced again, as
	// in HAProxy (cookie persistence still pins it): the kept server
	// connection serves it only when the balancer picks its server.
	// "option prefer-last-server" changes nothing in haproxy 2.6.12
	// either (measured: a1, a2, a1 with it), so it stays ignored.
	var kept *server
	if s.srvConn != nil && s.srvFor != nil && s.srvFor.be == be && be.cfg.ConnMode == config.ConnKeepAlive {
		kept = s.srvFor
	} else {
		s.closeServer()
	}
	conn, ce := s.connect(context.Background(), st, key, prefer, kept)
	switch {
	case ce == connReused:
		st.srvAP = addrPort(s.srvConn.RemoteAddr())
		return s.exchange(be, keep, true)
	case ce != connOK:
		s.closeServer()
		return s.connectFailed(ce)
	}
	s.closeServer()
	s.setServer(conn, st.srv)
	return s.exchange(be, keep, false)
}

func (s *session) connectFailed(ce connErr) bool {
	st := &s.st
	code := 503
	st.setTermConnErr(ce)
	rep := s.fe.replies().get(code)
	st.status, st.bytesOut = code, rep.htx
	s.writeReply(rep, false)
	st.finish()
	s.logStream(s.p.now())
	return false
}

// exchange writes the request to the server connection and relays the
// response back. A kept server connection that turns out closed before
// any response byte is replaced once by a fresh one (bodyless requests).
func (s *session) exchange(be *backend, keep bool, reused bool) bool {
	st := &s.st
	srvKeep := be.cfg.ConnMode == config.ConnKeepAlive && s.fe.cfg.ConnMode == config.ConnKeepAlive
	bodyless := !s.req.chunked && s.req.contentLength <= 0
	n, err := 0, error(nil)
	if !s.sendRequest(be, srvKeep) {
		err = io.ErrUnexpectedEOF
	} else {
		n, err = s.readRespHead(be)
	}
	if err != nil && reused && bodyless && !isTimeout(err) && s.srvRd.buffered() == 0 {
		s.closeServer()
		st.finish()
		st.wakeQueued()
		st.setBackend(be)
		conn, ce := s.connect(context.Background(), st, &s.key, st.srv, nil)
		if ce != connOK {
			return s.connectFailed(ce)
		}
		s.setServer(conn, st.srv)
		if !s.sendRequest(be, srvKeep) {
			err = io.ErrUnexpectedEOF
		} else {
			n, err = s.readRespHead(be)
		}
	}
	switch {
	case err == nil:
	case isTimeout(err):
		return s.serverFailed(be, causeServerTimeout, phaseHeaders, 504)
	case errors.Is(err, errHeadTooLarge) || errors.Is(err, errBadMessage):
		return s.serverFailed(be, causeProxy, phaseHeaders, 502)
	case errors.Is(err, errClientGone):
		st.term.set(causeClientAbort, phaseHeaders)
		s.closeServer()
		s.logStream(s.p.now())
		return false
	default:
		return s.serverFailed(be, causeServerAbort, phaseHeaders, 502)
	}
	st.header = s.p.now()
	return s.relayResponse(be, keep, srvKeep, n)
}

var errClientGone = errors.New("client gone")

// sendRequest forwards the request head and body to the server.
func (s *session) sendRequest(be *backend, srvKeep bool) bool {
	h := &s.req
	w := s.wbuf[:0]
	w = append(w, h.method...)
	w = append(w, ' ')
	w = append(w, h.uri...)
	w = append(w, ' ')
	if h.http11() {
		// HAProxy sends HTTP/1.1 for any version above it (HTTP/1.2,
		// 2.0, 9.9: measured); 1.0 and 0.9 go as received.
		w = append(w, "HTTP/1.1"...)
	} else {
		w = append(w, h.version...)
	}
	w = append(w, "\r\n"...)
	expect := false
	for i := range h.hdrs {
		hd := &h.hdrs[i]
		if hd.skip || hd.del {
			continue
		}
		if equalFoldASCII(hd.name, "expect") && equalFoldASCII(hd.value, "100-continue") {
			expect = true
			continue
		}
		if be.cfg.Cookie != nil && be.cfg.Cookie.Indirect && equalFoldASCII(hd.name, "cookie") {
			w = appendCookieWithout(w, hd.value, be.cfg.Cookie.Name)
			continue
		}
		w = appendLower(w, hd.name)
		w = append(w, ": "...)
		w = append(w, hd.value...)
		w = append(w, "\r\n"...)
	}
	if ff := s.forwardFor(be); ff != nil {
		w = appendLower(w, []byte(ff.Header))
		w = append(w, ": "...)
		w = s.client.Addr().AppendTo(w)
		w = append(w, "\r\n"...)
	}
	if !srvKeep && h.http11() {
		w = append(w, "connection: close\r\n"...)
	}
	w = append(w, "\r\n"...)
	s.wbuf = w
	c := conduit{src: s.rd, dst: s.srvConn, rto: s.fe.cfg.Timeouts.Client, wto: be.cfg.Timeouts.Server}
	if !c.write(w) {
		return false
	}
	if !h.chunked && h.contentLength <= 0 {
		return true
	}
	if expect {
		s.c.SetWriteDeadline(deadline(s.fe.cfg.Timeouts.Client))
		if _, err := s.c.Write([]byte("HTTP/1.1 100 Continue\r\n\r\n")); err != nil {
			return false
		}
	}
	return c.copyBody(h, false)
}

func (s *session) forwardFor(be *backend) *config.ForwardFor {
	ff := s.fe.cfg.ForwardFor
	if ff == nil {
		ff = be.cfg.ForwardFor
	}
	if ff == nil || (ff.Except.IsValid() && ff.Except.Contains(s.client.Addr())) {
		return nil
	}
	if ff.IfNone && s.req.lookup(strings.ToLower(ff.Header)) != nil {
		return nil
	}
	if ff.Header == "" {
		return &config.ForwardFor{Header: "X-Forwarded-For"}
	}
	return ff
}

// readRespHead reads the response head, forwarding 1xx interim responses
// to the client, and returns the head length.
func (s *session) readRespHead(be *backend) (int, error) {
	rd := s.srvRd
	for {
		n, err := rd.readHead(deadline(be.cfg.Timeouts.Server), nil)
		if err != nil {
			return 0, err
		}
		if err := s.resp.parseResponse(rd.buf[rd.r : rd.r+n]); err != nil {
			return 0, err
		}
		if s.resp.status >= 200 || s.resp.status == 101 {
			return n, nil
		}
		s.c.SetWriteDeadline(deadline(s.fe.cfg.Timeouts.Client))
		if _, err := s.c.Write(rd.buf[rd.r : rd.r+n]); err != nil {
			return 0, errClientGone
		}
		rd.consume(n)
	}
}

// serverFailed answers with a generated error, closes the server
// connection and logs. It always reports false (the connection ends).
func (s *session) serverFailed(be *backend, cause termCause, phase termPhase, code int) bool {
	st := &s.st
	st.term.set(cause, phase)
	rep := s.fe.replies().get(code)
	st.status, st.bytesOut = code, rep.htx
	s.closeServer()
	s.writeReply(rep, false)
	st.finish()
	s.logStream(s.p.now())
	return false
}

// relayResponse forwards the response head and body to the client.
func (s *session) relayResponse(be *backend, keep, srvKeep bool, headLen int) bool {
	st := &s.st
	h := &s.resp
	st.status = h.status
	noBody := string(s.req.method) == "HEAD" || h.status == 204 || h.status == 304 || h.status < 200
	untilClose := !noBody && !h.chunked && h.contentLength < 0
	if untilClose {
		keep = false
	}
	if !h.http11() && !h.connKA || h.connClose || untilClose {
		srvKeep = false
	}
	caps := s.fe.cfg.Captures
	for _, c := range caps.Response {
		st.respCaps = append(st.respCaps, captureValue(h.lookup(strings.ToLower(c.Name)), c.Len))
	}
	if caps.Cookie != nil {
		st.respCookie = findCookie(h, "set-cookie", caps.Cookie.Name, caps.Cookie.Len)
	}
	// %B counts the head as the server sent it: HAProxy 2.6 does not
	// count what http-response rules add or remove (verified).
	st.bytesOut = int64(htxStartLine(len(h.version), len(h.code), len(h.reason)) + h.htxHdrs)
	if deny, code := s.responseRules(be); deny {
		s.srvRd.consume(headLen)
		if code == 0 {
			code = 502
		}
		st.header = time.Time{} // HAProxy logs Tr = -1 for a denied response
		return s.serverFailed(be, causeProxy, phaseHeaders, code)
	}
	w := s.wbuf[:0]
	w = append(w, h.version...)
	w = append(w, ' ')
	w = append(w, h.code...)
	if len(h.reason) > 0 {
		w = append(w, ' ')
		w = append(w, h.reason...)
	}
	w = append(w, "\r\n"...)
	w = s.appendRespHeaders(w, be)
	if !keep {
		w = append(w, "connection: close\r\n"...)
	} else if !s.req.http11() {
		w = append(w, "connection: keep-alive\r\n"...)
	}
	w = append(w, "\r\n"...)
	s.wbuf = w
	s.srvRd.consume(headLen)
	c := conduit{src: s.srvRd, dst: s.c, rto: be.cfg.Timeouts.Server, wto: s.fe.cfg.Timeouts.Client}
	var ok bool
	if cl := h.contentLength; !noBody && !h.chunked && cl > 0 && int64(s.srvRd.buffered()) >= cl && len(w)+int(cl) <= bufSize {
		// The whole body is here: send head and body in one write, as
		// HAProxy does. A client that closed (FIN) while waiting then
		// still gets a clean "----" line, as with HAProxy; two writes
		// would make the second one fail on the client's reset.
		rd := s.srvRd
		w = append(w, rd.buf[rd.r:rd.r+int(cl)]...)
		s.wbuf = w
		rd.consume(int(cl))
		ok = c.write(w)
		c.payload = cl // HAProxy counts the body it took from the server even when the client is gone

	} else {
		ok = c.write(w) && c.copyBody(h, noBody)
	}
	st.bytesOut += c.payload
	if !ok {
		keep, srvKeep = false, false
		timeout := c.fail.timeout()
		cause := causeServerAbort
		switch {
		case c.fail.side == sideDst && timeout:
			cause = causeClientTimeout
		case c.fail.side == sideDst:
			cause = causeClientAbort
		case timeout:
			cause = causeServerTimeout
		}
		st.term.set(cause, phaseData)
	}
	if !srvKeep {
		s.closeServer()
	}
	st.finish()
	end := s.p.now()
	if keep && !s.skipRemaining() {
		keep = false
	}
	s.logStream(end)
	return keep
}

// skipRemaining is a hook for request bodies not consumed by the server
// exchange; bodies are always forwarded whole, so there is nothing left.
func (s *session) skipRemaining() bool { return true }

type discardConn struct{ net.Conn }

func (discardConn) Write(b []byte) (int, error)      { return len(b), nil }
func (discardConn) SetWriteDeadline(time.Time) error { return nil }

var _ io.Writer = discardConn{}

// logStream fills the record and sends the line (end-of-stream logging).
func (s *session) logStream(end time.Time) {
	st := &s.st
	// The queued streams handed the slot (st.wake) are woken later: by
	// st.reset when the connection carries another request, else by the
	// session's teardown once feconn and actconn no longer count it, as
	// HAProxy runs a dequeued stream only after the releasing one is done.
	st.finish()
	if s.fe.legacyLog() {
		return
	}
	normal := st.term.cause() == causeNone || st.term.cause() == causeLocal
	normal = normal && st.retries == 0 && !st.redispatched && st.status < 500
	if normal && s.fe.cfg.DontLogNormal {
		return
	}
	if st.quiet {
		return
	}
	level := formats.Info
	if !normal && s.fe.cfg.LogSeparateErrors {
		level = formats.Err
	}
	if st.levelSet {
		level = st.level
	}
	s.fillRecord(end)
	s.fe.logs.sendRecord(s.fe, level, &s.rec)
}

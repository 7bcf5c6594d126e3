package proxy

import (
	"bytes"
	"errors"
	"io"
	"net"
	"strings"
	"time"

	"github.com/haplog/haplog/proxy/config"
	"github.com/haplog/haplog/proxy/h1"
)

// Stage 7, respond: read the response head (1xx relayed), run the
// http-response rules, send head and body to the client; generated
// replies (errors, rule answers) are written here too.

// takeBufferedBody consumes the request body of a request answered
// without a server when the body is already whole in the input buffer,
// counting it in %U, and reports whether it was. haproxy 2.6.12 keeps
// the connection after such an answer only when it has received the
// whole request; otherwise it counts what it holds and closes
// (TestLocalReplyBodyVsHAProxy). A body it could not parse ends the
// connection too.
func takeBufferedBody(s *session) bool {
	h := &s.req
	if !h.chunked && h.contentLength <= 0 {
		return true
	}
	b := s.rd.buf[s.rd.r:s.rd.w]
	if !h.chunked {
		n := min(int64(len(b)), h.contentLength)
		s.st.bytesUp = n
		if n < h.contentLength {
			return false
		}
		s.rd.consume(int(n))
		return true
	}
	var d h1.ChunkDecoder
	d.Reset(h.limits())
	var size int64
	off := 0
	for !d.Done() {
		k, ev, p, err := d.Next(b[off:])
		if err != nil {
			return false
		}
		off += k
		size += chunkHTX(ev, p)
		if ev == h1.NeedMore && k == 0 {
			s.st.bytesUp = size
			return false
		}
	}
	s.st.bytesUp = size
	s.rd.consume(off)
	return true
}

// skipBody discards the request body of a request answered locally.
func skipBody(s *session) bool {
	h := &s.req
	if !h.chunked && h.contentLength <= 0 {
		return true
	}
	c := s.conduit(s.rd, discardConn{}, s.fe.cfg.Timeouts.Client, 0)
	ok := c.copyBody(h, false)
	s.st.bytesUp = c.payload
	return ok
}

// writeReply sends a generated response. Like HAProxy's H1 output it
// carries "connection: close" when the connection ends after it (and
// "connection: keep-alive" to an HTTP/1.0 client that keeps it).
func writeReply(s *session, r reply, keep bool) bool {
	if r.empty {
		return false // an empty errorfile: no answer, the connection ends
	}
	s.c.SetWriteDeadline(deadline(s.p.opts.Now, s.fe.cfg.Timeouts.Client))
	raw := r.raw
	conn := ""
	switch {
	case !keep && !r.v10:
		conn = "connection: close\r\n"
	case keep && (r.v10 || !s.req.http11()):
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

// readRespHead reads the response head, forwarding 1xx interim responses
// to the client, and returns the head length.
func readRespHead(s *session, be *backend) (int, error) {
	return readRespHeadBy(s, be, deadline(s.p.opts.Now, be.cfg.Timeouts.Server))
}

// readRespHeadBy is readRespHead with the first head due by dl (zero:
// no limit).
func readRespHeadBy(s *session, be *backend, dl time.Time) (int, error) {
	rd := s.srvRd
	for {
		n, err := rd.readHead(dl, nil, s.resp.parseResponse)
		if errors.Is(err, io.EOF) && rd.buffered() > 0 {
			err = errBadMessage // closed inside the head: HAProxy logs PH
		}
		if err == nil {
			err = s.resp.msg.CheckResponseTo(&s.req.msg)
		}
		if err != nil {
			return 0, err
		}
		if s.resp.status >= 200 || s.resp.status == 101 {
			return n, nil
		}
		s.c.SetWriteDeadline(deadline(s.p.opts.Now, s.fe.cfg.Timeouts.Client))
		if _, err := s.c.Write(rd.buf[rd.r : rd.r+n]); err != nil {
			return 0, errClientGone
		}
		rd.consume(n)
	}
}

// serverFailed answers with a generated error, closes the server
// connection and logs. The request went out whole, so a client that keeps
// its connection keeps it, as with haproxy 2.6.12 (unless an errorfile's
// head closes it); it reports whether the connection goes on.
// prior is what %B already counts of the exchange (a denied response).
func serverFailed(s *session, be *backend, cause termCause, phase termPhase, code int, keep bool, prior int64) bool {
	st := &s.st
	if s.killed.Load() {
		cause = causeDown
	}
	st.term.set(cause, phase)
	rep := s.reply(code)
	st.status, st.bytesOut = code, prior+rep.htx
	s.closeServer()
	keep = writeReply(s, rep, rep.keeps(keep))
	st.finish()
	logStream(s, s.p.now())
	return keep
}

// relayResponse forwards the response head and body to the client.
func relayResponse(s *session, be *backend, keep, srvKeep bool, headLen int) bool {
	st := &s.st
	h := &s.resp
	st.status = h.status
	tun := upgradeTunnel(s) // tunnel.go
	noBody := tun || string(s.req.method) == "HEAD" || h.status == 204 || h.status == 304 || h.status < 200
	untilClose := !noBody && !h.chunked && h.contentLength < 0
	if untilClose {
		keep = false
	}
	if !h.http11() && !h.connKA || h.connClose || h.mustClose || untilClose {
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
	if !noBody {
		if err := checkBufferedBody(h, s.srvRd.buf[s.srvRd.r+headLen:s.srvRd.w]); err != nil {
			// HAProxy parses the body it holds before forwarding the
			// head: a bad chunk there is a 502 PH--.
			s.srvRd.consume(headLen)
			return serverFailed(s, be, causeProxy, phaseHeaders, 502, keep, 0)
		}
	}
	if deny, code := responseRules(s, be); deny {
		s.srvRd.consume(headLen)
		if code == 0 {
			code = 502
		}
		st.header = time.Time{} // HAProxy logs Tr = -1 for a denied response
		// haproxy's %B holds the denied response as it was received
		// (head, and the body that came with it) before its error page
		// (a chunked body's share is not counted here).
		got := st.bytesOut
		if !noBody && !h.chunked {
			body := int64(s.srvRd.buffered())
			if h.contentLength >= 0 {
				body = min(body, h.contentLength)
			}
			got += body
		}
		return serverFailed(s, be, causeProxy, phaseHeaders, code, keep, got)
	}
	cz := startCompression(s, be, noBody) // compress.go; nil: sent as is
	w := s.wbuf[:0]
	if h.http11() {
		w = append(w, "HTTP/1.1"...) // HTTP/2.0 from an HTTP/1 server too (measured)
	} else {
		w = append(w, h.version...)
	}
	w = append(w, ' ')
	w = append(w, h.code...)
	if len(h.reason) > 0 {
		w = append(w, ' ')
		w = append(w, h.reason...)
	}
	w = append(w, "\r\n"...)
	w = appendRespHeaders(s, w, be)
	if cz != nil {
		w = cz.appendHeaders(w, h.chunked)
	}
	switch {
	case tun: // the server's Connection header went through
	case !keep:
		w = append(w, "connection: close\r\n"...)
	case !s.req.http11():
		w = append(w, "connection: keep-alive\r\n"...)
	}
	w = append(w, "\r\n"...)
	s.wbuf = w
	s.srvRd.consume(headLen)
	if tun {
		return relayTunnel(s, be, w)
	}
	c := s.conduit(s.srvRd, s.c, be.cfg.Timeouts.Server, s.fe.cfg.Timeouts.Client)
	var ok bool
	if cz != nil {
		ok = c.write(w) && cz.copyBody(c, h)
	} else if cl := h.contentLength; !noBody && !h.chunked && cl > 0 && int64(s.srvRd.buffered()) >= cl && len(w)+int(cl) <= len(s.srvRd.buf) {
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
	} else {
		s.setServerIdle(true)
	}
	st.finish()
	end := s.p.now()
	if keep && !skipRemaining(s) {
		keep = false
	}
	logStream(s, end)
	return keep
}

// skipRemaining is a hook for request bodies not consumed by the server
// exchange; bodies are always forwarded whole, so there is nothing left.
func skipRemaining(s *session) bool { return true }

type discardConn struct{ net.Conn }

func (discardConn) Write(b []byte) (int, error) { return len(b), nil }

func (discardConn) SetWriteDeadline(time.Time) error { return nil }

var _ io.Writer = discardConn{}

// appendRespHeaders appends the response headers for the client: names in
// lower case (as HAProxy's HTX emits them), Connection removed, and cookie
// persistence applied (fourth termination character).
func appendRespHeaders(s *session, w []byte, be *backend) []byte {
	h := &s.resp
	st := &s.st
	ck := be.cfg.Cookie
	insert := ck != nil && ck.Mode == config.CookieInsert
	if ck != nil {
		st.term.setCookieResp(cookieRespAbsent)
	}
	for i := range h.hdrs {
		hd := &h.hdrs[i]
		if hd.skip || hd.del {
			continue
		}
		if insert && h1.EqualFold(hd.name, "set-cookie") {
			if _, ok := setCookieName(hd.value, ck.Name); ok {
				st.term.setCookieResp(cookieRespDeleted)
				continue
			}
		}
		w = h1.AppendLower(w, hd.name)
		w = append(w, ": "...)
		w = append(w, hd.value...)
		w = append(w, "\r\n"...)
	}
	if insert && st.term.cookieReq() != cookieReqValid && st.srv != nil && st.srv.cfg.Cookie != "" &&
		(!ck.PostOnly || string(s.req.method) == "POST") {
		w = append(w, "set-cookie: "...)
		w = append(w, ck.Name...)
		w = append(w, '=')
		w = append(w, st.srv.cfg.Cookie...)
		w = append(w, "; path=/"...)
		for _, d := range ck.Domains {
			w = append(w, "; domain="...)
			w = append(w, d...)
		}
		if ck.HTTPOnly {
			w = append(w, "; HttpOnly"...)
		}
		if ck.Secure {
			w = append(w, "; Secure"...)
		}
		for _, a := range ck.Attrs {
			w = append(w, "; "...)
			w = append(w, a...)
		}
		w = append(w, "\r\n"...)
		st.term.setCookieResp(cookieRespInserted)
		if ck.NoCache && cacheableResponse(s) {
			w = append(w, "cache-control: private\r\n"...)
		}
	}
	return w
}

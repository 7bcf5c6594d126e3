package proxy

import (
	"context"
	"errors"
	"io"
	"strings"
	"time"

	"github.com/haplog/haplog/proxy/config"
	"github.com/haplog/haplog/proxy/h1"
)

// Stage 6, forward: send the request head (normalised) and its body to
// the server, reusing a kept server connection when the balancer picks
// its server again.

// forward sends the request to a server of be and relays the response.
func forward(s *session, be *backend, keep bool) bool {
	st := &s.st
	prefer := persistence(s, be)
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
	conn, ce := connect(s, context.Background(), st, key, prefer, kept)
	switch {
	case ce == connReused:
		st.srvAP = addrPort(s.srvConn.RemoteAddr())
		s.setServerIdle(false)
		return exchange(s, be, keep, true)
	case ce != connOK:
		s.closeServer()
		return connectFailed(s, ce, keep)
	}
	s.closeServer()
	s.setServer(conn, st.srv)
	return exchange(s, be, keep, false)
}

// exchange writes the request to the server connection and relays the
// response back. A kept server connection that turns out closed before
// any response byte is replaced once by a fresh one (bodyless requests).
func exchange(s *session, be *backend, keep bool, reused bool) bool {
	st := &s.st
	srvKeep := be.cfg.ConnMode == config.ConnKeepAlive && s.fe.cfg.ConnMode == config.ConnKeepAlive
	bodyless := !s.req.chunked && s.req.contentLength <= 0
	n, err := 0, error(nil)
	// The request goes out right after the connection was assigned
	// (connect read the clock then, or at the reuse of the kept one).
	sent := st.connected
	if sent.IsZero() {
		sent = s.p.now()
	}
	if err = sendRequest(s, be, srvKeep); err == nil {
		n, err = readRespHead(s, be)
	} else if errors.Is(err, errClientBodyStalled) {
		// timeout client does not end a stream whose request body
		// stalls while it waits for the server: HAProxy 2.6.12 waits
		// for the response until timeout server (504 sH--, measured in
		// TestDifferentialClientAbortMidBody). The client connection
		// cannot carry another request after it.
		keep, srvKeep = false, false
		var dl time.Time
		if to := be.cfg.Timeouts.Server; to > 0 {
			dl = sent.Add(to)
		}
		n, err = readRespHeadBy(s, be, dl)
	}
	if err != nil && reused && bodyless && !isTimeout(err) && s.srvRd.buffered() == 0 && !s.killed.Load() {
		s.closeServer()
		st.finish()
		st.wakeQueued()
		st.setBackend(be)
		conn, ce := connect(s, context.Background(), st, &s.key, st.srv, nil)
		if ce != connOK {
			return connectFailed(s, ce, keep)
		}
		s.setServer(conn, st.srv)
		if err = sendRequest(s, be, srvKeep); err == nil {
			n, err = readRespHead(s, be)
		}
	}
	switch {
	case err == nil:
	case errors.Is(err, errBadRequestBody):
		return badRequestBody(s, be)
	case errors.Is(err, errClientBodyAbort):
		// The client closed or reset in the middle of the request
		// body: HAProxy 2.6.12 answers nothing and logs status -1,
		// %B 0, CD-- (TestDifferentialClientAbortMidBody).
		st.term.set(causeClientAbort, phaseData)
		st.status, st.bytesOut = -1, 0
		s.closeServer()
		logStream(s, s.p.now())
		return false
	case isTimeout(err):
		return serverFailed(s, be, causeServerTimeout, phaseHeaders, 504, keep, 0)
	case errors.Is(err, errHeadTooLarge) || errors.Is(err, errBadMessage) || h1.ReasonOf(err) != 0:
		return serverFailed(s, be, causeProxy, phaseHeaders, 502, keep, 0)
	case errors.Is(err, errClientGone):
		st.term.set(causeClientAbort, phaseHeaders)
		s.closeServer()
		logStream(s, s.p.now())
		return false
	default:
		return serverFailed(s, be, causeServerAbort, phaseHeaders, 502, keep, 0)
	}
	st.header = s.p.now()
	return relayResponse(s, be, keep, srvKeep, n)
}

var (
	errClientGone     = errors.New("client gone")
	errBadRequestBody = errors.New("malformed request body")
	// errClientBodyAbort: the client closed while sending the body.
	errClientBodyAbort = errors.New("client aborted the request body")
	// errClientBodyStalled: timeout client while reading the body.
	errClientBodyStalled = errors.New("request body stalled")
)

// badRequestBody answers a request whose body framing turned out
// malformed after its head was forwarded: HAProxy answers 400, logs PH--
// and counts in %B the "connection: close" it adds (measured: 206 bytes
// for its 400 page).
func badRequestBody(s *session, be *backend) bool {
	st := &s.st
	st.term.set(causeProxy, phaseHeaders)
	rep := s.reply(400)
	st.status, st.bytesOut = 400, rep.htx+int64(len("connection")+len("close"))
	s.closeServer()
	writeReply(s, rep, false)
	st.finish()
	logStream(s, s.p.now())
	return false
}

// sendRequest forwards the request head and body to the server. It
// returns errBadRequestBody when the client's body framing is invalid,
// errClientBodyAbort when the client closed before its end,
// errClientBodyStalled when it stopped sending it (timeout client),
// io.ErrUnexpectedEOF on any other failure.
func sendRequest(s *session, be *backend, srvKeep bool) error {
	h := &s.req
	w := s.wbuf[:0]
	// h1.AppendRequestLine with the URI set-path may have changed.
	h.msg.Method, h.msg.Target, h.msg.Version = h.method, h.uri, h.version
	w = h1.AppendRequestLine(w, &h.msg)
	// "Expect: 100-continue" is forwarded and the server's 100 relayed
	// (readRespHead), as HAProxy does without http-buffer-request
	// (testdata/h1: expect-100).
	for i := range h.hdrs {
		hd := &h.hdrs[i]
		if hd.skip || hd.del {
			continue
		}
		if be.cfg.Cookie != nil && be.cfg.Cookie.Indirect && h1.EqualFold(hd.name, "cookie") {
			w = appendCookieWithout(w, hd.value, be.cfg.Cookie.Name)
			continue
		}
		w = h1.AppendLower(w, hd.name)
		w = append(w, ": "...)
		w = append(w, hd.value...)
		w = append(w, "\r\n"...)
	}
	// HAProxy adds the unique-id header before X-Forwarded-For.
	if hn := s.fe.cfg.UniqueIDHeader; hn != "" && s.fe.uidFmt != nil {
		w = h1.AppendLower(w, []byte(hn))
		w = append(w, ": "...)
		w = append(w, uniqueID(s)...)
		w = append(w, "\r\n"...)
	}
	if ff := forwardFor(s, be); ff != nil {
		w = h1.AppendLower(w, []byte(ff.Header))
		w = append(w, ": "...)
		w = s.client.Addr().AppendTo(w)
		w = append(w, "\r\n"...)
	}
	if !srvKeep && h.http11() {
		w = append(w, "connection: close\r\n"...)
	}
	if srvKeep && !h.http11() && !h.chunked {
		// HAProxy asks an HTTP/1.0 request's server to keep the
		// connection (measured; not for a chunked 1.0 request).
		w = append(w, "connection: keep-alive\r\n"...)
	}
	w = append(w, "\r\n"...)
	s.wbuf = w
	c := s.conduit(s.rd, s.srvConn, s.fe.cfg.Timeouts.Client, be.cfg.Timeouts.Server)
	if !c.write(w) {
		return io.ErrUnexpectedEOF
	}
	if !h.chunked && h.contentLength <= 0 {
		return nil
	}
	ok := c.copyBody(h, false)
	s.st.bytesUp = c.payload
	if !ok {
		if c.fail.side == sideSrc && h1.ReasonOf(c.fail.err) != 0 {
			return errBadRequestBody
		}
		if c.fail.side == sideSrc && c.fail.timeout() {
			return errClientBodyStalled
		}
		if c.fail.side == sideSrc {
			return errClientBodyAbort
		}
		return io.ErrUnexpectedEOF
	}
	return nil
}

func forwardFor(s *session, be *backend) *config.ForwardFor {
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

package proxy

import (
	"strings"
	"time"

	"github.com/haplog/haplog/proxy/config"
)

// The HTTP request loop: it runs the stages of each request in order —
// read request (readreq.go), frontend rules (reqrules.go), backend choice
// (choose.go), connect (connect.go), forward (forward.go), respond
// (respond.go), log (log.go) — until the connection ends.

// serveHTTP runs the request loop of an HTTP connection.
func serveHTTP(s *session) {
	base := s.accept
	for first := true; ; first = false {
		st := &s.st
		st.reset(base)
		if first {
			st.hs = s.tls.handshake
		}
		if !readRequest(s, first) {
			return
		}
		s.ended = time.Time{}
		keep := handleRequest(s)
		if !keep || s.p.stopping.Load() {
			return
		}
		// The next stream starts where this one ended: the reading
		// taken for its log line (a request answered without one,
		// the monitor URI, reads the clock).
		if base = s.ended; base.IsZero() {
			base = s.p.now()
		}
	}
}

// handleRequest processes one parsed request to the end and logs it. It
// reports whether the connection may carry another request.
func handleRequest(s *session) bool {
	st := &s.st
	fe := s.fe
	keep := clientKeepAlive(s)
	countRequest(s) // stats counters (counters.go)
	if fe.cfg.MonitorURI != "" && s.uri() == fe.cfg.MonitorURI {
		code := 200
		if fe.cfg.MonitorFail != nil && fe.cfg.MonitorFail.Eval(s) {
			code = 503
		}
		// Not logged (haproxy logs no monitor request); the connection
		// is kept only when the body has arrived whole, as after any
		// answer made here.
		keep = takeBufferedBody(s) && keep
		return writeReply(s, errorReply(code), keep) && keep
	}
	if rep, handled, term := applyRules(s, fe.rules); handled {
		return localReply(s, rep, term, keep)
	}
	if stats := fe.cfg.Stats; stats != nil && stats.Enable && strings.HasPrefix(s.uri(), statsURI(stats)) {
		// A frontend or listen section answers its stats page before any
		// backend is assigned: HAProxy counts no backend connection
		// (Proxy stats stopped ... BE: 0) and logs the frontend's name
		// as the backend's (fe fe/<STATS>); a listen section is its own
		// backend.
		st.be = fe.route.self
		return serveStats(s, stats, keep)
	}
	if rep, ok := applyRedirects(s, fe.rules); ok {
		return localReply(s, rep, causeLocal, keep)
	}
	be := chooseBackend(s)
	if be == nil {
		// haproxy 2.6 serves it as a backend of no server: 503, SC--.
		rep := s.reply(503)
		st.status, st.bytesOut = 503, rep.htx
		st.setTermConnErr(connNoSrv)
		keep = takeBufferedBody(s) && keep
		keep = writeReply(s, rep, rep.keeps(keep))
		logStream(s, s.p.now())
		return keep
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
		if rep, handled, term := applyRules(s, be.rules); handled {
			return localReply(s, rep, term, keep)
		}
	}
	if stats := be.cfg.Stats; stats != nil && stats.Enable && strings.HasPrefix(s.uri(), statsURI(stats)) {
		return serveStats(s, be.cfg.Stats, keep)
	}
	if be.rules != fe.rules {
		if rep, ok := applyRedirects(s, be.rules); ok {
			return localReply(s, rep, causeLocal, keep)
		}
	}
	return forward(s, be, keep)
}

// clientKeepAlive reports whether the client connection may stay open
// after this request.
func clientKeepAlive(s *session) bool {
	h := &s.req
	if h.connClose || h.mustClose || s.fe.cfg.ConnMode == config.ConnClose {
		return false
	}
	if !h.http11() && !h.connKA {
		return false
	}
	return !s.p.stopping.Load()
}

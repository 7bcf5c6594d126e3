package proxy

import (
	"strings"

	"github.com/haplog/haplog/proxy/config"
)

// The HTTP request loop: it runs the stages of each request in order —
// read request (readreq.go), frontend rules (reqrules.go), backend choice
// (choose.go), connect (connect.go), forward (forward.go), respond
// (respond.go), log (log.go) — until the connection ends.

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

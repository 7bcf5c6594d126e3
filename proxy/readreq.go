package proxy

import (
	"errors"
	"io"
	"strings"
	"time"
	"unsafe"

	"github.com/haplog/haplog/proxy/h1"
)

// Stage 2, read request: wait for the next request head within
// timeout http-request / http-keep-alive, parse it, keep what the log line
// needs; a bad, late or aborted request is answered and logged here.

// requestTimeout returns the wait allowed for the next request head: timeout
// http-request for the first request, http-keep-alive for later ones (each
// falling back as HAProxy's do, ending on timeout client).
func requestTimeout(s *session, first bool) time.Duration {
	t := s.fe.cfg.Timeouts
	if !first && t.HTTPKeepAlive > 0 {
		return t.HTTPKeepAlive
	}
	if t.HTTPRequest > 0 {
		return t.HTTPRequest
	}
	return t.Client
}

// readRequest waits for and parses the next request head. It reports false
// when the connection must end (after logging and answering as needed).
func readRequest(s *session, first bool) bool {
	st := &s.st
	to := requestTimeout(s, first)
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
	// fills counts the reads after the first byte's: none when the
	// whole head came with it, which then completed at that instant
	// (no second clock reading, as haproxy's one date per poll loop).
	fills := -1
	n, err := s.rd.readHead(dl, func() { st.first = s.p.now(); s.idle.Store(0); fills = s.rd.fills }, s.req.parseRequest)
	s.idle.Store(0)
	if first && !st.first.IsZero() && s.fe.legacyLog() {
		// haproxy 2.6 creates the stream, and logs "Connect from", when
		// the first bytes arrive: a connection that sends nothing logs
		// nothing (TestDifferentialLegacyConnectLine).
		logConnect(s)
	}
	if err == nil {
		if st.reqDone = st.first; fills != s.rd.fills || st.first.IsZero() {
			st.reqDone = s.p.now()
		}
		if err = checkBufferedBody(&s.req, s.rd.buf[s.rd.r+n:s.rd.w]); err == nil {
			saveRequest(s)
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
		sendRaw(s, rawErrorReply(408))
	case h1.ReasonOf(err) != 0 || errors.Is(err, errHeadTooLarge):
		st.term.set(causeProxy, phaseRequest)
		st.reqDone = time.Time{}
		st.status = h1.ReasonOf(err).Status()
		sendRaw(s, rejectReply(st.status))
	default:
		st.term.set(causeClientAbort, phaseRequest)
		if errors.Is(err, io.EOF) {
			// A client that closes its side before its head is whole
			// can still read: haproxy answers 400 (logged CR--).
			sendRaw(s, rejectReply(400))
		}
	}
	if !(noData && s.fe.cfg.DontLogNull) {
		logStream(s, s.p.now())
	}
	return false
}

// sendRaw writes a reply that is not part of a stream.
func sendRaw(s *session, r reply) {
	s.c.SetWriteDeadline(deadline(s.p.opts.Now, s.fe.cfg.Timeouts.Client))
	s.c.Write(r.raw)
}

// saveRequest keeps what the log line needs from the request head, which
// lives in the input buffer only until it is forwarded. reqStr aliases
// the session's reqBuf, rewritten by the next request: like every string
// of the stream, it is valid until then and must not be kept longer.
func saveRequest(s *session) {
	h := &s.req
	b := append(s.reqBuf[:0], h.method...)
	b = append(b, ' ')
	b = append(b, h.uri...)
	b = append(b, ' ')
	b = append(b, h.version...)
	s.reqBuf = b
	s.reqStr = unsafe.String(unsafe.SliceData(b), len(b))
	s.uriCur = ""
	s.hbuf = s.hbuf[:0]
	st := &s.st
	caps := s.fe.cfg.Captures
	for _, c := range caps.Request {
		v := ""
		if !c.ByRule { // an http-request capture slot is its rule's to fill
			v = captureValue(h.lookup(strings.ToLower(c.Name)), c.Len)
		}
		st.reqCaps = append(st.reqCaps, v)
	}
	if caps.Cookie != nil {
		st.reqCookie = findCookie(h, "cookie", caps.Cookie.Name, caps.Cookie.Len)
	}
}

func (t *txn) method() string { return t.reqStr[:len(t.req.method)] }

// uri is the request URI as received (set-path does not change it).
func (t *txn) uri() string {
	return t.reqStr[len(t.req.method)+1 : len(t.reqStr)-len(t.req.version)-1]
}

func (t *txn) version() string { return t.reqStr[len(t.reqStr)-len(t.req.version):] }

func captureValue(v []byte, n int) string {
	if len(v) > n {
		v = v[:n]
	}
	return string(v)
}

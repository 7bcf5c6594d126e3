package proxy

import (
	"time"

	"github.com/haplog/haplog/formats"
)

// Stage 8, log: fill the formats.Record of the stream at its end and send
// the line through the frontend's sinks (logger.go).

// fillRecord fills s.rec for the current stream ending at end. The strings
// it stores belong to the session and stay valid until the next request.
func fillRecord(s *session, end time.Time) {
	fillRecordAt(s, end)
	s.rec.ReqCounter = s.p.reqCounter.Add(1) - 1
	s.rec.LogCounter = s.fe.logCounter.Add(1) - 1
}

// fillRecordAt fills s.rec as of instant end without consuming the
// request and log counters (rules render values from it).
func fillRecordAt(s *session, end time.Time) {
	st := &s.st
	r := &s.rec
	fe := s.fe
	*r = formats.Record{
		ClientAddr:   s.client,
		FrontendAddr: s.local,
		AcceptTime:   st.base,
		Frontend:     fe.cfg.Name,
		Backend:      fe.cfg.Name,
		Status:       st.status,
		BytesOut:     st.bytesOut,
		ReqCookie:    st.reqCookie,
		RespCookie:   st.respCookie,
		TermState:    st.term,
		ActConn:      int(s.p.actconn.Load()),
		FeConn:       int(fe.feconn.Load()),
		Retries:      st.retries,
		Redispatched: st.redispatched,
		SrvQueue:     st.sq,
		BackendQueue: st.bq,
		PID:          s.p.opts.PID,
		Hostname:     s.p.opts.Hostname,
		ReqCounter:   s.p.reqCounter.Load(),
		LogCounter:   fe.logCounter.Load(),
	}
	r.Timers = formats.ComputeTimers(st.marks(end))
	if s.tls.on {
		r.FrontendSSL, r.SSL = true, true
		r.SNI, r.SSLVersion, r.SSLCipher, r.SSLResumed = s.tls.sni, s.tls.ver, s.tls.ciph, s.tls.resumed
	}
	if st.be != nil {
		r.Backend = st.be.cfg.Name
		r.BeConn = int(st.be.beconn.Load())
	}
	switch {
	case st.srvName != "":
		r.Server = st.srvName
	case st.srv != nil:
		r.Server = st.srv.cfg.Name
		r.SrvConn = int(st.srv.cur.Load() - st.srv.pending.Load())
		r.ServerAddr = st.srvAP
	}
	r.BytesIn = st.bytesUp
	if s.reqStr != "" {
		r.BytesIn += reqInSize(&s.req)
	}
	if st.badReq {
		return // no request: HAProxy allocated no capture, the blocks vanish
	}
	if caps := fe.cfg.Captures; len(caps.Request) > 0 {
		r.ReqHeaders = st.reqCaps
		if len(r.ReqHeaders) < len(caps.Request) {
			r.ReqHeaders = fill(st.reqCaps, len(caps.Request))
		}
	}
	if caps := fe.cfg.Captures; len(caps.Response) > 0 {
		r.RespHeaders = st.respCaps
		if len(r.RespHeaders) < len(caps.Response) {
			st.respCaps = fill(st.respCaps, len(caps.Response))
			r.RespHeaders = st.respCaps
		}
	}
	if s.reqStr != "" {
		r.Method, r.URI, r.Version = s.method(), s.uri(), s.version()
	}
}

// uniqueID returns the stream's unique ID, rendering the frontend's
// unique-id-format the first time it is needed: when the request goes to
// the server with unique-id-header set, else when the line is logged, as
// haproxy 2.6 does (TestUniqueIDVsHAProxy). Empty without a format.
func uniqueID(s *session) string {
	st := &s.st
	if st.uniqueID == "" && s.fe.uidFmt != nil {
		fillRecordAt(s, s.p.now())
		st.uniqueID = string(s.fe.uidFmt.Append(nil, &s.rec))
	}
	return st.uniqueID
}

// fill pads caps with empty values up to n (missing captures print as
// nothing between the '|').
func fill(caps []string, n int) []string {
	for len(caps) < n {
		caps = append(caps, "")
	}
	return caps
}

// logConnError emits HAProxy's connection error line for a connection
// that died before a stream existed (TLS handshake): "<ci>:<cp> [<accept
// date>] <frontend>/<bind name or listener number>: <message>", at info
// level (err with log-separate-errors).
func logConnError(s *session, msg string) {
	set := s.fe.logs
	if set == nil || len(set.sinks) == 0 {
		return
	}
	r := &s.rec
	*r = formats.Record{ClientAddr: s.client, FrontendAddr: s.local, AcceptTime: s.accept,
		Frontend: s.fe.cfg.Name, PID: s.p.opts.PID}
	bp := bufPool.Get().(*[]byte)
	b := s.fe.connErrFmt.Append((*bp)[:0], r)
	b = append(b, ' ')
	b = append(b, s.fe.cfg.Name...)
	b = append(b, '/')
	b = append(b, s.lis.name...)
	b = append(b, ": "...)
	b = append(b, msg...)
	level := formats.Info
	if s.fe.cfg.LogSeparateErrors {
		level = formats.Err
	}
	set.send(level, b)
	*bp = b[:0]
	bufPool.Put(bp)
}

// logConnect emits the legacy accept-time line of a frontend without log
// options ("Connect from ... to ... (fe/MODE)").
func logConnect(s *session) {
	r := &s.rec
	*r = formats.Record{ClientAddr: s.client, FrontendAddr: s.local, AcceptTime: s.accept,
		Frontend: s.fe.cfg.Name, PID: s.p.opts.PID}
	s.fe.logs.sendRecord(s.fe, formats.Info, r)
}

// logStream fills the record and sends the line (end-of-stream logging).
func logStream(s *session, end time.Time) {
	st := &s.st
	s.ended = end
	// The queued streams handed the slot (st.wake) are woken later: by
	// st.reset when the connection carries another request, else by the
	// session's teardown once feconn and actconn no longer count it, as
	// HAProxy runs a dequeued stream only after the releasing one is done.
	st.finish()
	countStream(s, end) // stats counters (counters.go)
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
	id := uniqueID(s)
	fillRecord(s, end)
	s.rec.UniqueID = id
	s.fe.logs.sendRecordAt(s.fe, level, &s.rec, end, true)
}

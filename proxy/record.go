package proxy

import (
	"time"

	"github.com/haplog/haplog/formats"
)

// fillRecord fills s.rec for the current stream ending at end. The strings
// it stores belong to the session and stay valid until the next request.
func (s *session) fillRecord(end time.Time) {
	s.fillRecordAt(end)
	s.rec.ReqCounter = s.fe.reqCounter.Add(1) - 1
	s.rec.LogCounter = s.fe.logCounter.Add(1) - 1
}

// fillRecordAt fills s.rec as of instant end without consuming the
// request and log counters (rules render values from it).
func (s *session) fillRecordAt(end time.Time) {
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
		ReqCounter:   fe.reqCounter.Load(),
		LogCounter:   fe.logCounter.Load(),
	}
	r.Timers = formats.ComputeTimers(st.marks(end))
	if st.be != nil {
		r.Backend = st.be.cfg.Name
		r.BeConn = int(st.be.beconn.Load())
	}
	switch {
	case st.srvName != "":
		r.Server = st.srvName
	case st.srv != nil:
		r.Server = st.srv.cfg.Name
		r.SrvConn = int(st.srv.cur.Load())
		r.ServerAddr = st.srvAP
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

// fill pads caps with empty values up to n (missing captures print as
// nothing between the '|').
func fill(caps []string, n int) []string {
	for len(caps) < n {
		caps = append(caps, "")
	}
	return caps
}

// logConnect emits the legacy accept-time line of a frontend without log
// options ("Connect from ... to ... (fe/MODE)").
func (s *session) logConnect() {
	r := &s.rec
	*r = formats.Record{ClientAddr: s.client, FrontendAddr: s.local, AcceptTime: s.accept,
		Frontend: s.fe.cfg.Name, PID: s.p.opts.PID}
	s.fe.logs.sendRecord(s.fe, formats.Info, r)
}

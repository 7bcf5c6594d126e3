package proxy

import (
	"github.com/haplog/haplog/proxy/h1"
	"sync/atomic"
	"time"

	"github.com/haplog/haplog/formats"
)

// counters are the traffic counters of one frontend, backend or server,
// as HAProxy's stats page, CSV and Prometheus exporter show them. They are
// updated with atomics once per stream, where the stream is logged
// (countStream), so the request path allocates nothing for them.
type counters struct {
	bin, bout                   atomic.Int64
	dreq, dresp, ereq           atomic.Int64
	econ, eresp, wretr, wredis  atomic.Int64
	hrsp                        [6]atomic.Int64 // 1xx..5xx, other
	reqTot, cliAbrt, srvAbrt    atomic.Int64
	intercepted, connect, lbtot atomic.Int64
	eint                        atomic.Int64
	dcon                        atomic.Int64 // refused by tcp-request connection (frontends)
	smax, qmax                  atomic.Int64
	lastSess                    atomic.Int64 // unix ns of the last stream, 0 = never
	qtMax, ctMax, rtMax, ttMax  atomic.Int64 // ms
	qtSum, ctSum, rtSum, ttSum  atomic.Int64 // ms, for the averages
	timed                       atomic.Int64 // streams summed in *Sum
	sessRate, reqRate           rateCounter
	sessRateMax, reqRateMax     atomic.Int64
	// checks (servers)
	chkFail, chkDown atomic.Int64
	chkDur, chkCode  atomic.Int64           // ms and HTTP code of the last check
	chkInfo          atomic.Pointer[string] // info of the last check; nil = none ran yet
	downTotal        atomic.Int64           // seconds spent DOWN before the current state
}

// rateCounter counts events in the current second (HAProxy's per-second
// rates); the previous second's count weighs in as the second elapses.
type rateCounter struct {
	sec, cur, prev atomic.Int64
}

// add counts one event at now and returns the rate after it.
func (r *rateCounter) add(now int64) int64 {
	sec := now / int64(time.Second)
	for {
		old := r.sec.Load()
		if old == sec {
			break
		}
		if r.sec.CompareAndSwap(old, sec) {
			if old == sec-1 {
				r.prev.Store(r.cur.Swap(0))
			} else {
				r.prev.Store(0)
				r.cur.Store(0)
			}
			break
		}
	}
	r.cur.Add(1)
	return r.read(now)
}

// read returns the events of the last second at now.
func (r *rateCounter) read(now int64) int64 {
	sec := now / int64(time.Second)
	cur, prev := r.cur.Load(), r.prev.Load()
	switch r.sec.Load() {
	case sec:
		frac := now % int64(time.Second)
		return cur + prev*(int64(time.Second)-frac)/int64(time.Second)
	case sec - 1:
		frac := now % int64(time.Second)
		return cur * (int64(time.Second) - frac) / int64(time.Second)
	}
	return 0
}

func storeMax(a *atomic.Int64, v int64) {
	for {
		old := a.Load()
		if v <= old || a.CompareAndSwap(old, v) {
			return
		}
	}
}

// countHTTP adds one answered stream to c.
func (c *counters) countHTTP(status int, now int64) {
	c.reqTot.Add(1)
	c.hrsp[hrspClass(status)].Add(1)
	storeMax(&c.reqRateMax, c.reqRate.add(now))
}

func hrspClass(status int) int {
	if status >= 100 && status < 600 {
		return status/100 - 1
	}
	return 5
}

// countEnd counts how a stream that ended with term failed: a connection
// error, a bad response, an abort by the client or the server (during
// the data phase).
func (c *counters) countEnd(term termState, connErr, badResp bool) {
	if connErr {
		c.econ.Add(1)
	}
	if badResp {
		c.eresp.Add(1)
	}
	switch term[0] {
	case 'C':
		c.cliAbrt.Add(1)
	case 'S':
		if term[1] == 'D' {
			c.srvAbrt.Add(1)
		}
	}
}

// countTimes records a stream's timers (ms, -1 = did not happen).
func (c *counters) countTimes(tq, tc, tr, tt int64) {
	c.timed.Add(1)
	for _, x := range [...]struct {
		v        int64
		max, sum *atomic.Int64
	}{{tq, &c.qtMax, &c.qtSum}, {tc, &c.ctMax, &c.ctSum}, {tr, &c.rtMax, &c.rtSum}, {tt, &c.ttMax, &c.ttSum}} {
		if x.v > 0 {
			storeMax(x.max, x.v)
			x.sum.Add(x.v)
		}
	}
}

func (c *counters) avg(sum *atomic.Int64) int64 {
	n := c.timed.Load()
	if n == 0 {
		return 0
	}
	return sum.Load() / n
}

// countRequest counts a request of the frontend when it arrives, as
// HAProxy does (a scrape sees itself in req_tot).
func countRequest(s *session) {
	c := &s.fe.ctr
	c.reqTot.Add(1)
	at := s.st.reqDone // read when the request head completed, just before
	if at.IsZero() {
		at = s.p.now()
	}
	storeMax(&c.reqRateMax, c.reqRate.add(at.UnixNano()))
}

// countStream updates the frontend, backend and server counters for the
// stream ending at end (called once per stream where it is logged).
func countStream(s *session, end time.Time) {
	st := &s.st
	now := end.UnixNano()
	fe := &s.fe.ctr
	in := int64(0)
	if s.reqStr != "" {
		in = reqHTXSize(&s.req)
	}
	fe.bin.Add(in)
	fe.bout.Add(st.bytesOut)
	status := st.status
	if st.badReq {
		fe.ereq.Add(1)
	}
	if st.badReq {
		fe.reqTot.Add(1) // no handleRequest: counted here
	}
	if s.reqStr != "" || st.badReq {
		fe.hrsp[hrspClass(status)].Add(1)
	}
	applet := st.srvName != ""
	denied := st.term[0] == 'P' && st.term[1] == 'R' && status == 403
	if denied {
		fe.dreq.Add(1)
	}
	storeMax(&fe.smax, s.fe.feconn.Load())
	storeMax(&fe.sessRateMax, fe.sessRate.add(now))
	if st.be == nil {
		return
	}
	be := &st.be.ctr
	be.bin.Add(in)
	be.bout.Add(st.bytesOut)
	if applet {
		return // the stats applet: HAProxy counts only the bytes on the backend
	}
	if denied && st.be.cfg != s.fe.cfg {
		be.dreq.Add(1)
	}
	be.countHTTP(status, now)
	be.lastSess.Store(now)
	storeMax(&be.smax, st.be.beconn.Load()+1)
	storeMax(&be.sessRateMax, be.sessRate.add(now))
	be.wretr.Add(int64(st.retries))
	if st.redispatched {
		be.wredis.Add(1)
	}
	srvErr := st.term[0] == 'S'
	connErr := srvErr && st.term[1] == 'C'
	// No (valid) response header from the server: a 502 or 504 made by
	// the proxy, counted on the backend but not in the server's
	// responses.
	noResp := st.term[1] == 'H' && (st.term[0] == 'S' || st.term[0] == 's' || st.term[0] == 'P' && status == 502)
	badResp := noResp && status == 502
	be.countEnd(st.term, connErr, badResp)
	tm := formats.ComputeTimers(st.marks(end))
	tq, tc, tr, tt := tm.Tw, tm.Tc, tm.Tr, tm.Tt
	if st.srv == nil {
		return
	}
	be.connect.Add(1 + int64(st.retries))
	be.lbtot.Add(1)
	be.countTimes(tq, tc, tr, tt)
	sv := &st.srv.ctr
	sv.bin.Add(in)
	sv.bout.Add(st.bytesOut)
	if !noResp {
		sv.countHTTP(status, now)
	}
	sv.lastSess.Store(now)
	sv.lbtot.Add(1)
	sv.connect.Add(1 + int64(st.retries))
	sv.wretr.Add(int64(st.retries))
	storeMax(&sv.smax, st.srv.cur.Load()+1)
	storeMax(&sv.sessRateMax, sv.sessRate.add(now))
	sv.countTimes(tq, tc, tr, tt)
	sv.countEnd(st.term, connErr, badResp)
}

// reqInSize is the request head's part of %U: its HTX size
// (htxStartLine and the header blocks) with a Connection header left in
// the request (Connection: Upgrade), which HAProxy's HTX keeps (measured
// on 2.6.12 with WebSocket requests). The body counts as read
// (stream.bytesUp), not as announced.
func reqInSize(h *head) int64 {
	n := int64(htxStartLine(len(h.method), len(h.uri), len(h.version)) + h.htxHdrs)
	for i := range h.hdrs {
		if hd := &h.hdrs[i]; !hd.skip && !hd.del && h1.EqualFold(hd.name, "connection") {
			n += int64(len(hd.name) + len(hd.value))
		}
	}
	return n
}

// reqHTXSize is the size HAProxy counts for a request in its "bin"
// counters: the HTX start line and end of headers (htxStartLine), the
// header blocks (name + value) and the body.
func reqHTXSize(h *head) int64 {
	n := int64(htxStartLine(len(h.method), len(h.uri), len(h.version)) + h.htxHdrs)
	if h.contentLength > 0 {
		n += h.contentLength
	}
	return n
}

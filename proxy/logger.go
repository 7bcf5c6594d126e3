package proxy

import (
	"fmt"
	"net"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/haplog/haplog/formats"
	"github.com/haplog/haplog/proxy/config"
)

// sink is one "log" target: a connected, non-blocking datagram socket.
type sink struct {
	target config.LogTarget
	framer *formats.Framer
	conn   *net.UDPConn
	raw    syscall.RawConn
	fd     int         // for fd@N targets; -1 otherwise
	ux     *unixTarget // for UNIX socket targets (logtarget_unix.go)
	index  int         // 1-based position in its set, for error messages
	// batch queues the request lines of a UDP target (logbatch.go).
	batch *logBatch
	// sampling state ("sample r:s")
	mu      sync.Mutex
	counter int
}

// sinkSet is the loggers of a proxy (or the global ones).
type sinkSet struct {
	p     *Proxy
	sinks []*sink
}

func (o *logOutput) newSinkSet(g *config.Global, targets []config.LogTarget, tag string) (*sinkSet, error) {
	set := &sinkSet{p: o.p}
	for _, t := range targets {
		s, err := o.newSink(g, t, tag)
		if err != nil {
			set.close()
			return nil, fmt.Errorf("%s:%d: log target: %w", t.File, t.Line, err)
		}
		s.index = len(set.sinks) + 1
		set.sinks = append(set.sinks, s)
	}
	return set, nil
}

func (o *logOutput) newSink(g *config.Global, t config.LogTarget, tag string) (*sink, error) {
	lf := formats.LogLocal
	if t.Format != "" {
		var err error
		if lf, err = formats.ParseLogFormat(t.Format); err != nil {
			return nil, err
		}
	} else if g.LogSendHostname != "" {
		lf = formats.LogRFC3164
	}
	s := &sink{target: t, fd: -1, framer: &formats.Framer{Format: lf, Facility: t.Facility,
		Hostname: g.LogSendHostname, Tag: tag, PID: o.p.opts.PID, MaxLen: t.Len}}
	switch t.Addr.Network {
	case "fd":
		s.fd = t.Addr.FD
		return s, nil
	case "unix", "unixgram":
		var err error
		s.ux, err = newUnixTarget(t.Addr.Path)
		return s, err
	}
	port := t.Addr.Port
	if port == 0 {
		port = 514
	}
	ua, err := net.ResolveUDPAddr("udp", net.JoinHostPort(t.Addr.Host, strconv.Itoa(port)))
	if err != nil {
		return nil, err
	}
	c, err := net.DialUDP("udp", nil, ua)
	if err != nil {
		return nil, err
	}
	raw, err := c.SyscallConn()
	if err != nil {
		c.Close()
		return nil, err
	}
	s.conn, s.raw = c, raw
	s.batch = newLogBatch(o, s)
	go s.flusher()
	return s, nil
}

func (set *sinkSet) close() {
	if set == nil {
		return
	}
	for _, s := range set.sinks {
		s.closeBatch()
		if s.conn != nil {
			s.conn.Close()
		}
		s.ux.close()
	}
}

// bufPool holds line buffers; oversized ones are not kept.
var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, 2048); return &b }}

// sendRecord encodes r with the frontend's format and sends it to every
// logger of the set whose level filter lets it through.
func (set *sinkSet) sendRecord(fe *frontend, level formats.Severity, r *formats.Record) {
	if set != nil {
		set.sendRecordAt(fe, level, r, set.p.now(), false)
	}
}

// sendRecordAt is sendRecord with the syslog header dated now: the
// request path passes the reading of the proxy's clock it already holds
// (the stream's end), one clock read less per request. With queue, the
// lines for UDP targets are queued for their flusher (logbatch.go)
// instead of sent at once.
func (set *sinkSet) sendRecordAt(fe *frontend, level formats.Severity, r *formats.Record, now time.Time, queue bool) {
	if set == nil || len(set.sinks) == 0 {
		return
	}
	bp := bufPool.Get().(*[]byte)
	msg := fe.format.Append((*bp)[:0], r)
	set.sendAt(level, now, msg, queue)
	if cap(msg) <= 64<<10 {
		*bp = msg[:0]
		bufPool.Put(bp)
	}
}

// send frames msg for each logger and sends it without ever blocking.
func (set *sinkSet) send(level formats.Severity, msg []byte) {
	if set == nil {
		return
	}
	set.sendAt(level, set.p.now(), msg, false)
}

// sendAt is send with the syslog header dated now; with queue, a UDP
// target's line is queued (sink.queue) rather than sent at once.
func (set *sinkSet) sendAt(level formats.Severity, now time.Time, msg []byte, queue bool) {
	if !queue {
		set.p.out.flushQueues() // the queued lines were logged first
	}
	for _, s := range set.sinks {
		if level > s.target.MaxLevel || !s.sample() {
			continue
		}
		lv := max(level, s.target.MinLevel) // more severe levels are raised to MinLevel
		bp := bufPool.Get().(*[]byte)
		dgram := s.framer.Append((*bp)[:0], lv, now, msg)
		if queue && s.batch != nil {
			s.queue(dgram)
		} else {
			set.p.out.deliver(s, dgram)
		}
		if cap(dgram) <= 64<<10 {
			*bp = dgram[:0]
			bufPool.Put(bp)
		}
	}
}

// sample applies "sample ranges:size"; true when the line must be sent.
func (s *sink) sample() bool {
	if s.target.SampleSize <= 0 {
		return true
	}
	s.mu.Lock()
	s.counter = s.counter%s.target.SampleSize + 1
	n := s.counter
	s.mu.Unlock()
	for _, r := range s.target.SampleRanges {
		if n >= r[0] && n <= r[1] {
			return true
		}
	}
	return false
}

// sendOp is a pooled non-blocking send, so that RawConn.Write gets a
// function value without allocating per line.
type sendOp struct {
	b   []byte
	err error
	fn  func(fd uintptr) bool
}

var opPool = sync.Pool{New: func() any {
	op := &sendOp{}
	op.fn = op.do
	return op
}}

func (op *sendOp) do(fd uintptr) bool {
	op.err = sendDatagram(fd, op.b)
	return true // never wait for writability: drop instead
}

// deliver sends one datagram; failures are counted, never waited on.
func (o *logOutput) deliver(s *sink, b []byte) {
	var err error
	if s.ux != nil {
		err = s.ux.send(b)
	} else if s.fd >= 0 {
		_, err = syscall.Write(s.fd, b)
	} else {
		op := opPool.Get().(*sendOp)
		op.b = b
		if werr := s.raw.Write(op.fn); werr != nil {
			err = werr
		} else {
			err = op.err
		}
		op.b, op.err = nil, nil
		opPool.Put(op)
	}
	if err == nil {
		o.p.stats.LogsSent.Add(1)
		return
	}
	o.p.stats.LogsDropped.Add(1)
	o.sendFailed(s, err)
}

// adminf sends an admin/event message at level through set (falling back
// to the global loggers when set has none) and copies it to Stderr as a
// [WARNING], whatever its syslog level: haproxy 2.6.12 prints server state
// changes, health checks and stop notices that way (the DOWN alert and the
// UP notice alike; TestServerStateStderrVsHAProxy in cmd/proxy).
func (o *logOutput) adminf(set *sinkSet, level formats.Severity, format string, args ...any) {
	if set == nil || len(set.sinks) == 0 {
		set = o.p.plan().global
	}
	o.noticef(set, level, format, args...)
}

// noticef is adminf without the fallback: sent through set only (none when
// set is nil or empty), and printed on stderr as a [WARNING].
func (o *logOutput) noticef(set *sinkSet, level formats.Severity, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	o.admin(set, level, msg, "[WARNING]", msg)
}

// admin sends msg at level through set (no fallback) and prints stderrMsg
// on Stderr with word ("[WARNING]", "[ALERT]").
func (o *logOutput) admin(set *sinkSet, level formats.Severity, msg, word, stderrMsg string) {
	set.send(level, []byte(msg))
	if o.p.opts.Stderr != nil {
		fmt.Fprintf(o.p.opts.Stderr, "%-10s (%d) : %s\n", word, o.p.opts.PID, stderrMsg)
	}
}

package proxy

import (
	"context"
	"net"
	"time"
)

// Stage 5, connect: assign a server (queueing when all are full), dial
// it, retry and redispatch; a failure becomes a 503 with sQ/sC/SC.

// connErr classifies a failed attempt to reach a server.
type connErr uint8

const (
	connOK      connErr = iota
	connNoSrv           // no usable server: 503 SC with <NOSRV>
	connQueueTO         // queue timeout: 503 sQ
	connRefused         // connection refused or reset: 503 SC
	connTimeout         // connect timeout: 503 sC
	connReused          // the kept server connection serves the stream (no new connection)
)

// setTermConnErr sets the two termination characters of a stream that
// could not reach a server: SC without a server or on a refused
// connection, sQ on a queue timeout, sC on a connect timeout.
func (st *stream) setTermConnErr(ce connErr) {
	switch ce {
	case connNoSrv:
		st.term.set(causeServerAbort, phaseConnect)
		st.queued = time.Time{}
	case connQueueTO:
		st.term.set(causeServerTimeout, phaseQueue)
	case connRefused:
		st.term.set(causeServerAbort, phaseConnect)
	case connTimeout:
		st.term.set(causeServerTimeout, phaseConnect)
	}
}

// maxTurnAround is HAProxy's delay between two connection attempts when
// the previous one failed at once.
const maxTurnAround = time.Second

// connect assigns a server to the stream (queueing when all are full) and
// opens a connection to it, retrying and redispatching as configured. On
// success the stream holds a slot on st.srv and the connection is returned;
// when the chosen server is kept (the server of the session's idle
// keep-alive connection), no connection is opened and connReused tells the
// caller to use the kept one.
func connect(s *session, ctx context.Context, st *stream, key *balanceKey, prefer, kept *server) (net.Conn, connErr) {
	b := st.be
	srv, pos, res := b.assign(ctx, key, prefer, nil)
	st.bq = pos
	switch res {
	case pickNoSrv:
		return nil, connNoSrv
	case pickQueued:
		st.queued = s.p.now()
		return nil, connQueueTO
	}
	st.queued = s.p.now()
	st.srv, st.slot = srv, true
	if kept != nil && srv == kept {
		st.connected = st.queued
		return nil, connReused
	}
	retries := b.cfg.Retries
	for attempt := 0; ; attempt++ {
		c, err := dial(s, st.srv)
		if err == nil {
			st.connected = s.p.now()
			st.srv.cum.Add(1)
			return c, connOK
		}
		kind := connRefused
		if isTimeout(err) {
			kind = connTimeout
		}
		if attempt >= retries {
			return nil, kind
		}
		st.retries++
		if kind == connRefused {
			wait := min(b.cfg.Timeouts.Connect, maxTurnAround)
			if wait <= 0 {
				wait = maxTurnAround
			}
			t := time.NewTimer(wait)
			select {
			case <-t.C:
			case <-ctx.Done():
				t.Stop()
				return nil, kind
			}
		}
		if b.cfg.Redispatch && attempt == retries-1 {
			st.redispatched = true
			if next := redispatch(s, ctx, st, key); next != nil {
				st.srv = next
			}
		}
	}
}

// redispatch moves the stream's slot to another server for its last
// attempt; it returns nil (keeping the current one) when none is free.
func redispatch(s *session, ctx context.Context, st *stream, key *balanceKey) *server {
	b := st.be
	s2, res, _ := b.pick(key, nil, st.srv, nil)
	if res != pickOK || s2 == nil {
		return nil
	}
	wake(b.release(st.srv, nil))
	return s2
}

func dial(s *session, srv *server) (net.Conn, error) {
	to := srv.be.cfg.Timeouts.Connect
	// KeepAlive -1: no SO_KEEPALIVE (and none of Go's four setsockopt
	// calls per connection) unless "option tcpka"/"srvtcpka" asks, as in
	// HAProxy. Go already sets TCP_NODELAY on every TCP connection.
	d := net.Dialer{KeepAlive: -1}
	ctx := &dialCtx{}
	if to > 0 {
		ctx.dl = s.p.now().Add(to)
	}
	// Not Dialer.DialTCP, which would skip the resolver: it binds the
	// socket before connecting (its zero local address is not nil), and
	// that bind searches for a port free of any TIME_WAIT socket, which
	// took 11 ms per connection after a keep-alive benchmark (strace).
	c, err := d.DialContext(ctx, "tcp", srv.dialAddr(int(s.local.Port())))
	if err != nil {
		return nil, err
	}
	if tc, ok := c.(*net.TCPConn); ok && (srv.be.cfg.TCPKA || srv.be.cfg.SrvTCPKA) {
		tc.SetKeepAlive(true)
	}
	if srv.tls != nil {
		// The TLS handshake is part of the connection (Tc), bounded by
		// timeout connect; a failed one counts as a failed connection.
		tc, err := dialTLS(c, srv.tls, srv.tls.sni.value(s), ctx.dl)
		if err != nil {
			c.Close()
			return nil, err
		}
		return tc, nil
	}
	return c, nil
}

// dialCtx is the context of one connection attempt: its deadline is
// timeout connect (none when zero) and it is never cancelled. net's dial
// applies the deadline to the connecting socket itself, so this context
// needs no timer: Dialer.Timeout or context.WithDeadline would allocate a
// cancelable context, arm a timer and register a cancel callback for
// every server connection (4 % of the proxy's CPU in close mode, perf).
// AfterFunc keeps context.AfterFunc, which net's connect calls, from
// starting a goroutine that waits on Done.
type dialCtx struct{ dl time.Time }

// neverDone is dialCtx's Done channel: not nil, so that net honours the
// deadline, and never closed.
var neverDone = make(chan struct{})

func (c *dialCtx) Deadline() (time.Time, bool)         { return c.dl, !c.dl.IsZero() }
func (c *dialCtx) Done() <-chan struct{}               { return neverDone }
func (c *dialCtx) Err() error                          { return nil }
func (c *dialCtx) Value(any) any                       { return nil }
func (c *dialCtx) AfterFunc(func()) (stop func() bool) { return dialStop }

// dialStop is the stop function of dialCtx.AfterFunc: the function never
// runs (the context is never cancelled), so stopping always succeeds.
func dialStop() bool { return true }

// connectFailed answers 503 and logs. A client that keeps its connection
// keeps it, unless an errorfile's head closes it, as with haproxy 2.6.
func connectFailed(s *session, ce connErr, keep bool) bool {
	st := &s.st
	code := 503
	st.setTermConnErr(ce)
	rep := s.reply(code)
	st.status, st.bytesOut = code, rep.htx
	keep = takeBufferedBody(s) && keep
	keep = writeReply(s, rep, rep.keeps(keep))
	st.finish()
	logStream(s, s.p.now())
	return keep
}

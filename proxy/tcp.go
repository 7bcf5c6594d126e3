package proxy

import (
	"context"
	"errors"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// serveTCP runs a mode tcp session: pick a server, connect, then tunnel
// bytes both ways until both sides closed, a side aborted or a timeout
// fired.
func serveTCP(s *session) {
	st := &s.st
	st.reset(s.accept)
	st.hs = s.tls.handshake
	st.first, st.reqDone = s.accept, s.accept
	be := chooseBackend(s)
	if be == nil {
		st.term.set(causeProxy, phaseRequest)
		logTCP(s, s.p.now(), 0)
		return
	}
	st.setBackend(be)
	conn, ce := connect(s, context.Background(), st, &balanceKey{src: s.client.Addr()}, nil, nil)
	if ce != connOK {
		st.setTermConnErr(ce)
		closeClientFIN(s)
		logTCP(s, s.p.now(), 0)
		return
	}
	s.setServer(conn, st.srv)
	st.header = st.connected
	t := tunnel{now: s.p.opts.Now, cli: s.c, srv: conn, cto: s.fe.cfg.Timeouts.Client, sto: be.cfg.Timeouts.Server}
	if tt := be.cfg.Timeouts.Tunnel; tt > 0 {
		// "timeout tunnel" supersedes both once connected (TCP mode).
		t.cto, t.sto = tt, tt
	}
	t.run()
	s.closeServer()
	st.bytesOut, st.bytesUp = t.down.Load(), t.up.Load()
	if t.cause != 0 {
		st.term.set(t.cause, t.phase)
	}
	if s.killed.Load() {
		st.term.set(causeDown, phaseNone) // "D-", as haproxy 2.6 logs it
	}
	logTCP(s, s.p.now(), t.up.Load())
}

// closeClientFIN ends the client side of a stream that never reached a
// server with a FIN, as haproxy 2.6 does (compared: TestTCPRefuseCloseVsHAProxy).
// HAProxy has read what the client sent into its buffer while connecting;
// a close with those bytes still unread in the socket would make the
// kernel send an RST instead. So: shut the write side, then discard what
// is already readable, without waiting; the session's teardown closes.
func closeClientFIN(s *session) {
	tc, ok := s.raw.(*net.TCPConn)
	if !ok {
		return
	}
	tc.CloseWrite()
	rc, err := tc.SyscallConn()
	if err != nil {
		return
	}
	var buf [4096]byte
	rc.Read(func(fd uintptr) bool {
		for i := 0; i < 64; i++ { // at most 256 KiB: the socket's receive buffer
			n, err := syscall.Read(int(fd), buf[:])
			if n <= 0 || err != nil {
				break
			}
		}
		return true // never wait for more
	})
}

func logTCP(s *session, end time.Time, up int64) {
	if s.fe.cfg.DontLogNull && up == 0 && !s.st.term.cause().serverSide() {
		s.st.finish() // the session's teardown wakes the queued streams
		return
	}
	logStream(s, end)
}

// tunnel copies bytes between a client and a server connection.
type tunnel struct {
	now      func() time.Time // the proxy's clock
	cli, srv net.Conn
	cto, sto time.Duration
	up, down atomic.Int64 // bytes client->server, server->client
	// last activity on each side (unix nano), for inactivity timeouts
	cliAct, srvAct atomic.Int64
	mu             sync.Mutex
	// cause and phase of the first abort (cause 0: none yet)
	cause termCause
	phase termPhase
}

func (t *tunnel) run() {
	now := t.now().UnixNano()
	t.cliAct.Store(now)
	t.srvAct.Store(now)
	done := make(chan struct{})
	go func() {
		defer close(done)
		t.copy(t.srv, t.cli, &t.up, &t.cliAct, &t.srvAct, t.cto, causeClientAbort, causeClientTimeout, causeServerAbort)
	}()
	t.copy(t.cli, t.srv, &t.down, &t.srvAct, &t.cliAct, t.sto, causeServerAbort, causeServerTimeout, causeClientAbort)
	<-done
}

// abort records the termination cause (first one wins) and unblocks both
// directions.
func (t *tunnel) abort(cause termCause, phase termPhase) {
	t.mu.Lock()
	if t.cause == 0 {
		t.cause, t.phase = cause, phase
	}
	t.mu.Unlock()
	past := time.Unix(1, 0)
	t.cli.SetDeadline(past)
	t.srv.SetDeadline(past)
}

func (t *tunnel) aborted() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.cause != 0
}

// copy moves bytes from src to dst. readAct is the activity clock of the
// src side, writeAct the one of the dst side; to is the src side's
// inactivity timeout. srcAbort/srcTimeout/dstAbort are the termination
// causes for the respective failures.
func (t *tunnel) copy(dst, src net.Conn, count, readAct, writeAct *atomic.Int64, to time.Duration, srcAbort, srcTimeout, dstAbort termCause) {
	// A scratch buffer: its size does not show in what is forwarded.
	bp := defaultTune.bufs.Get().(*[]byte)
	defer defaultTune.bufs.Put(bp)
	buf := *bp
	for {
		if to > 0 {
			last := time.Unix(0, max(readAct.Load(), writeAct.Load()))
			src.SetReadDeadline(last.Add(to))
		}
		n, err := src.Read(buf)
		if n > 0 {
			readAct.Store(t.now().UnixNano())
			if to > 0 {
				dst.SetWriteDeadline(t.now().Add(to))
			}
			if _, werr := dst.Write(buf[:n]); werr != nil {
				if !t.aborted() {
					t.abort(dstAbort, phaseData)
				}
				return
			}
			writeAct.Store(t.now().UnixNano())
			count.Add(int64(n))
		}
		if err == nil {
			continue
		}
		if t.aborted() {
			return
		}
		switch {
		case errors.Is(err, io.EOF):
			if cw, ok := dst.(interface{ CloseWrite() error }); ok {
				cw.CloseWrite()
			}
			return
		case isTimeout(err):
			idle := t.now().Sub(time.Unix(0, max(readAct.Load(), writeAct.Load())))
			if to > 0 && idle < to {
				continue // the other direction kept this side busy
			}
			cause := srcTimeout
			if cause == causeServerTimeout && t.cto > 0 && idle >= t.cto {
				// Both sides expired: HAProxy reports the client
				// side (cD), whichever timer fired first here.
				cause = causeClientTimeout
			}
			t.abort(cause, phaseData)
		default:
			t.abort(srcAbort, phaseData)
		}
		return
	}
}

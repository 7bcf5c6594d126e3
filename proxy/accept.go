package proxy

import (
	"context"
	"errors"
	"net"
	"os"
	"time"

	"github.com/haplog/haplog/proxy/config"
)

// Stage 1, accept: a frontend's accept loop takes a slot, accepts and
// hands the connection to a worker goroutine, which runs the session
// (TLS handshake, then the HTTP request loop or the TCP tunnel).

// acceptLoop accepts on l while slots are free. As in haproxy, a full
// frontend (its maxconn) or a full process (the global maxconn, over all
// frontends) stops accepting: connections wait in the kernel's backlog
// and the loop resumes when a connection ends. On Linux the loop first
// waits for a queued connection, so that an idle listener holds no slot
// another listener of the process could use.
func (fe *frontend) acceptLoop(ctx context.Context, l net.Listener, lm *listenerMeta, pw *pendingWaiter) {
	var delay time.Duration
	for {
		if pw != nil {
			if err := pw.wait(); err != nil && (errors.Is(err, net.ErrClosed) || errors.Is(err, os.ErrClosed) || ctx.Err() != nil || fe.p.stopping.Load()) {
				return
			}
		}
		if fe.pl.isRetired() {
			return
		}
		if !fe.acquire(ctx) {
			return
		}
		c, err := l.Accept()
		if err != nil {
			fe.release()
			if errors.Is(err, net.ErrClosed) || ctx.Err() != nil || fe.p.stopping.Load() || fe.pl.isRetired() {
				return
			}
			// Transient (EMFILE...): back off like net/http.
			delay = min(max(2*delay, 5*time.Millisecond), time.Second)
			fe.p.log.Warn("accept failed", "frontend", fe.cfg.Name, "err", err)
			select {
			case <-time.After(delay):
			case <-ctx.Done():
				return
			}
			continue
		}
		delay = 0
		fe.pl.hold() // the session runs on this plan; the worker releases it
		// Counted at accept, as haproxy does: a soft stop right after a
		// later connection's request must see this one in "cumulated
		// conns" even if its worker has not started yet.
		fe.cum.Add(1)
		a := accepted{c: c, lm: lm, at: fe.p.now()}
		select {
		case fe.idle <- a:
		default:
			fe.p.wg.Add(1)
			go fe.worker(a)
		}
	}
}

// acquire takes a slot of the frontend, then one of the process; it
// returns false when the proxy stops first.
func (fe *frontend) acquire(ctx context.Context) bool {
	select {
	case fe.slots <- struct{}{}:
	case <-fe.p.stopped:
		return false
	case <-fe.pl.retired:
		return false
	case <-ctx.Done():
		return false
	}
	select {
	case fe.p.slots <- struct{}{}:
		return true
	case <-fe.p.stopped:
	case <-fe.pl.retired:
	case <-ctx.Done():
	}
	<-fe.slots
	return false
}

// release gives back the slots acquire took.
func (fe *frontend) release() {
	<-fe.p.slots
	<-fe.slots
}

// accepted is a connection handed by an accept loop to a worker.
type accepted struct {
	c  net.Conn
	lm *listenerMeta
	at time.Time // the accept instant
}

// worker serves a, then waits for the next connection of the frontend
// until the proxy stops or a reload retires the frontend's plan. Reusing goroutines keeps their grown stacks (a
// new goroutine per connection spent ~8% of the CPU growing its stack in
// close mode), and reusing the session keeps its buffers.
func (fe *frontend) worker(a accepted) {
	defer fe.p.wg.Done()
	s := new(session)
	for {
		s.init(fe, a.c, a.at)
		s.lis = a.lm
		s.run()
		fe.release()
		fe.pl.release()
		select {
		case a = <-fe.idle:
		case <-fe.p.stopped:
			return
		case <-fe.pl.retired:
			return
		}
	}
}

func (s *session) run() {
	if s.connRefused() {
		// haproxy closes a refused connection with a single RST (no
		// linger).
		if l, ok := s.raw.(interface{ SetLinger(int) error }); ok {
			l.SetLinger(0)
		}
		s.c.Close()
		return
	}
	p := s.p
	p.actconn.Add(1)
	s.fe.feconn.Add(1)
	p.addSession(s)
	defer func() {
		p.removeSession(s)
		s.st.finish()
		s.closeServer()
		s.c.Close()
		s.srvMu.Lock()
		s.srvRd.release()
		s.srvRd = nil
		s.srvMu.Unlock()
		s.rd.release()
		s.fe.feconn.Add(-1)
		p.actconn.Add(-1)
		// Last: a stream dequeued by this session's end must not see it
		// in %ac/%fc (HAProxy frees the session before running it).
		s.st.wakeQueued()
	}()
	if tc, ok := s.raw.(*net.TCPConn); ok && (s.fe.cfg.TCPKA || s.fe.cfg.CliTCPKA) {
		tc.SetKeepAlive(true)
	}
	if s.lis != nil && s.lis.tls != nil {
		if msg, got := s.handshake(s.lis.tls); msg != "" {
			if got || !s.fe.cfg.DontLogNull {
				logConnError(s, msg)
			}
			return
		}
	}
	if s.fe.cfg.Mode != config.ModeHTTP && s.fe.legacyLog() {
		// HTTP: at the first request byte (readRequest).
		logConnect(s)
	}
	if s.fe.cfg.Mode == config.ModeHTTP {
		s.rd = s.cliRd.reset(s.c, s.pl.tune)
		serveHTTP(s)
		return
	}
	serveTCP(s)
}

// wakeIfIdle interrupts a keep-alive wait so that the session notices a
// soft stop.
func (s *session) wakeIfIdle() {
	if s.idle.Load() == 1 {
		s.raw.SetReadDeadline(time.Unix(1, 0))
	}
}

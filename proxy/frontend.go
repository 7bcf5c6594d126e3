package proxy

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/haplog/haplog/formats"
	"github.com/haplog/haplog/proxy/config"
)

// frontend is the runtime state of a proxy with the frontend capability.
type frontend struct {
	p         *Proxy
	cfg       *config.Proxy
	listeners []net.Listener
	// lmeta[i] describes listeners[i]: its TLS setup and its name for
	// connection error lines.
	lmeta []*listenerMeta
	// waiters[i] waits for a connection queued on listeners[i] (nil
	// where the platform cannot).
	waiters []*pendingWaiter
	bindTLS []*tls.Config // per cfg.Binds entry; nil = clear text
	logs    *sinkSet
	format  *formats.Format // nil = legacy "Connect from" line
	// slots bounds concurrent connections (maxconn, always set: the
	// frontend's own, else the global one, as in haproxy).
	slots  chan struct{}
	feconn atomic.Int64
	cum    atomic.Int64
	// reqCounter numbers requests (%rt); logCounter log lines (%lc).
	reqCounter, logCounter atomic.Uint64

	// idle hands accepted sessions to workers waiting for one.
	idle chan accepted

	rep *replies
	// rules are the frontend's compiled http-request/response rules and
	// route its resolved backend choice (both set once by New).
	rules     *compiledRules
	route     route
	closeOnce sync.Once
	// connErrFmt renders the head of a connection error line
	// ("<ci>:<cp> [<date>]").
	connErrFmt *formats.Format
}

func (fe *frontend) replies() *replies { return fe.rep }

// route is a frontend's backend choice with every reference resolved.
type route struct {
	rules []useRule
	def   *backend // default_backend (nil: none)
	// self is the backend part of a listen section (nil for a frontend).
	self *backend
}

// useRule is one use_backend line.
type useRule struct {
	cond *config.Cond // nil: unconditional
	be   *backend
}

// listenerMeta is what a session needs to know of its listener.
type listenerMeta struct {
	tls  *tls.Config // nil: clear text
	name string      // bind "name", else the listener's number in the frontend
}

func newFrontend(p *Proxy, cfg *config.Proxy, logs *sinkSet) (*frontend, error) {
	fe := &frontend{p: p, cfg: cfg, logs: logs, rep: newReplies(cfg), idle: make(chan accepted)}
	src := cfg.LogFormat
	if cfg.LogStyle == config.LogDefault || src == "" {
		src = formats.DefaultTCPLogFormat
		if cfg.Mode == config.ModeHTTP {
			src = formats.DefaultLogFormat
		}
	}
	f, err := formats.Compile(src)
	if err != nil {
		return nil, fmt.Errorf("log-format: %w", err)
	}
	fe.format = f
	if fe.connErrFmt, err = formats.Compile("%ci:%cp [%t]"); err != nil {
		return nil, err
	}
	for i := range cfg.Binds {
		var tc *tls.Config
		if cfg.Binds[i].SSL {
			if tc, err = bindTLS(&cfg.Binds[i], cfg.Mode); err != nil {
				return nil, err
			}
		}
		fe.bindTLS = append(fe.bindTLS, tc)
	}
	fe.slots = make(chan struct{}, max(p.lim.feMaxConn[cfg], 1))
	return fe, nil
}

// legacyLog reports whether the frontend logs HAProxy's accept-time
// "Connect from" line instead of an end-of-session line.
func (fe *frontend) legacyLog() bool {
	return fe.cfg.LogStyle == config.LogDefault || fe.cfg.LogFormat == ""
}

func (fe *frontend) listen() error {
	for i := range fe.cfg.Binds {
		b := &fe.cfg.Binds[i]
		tc := fe.bindTLS[i]
		end := b.Addr.PortEnd
		if end < b.Addr.Port {
			end = b.Addr.Port
		}
		for port := b.Addr.Port; port <= end; port++ {
			network, addr := listenAddr(b.Addr, port)
			l, err := listenReusePort(network, addr)
			if err != nil {
				return fmt.Errorf("cannot bind socket (%w) for [%s]", err, addr)
			}
			setBacklog(l, cap(fe.slots))
			fe.listeners = append(fe.listeners, l)
			fe.waiters = append(fe.waiters, newPendingWaiter(l))
			name := b.Name
			if name == "" {
				name = strconv.Itoa(len(fe.listeners))
			}
			fe.lmeta = append(fe.lmeta, &listenerMeta{tls: tc, name: name})
		}
	}
	return nil
}

// listenAddr maps a bind address to Go's network and address: "*:p" and
// ":p" are all IPv4 addresses, "::" the IPv6 wildcard.
func listenAddr(a config.Addr, port int) (network, addr string) {
	host := a.Host
	network = "tcp4"
	if host == "" || host == "*" {
		host = "0.0.0.0"
	}
	if ip, err := netip.ParseAddr(host); err == nil && ip.Is6() {
		network = "tcp6"
	}
	if a.Network == "tcp6" {
		network = "tcp6"
	}
	return network, net.JoinHostPort(host, strconv.Itoa(port))
}

func (fe *frontend) closeListeners() {
	fe.closeOnce.Do(func() {
		for i, l := range fe.listeners {
			l.Close()
			if w := fe.waiters[i]; w != nil {
				w.close()
			}
		}
	})
}

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
		if !fe.acquire(ctx) {
			return
		}
		c, err := l.Accept()
		if err != nil {
			fe.release()
			if errors.Is(err, net.ErrClosed) || ctx.Err() != nil || fe.p.stopping.Load() {
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
	case <-ctx.Done():
		return false
	}
	select {
	case fe.p.slots <- struct{}{}:
		return true
	case <-fe.p.stopped:
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
// until the proxy stops. Reusing goroutines keeps their grown stacks (a
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
		select {
		case a = <-fe.idle:
		case <-fe.p.stopped:
			return
		}
	}
}

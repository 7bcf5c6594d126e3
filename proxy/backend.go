package proxy

import (
	"context"
	"net"
	"net/netip"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/haplog/haplog/proxy/config"
)

// server is the runtime state of one "server" line.
type server struct {
	cfg  *config.Server
	be   *backend
	addr string // host:port; port 0 = the client's destination port
	// rrCurrent is the server's current weight in its backend's smooth
	// round robin (under the backend lock).
	rrCurrent int
	// cur counts the streams using the server (served, for maxconn).
	cur atomic.Int64
	// pending counts the slots handed to queued streams that have not
	// resumed yet: HAProxy's %sc (cur_sess) does not count them.
	pending atomic.Int64
	// up is false when health checks marked the server DOWN; adm holds
	// the administrative flags (admFMaint, admCMaint, admFDrain).
	up  atomic.Bool
	adm atomic.Uint32
	// nolb is HAProxy's STOPPING state (UP, out of load balancing, set
	// by the stats page's hnolb); chkOff the health checks disabled by
	// its dhlth (admin.go).
	nolb, chkOff atomic.Bool
	// cum counts the connections ever made to it.
	cum atomic.Int64
	// health is the health check counter (0..rise+fall-1) and check the
	// last check status (hcStatus); lastChange the unix time in ns of the
	// last state change. Read by the CLI.
	health     atomic.Int32
	check      atomic.Uint32
	lastChange atomic.Int64
	ctr        counters // stats counters (counters.go)
	// tls is the TLS setup towards the server ("ssl"); nil = clear text.
	tls *srvTLS
}

// Administrative flags of a server, with HAProxy's values (as "show
// servers state" prints them).
const (
	admFMaint = 0x01 // forced maintenance (CLI)
	admCMaint = 0x04 // "disabled" in the configuration
	admFDrain = 0x08 // forced drain (CLI)
	admMaint  = admFMaint | admCMaint
)

func (s *server) maint() bool    { return s.adm.Load()&admMaint != 0 }
func (s *server) draining() bool { return s.adm.Load()&admFDrain != 0 }

// usable reports whether the balancer may give the server new traffic:
// UP, not in maintenance, not draining, not NOLB, with a weight.
func (s *server) usable() bool {
	return s.adm.Load() == 0 && s.up.Load() && !s.nolb.Load() && s.cfg.Weight > 0
}

// persistOK reports whether a request designated to the server by
// persistence may use it: a draining server still takes those.
func (s *server) persistOK() bool { return s.up.Load() && !s.maint() }

// full reports whether the server reached its maxconn.
func (s *server) full() bool {
	return s.cfg.MaxConn > 0 && s.cur.Load() >= int64(s.cfg.MaxConn)
}

func (s *server) dialAddr(dstPort int) string {
	if s.cfg.Addr.Port == 0 && dstPort > 0 {
		return net.JoinHostPort(s.cfg.Addr.Host, strconv.Itoa(dstPort))
	}
	return s.addr
}

// waiter is a stream waiting in the backend queue.
type waiter struct {
	ready chan *server
	// srv is set (under backend.mu) when a slot was handed over.
	srv *server
}

// backend is the runtime state of a proxy with the backend capability.
type backend struct {
	p       *Proxy
	pl      *plan // the plan the backend belongs to
	cfg     *config.Proxy
	servers []*server
	bal     balancer
	// beconn counts streams assigned to the backend (queued included).
	beconn atomic.Int64
	cum    atomic.Int64
	logs   *sinkSet
	ctr    counters // stats counters (counters.go)
	// rules are the backend's compiled http-request/response rules.
	rules *compiledRules
	// rep holds the backend's errorfiles (session.reply looks there
	// first).
	rep *replies

	mu    sync.Mutex
	queue []*waiter
	// cands is pick's scratch list of candidates (under mu): the
	// balancers are interfaces, so a stack array would escape.
	cands []*server

	// stateMu serialises server state changes (checks, CLI) with the
	// admin messages that report them, so counts in a message match.
	stateMu sync.Mutex
}

func newBackend(p *Proxy, pl *plan, cfg *config.Proxy) (*backend, error) {
	b := &backend{p: p, pl: pl, cfg: cfg, rep: newReplies(cfg, &pl.tune.fileLim)}
	for _, sc := range cfg.Servers {
		s := &server{cfg: sc, be: b, addr: net.JoinHostPort(sc.Addr.Host, strconv.Itoa(sc.Addr.Port))}
		if sc.SSL {
			var err error
			if s.tls, err = serverTLS(sc, pl.cfg.Global.SSLServerVerify); err != nil {
				return nil, err
			}
		}
		s.up.Store(true)
		if sc.Disabled {
			s.adm.Store(admCMaint | admFMaint) // as haproxy 2.6 sets both (show servers state: 5)
		}
		s.lastChange.Store(p.now().UnixNano())
		b.servers = append(b.servers, s)
	}
	b.bal = newBalancer(cfg.Balance, b.servers)
	return b, nil
}

// pickResult is the outcome of server selection.
type pickResult uint8

const (
	pickOK     pickResult = iota
	pickNoSrv             // no usable server at all
	pickQueued            // must wait in the queue
)

// candidates returns the servers the balancer may choose from: usable
// active servers, else the first usable backup (all with allbackups).
func (b *backend) candidates(dst []*server) []*server {
	dst = dst[:0]
	for _, s := range b.servers {
		if !s.cfg.Backup && s.usable() {
			dst = append(dst, s)
		}
	}
	if len(dst) > 0 {
		return dst
	}
	for _, s := range b.servers {
		if s.cfg.Backup && s.usable() {
			dst = append(dst, s)
			if !b.cfg.AllBackups {
				break
			}
		}
	}
	return dst
}

// usableCount returns the number of usable active and backup servers.
func (b *backend) usableCount() (active, backup int) {
	for _, s := range b.servers {
		if s.usable() {
			if s.cfg.Backup {
				backup++
			} else {
				active++
			}
		}
	}
	return
}

// pick chooses a server for a stream. prefer is a server designated by
// persistence (nil = none); avoid is excluded (redispatch). On pickQueued,
// w is enqueued (unless nil) and pos is its position (queue length
// including it).
func (b *backend) pick(key *balanceKey, prefer, avoid *server, w *waiter) (s *server, res pickResult, pos int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if prefer != nil && prefer.persistOK() && !prefer.full() && len(b.queue) == 0 {
		prefer.cur.Add(1)
		return prefer, pickOK, 0
	}
	cands := b.candidates(b.cands[:0])
	b.cands = cands
	if len(cands) == 0 {
		return nil, pickNoSrv, 0
	}
	if len(b.queue) == 0 {
		if s = b.bal.pick(cands, key, avoid); s != nil {
			s.cur.Add(1)
			return s, pickOK, 0
		}
	}
	if w == nil {
		return nil, pickQueued, 0
	}
	b.queue = append(b.queue, w)
	return nil, pickQueued, len(b.queue)
}

// dequeue removes w from the queue; it reports false when a server was
// already handed to it (the caller then owns that slot).
func (b *backend) dequeue(w *waiter) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	for i, q := range b.queue {
		if q == w {
			b.queue = append(b.queue[:i], b.queue[i+1:]...)
			return true
		}
	}
	return false
}

// release gives back a server slot; a queued stream may take it over. The
// streams handed a slot are appended to wake: the caller wakes them (wake)
// once it has logged, as HAProxy runs a dequeued stream only after the
// releasing one is done, so its %sc does not count it.
func (b *backend) release(s *server, wake []*waiter) []*waiter {
	b.mu.Lock()
	defer b.mu.Unlock()
	s.cur.Add(-1)
	return b.handOverLocked(wake)
}

// wake resumes queued streams that were handed a slot.
func wake(ws []*waiter) {
	for _, w := range ws {
		w.ready <- w.srv
	}
}

// serveQueueLocked hands free slots to queued streams and wakes them.
func (b *backend) serveQueueLocked() {
	var buf [4]*waiter
	wake(b.handOverLocked(buf[:0]))
}

// handOverLocked hands free slots to queued streams, appending them to dst.
func (b *backend) handOverLocked(dst []*waiter) []*waiter {
	for len(b.queue) > 0 {
		cands := b.candidates(b.cands[:0])
		b.cands = cands
		if len(cands) == 0 {
			return dst
		}
		s := b.bal.pick(cands, nil, nil)
		if s == nil {
			return dst
		}
		w := b.queue[0]
		b.queue = b.queue[1:]
		s.cur.Add(1)
		s.pending.Add(1)
		w.srv = s
		dst = append(dst, w)
	}
	return dst
}

// queueLen returns the current backend queue length.
func (b *backend) queueLen() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.queue)
}

// assign selects a server, waiting in the queue when all are full. It
// returns the server (slot taken), the queue position (0 when not queued)
// and a result: pickOK, pickNoSrv, or pickQueued on a queue timeout.
func (b *backend) assign(ctx context.Context, key *balanceKey, prefer, avoid *server) (*server, int, pickResult) {
	s, res, _ := b.pick(key, prefer, avoid, nil)
	if res != pickQueued {
		return s, 0, res
	}
	// All servers are full: enqueue (a slot may have freed meanwhile).
	w := &waiter{ready: make(chan *server, 1)}
	s, res, pos := b.pick(key, prefer, avoid, w)
	if res != pickQueued {
		return s, 0, res
	}
	tq := b.cfg.Timeouts.Queue
	if tq <= 0 {
		tq = b.cfg.Timeouts.Connect
	}
	var timer <-chan time.Time
	if tq > 0 {
		t := time.NewTimer(tq)
		defer t.Stop()
		timer = t.C
	}
	select {
	case s = <-w.ready:
		s.pending.Add(-1)
		return s, pos, pickOK
	case <-timer:
	case <-ctx.Done():
	}
	if !b.dequeue(w) {
		s = <-w.ready
		s.pending.Add(-1)
		return s, pos, pickOK
	}
	return nil, pos, pickQueued
}

// findCookie returns the server whose cookie value is v.
func (b *backend) findCookie(v []byte) *server {
	for _, s := range b.servers {
		if s.cfg.Cookie != "" && s.cfg.Cookie == string(v) {
			return s
		}
	}
	return nil
}

// balanceKey carries what hashing balancers need.
type balanceKey struct {
	src netip.Addr
	uri []byte
}

package proxy

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/haplog/haplog/formats"
	"github.com/haplog/haplog/proxy/config"
)

// Options tune a Proxy. The zero value works.
type Options struct {
	// Logger receives diagnostics (bind errors, log send failures, rate
	// limited). Nil discards them.
	Logger *slog.Logger
	// Stderr, when set, receives HAProxy-style "[WARNING]  (pid) : ..."
	// copies of the admin messages (server DOWN/UP, proxy stopped), as
	// HAProxy prints them when not daemonised. Nil = none.
	Stderr io.Writer
	// PID is the process id written in syslog headers and %pid; 0 means
	// os.Getpid().
	PID int
	// Hostname is %H; empty means os.Hostname().
	Hostname string
	// Now is the proxy's one clock: log dates, the instants behind the
	// timers, socket deadlines (so it must run at the real pace); nil =
	// time.Now.
	Now func() time.Time
	// Inherited are listening sockets handed over by a previous process
	// (master-worker reload), keyed by ListenerKey: a frontend address
	// found here is served on that socket instead of being bound again.
	Inherited map[string]net.Listener
}

// Proxy runs the frontends and backends of one configuration.
type Proxy struct {
	cfg  *config.Config
	opts Options
	log  *slog.Logger

	// cur is the plan the request path runs: New provisions the first,
	// Reload swaps in the next (plan.go). A session takes its plan once,
	// at accept (its frontend's), and uses only that one.
	cur atomic.Pointer[plan]
	// reloadMu orders Reload, Serve's start and stop; serveCtx is Serve's
	// context (nil before Serve), for the accept loops and checks a
	// reload starts.
	reloadMu sync.Mutex
	serveCtx context.Context

	actconn atomic.Int64
	// reqCounter numbers the requests of the whole process (%rt and
	// show info's CumReq), as haproxy's global request count
	// (TestReqCounterVsHAProxy).
	reqCounter atomic.Uint64
	// checkConns counts the connections health checks attempted:
	// haproxy's CumConns includes them (each check run is a session).
	checkConns atomic.Int64
	// lim are the process's connection limits (the global maxconn,
	// nbthread, computed at New and kept across reloads); slots bounds
	// the connections of all frontends (the global maxconn).
	lim      limits
	slots    chan struct{}
	stopping atomic.Bool
	stopOnce sync.Once
	stopped  chan struct{} // closed by SoftStop

	mu       sync.Mutex
	sessions map[*session]struct{}
	wg       sync.WaitGroup
	checksWG sync.WaitGroup
	listened bool

	// Stats counts log lines sent and dropped.
	stats Stats

	cli    cliState  // stats sockets
	health health    // checks and server states (check.go, admin.go)
	start  time.Time // for "show info"
	out    logOutput // log targets and notices (logger.go)
}

// Stats are counters a Proxy keeps about itself.
type Stats struct {
	// LogsSent counts datagrams handed to the kernel; LogsDropped those
	// lost (socket buffer full or send error).
	LogsSent, LogsDropped atomic.Int64
}

// New builds the runtime of cfg. It opens the log sockets but binds no
// listener: call Listen, then Serve.
func New(cfg *config.Config, opts Options) (*Proxy, error) {
	if opts.PID == 0 {
		opts.PID = os.Getpid()
	}
	if opts.Hostname == "" {
		opts.Hostname, _ = os.Hostname()
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	p := &Proxy{cfg: cfg, opts: opts, log: opts.Logger,
		stopped: make(chan struct{}), sessions: make(map[*session]struct{}), start: opts.Now()}
	if p.log == nil {
		p.log = slog.New(slog.DiscardHandler)
	}
	p.health.p, p.out.p, p.cli.p = p, p, p
	pl, err := p.provision(cfg)
	if err != nil {
		return nil, err
	}
	p.lim = pl.lim
	p.slots = make(chan struct{}, p.lim.maxconn)
	p.cur.Store(pl)
	return p, nil
}

// plan returns the current plan (for the life cycle, the CLI and the
// stats page; a session uses its own, s.pl).
func (p *Proxy) plan() *plan { return p.cur.Load() }

// Stats returns the proxy's counters.
func (p *Proxy) Stats() *Stats { return &p.stats }

// Listen binds every listener of every frontend. On error nothing stays
// bound.
func (p *Proxy) Listen() error {
	pl := p.plan()
	if err := pl.listen(nil); err != nil {
		return err
	}
	if err := p.cli.listenCLI(); err != nil {
		for _, f := range pl.frontends {
			f.closeListeners()
		}
		return err
	}
	p.listened = true
	return nil
}

// Addrs returns the bound addresses of the named frontend (after Listen).
func (p *Proxy) Addrs(frontend string) []net.Addr {
	var out []net.Addr
	for _, fe := range p.plan().frontends {
		if fe.cfg.Name == frontend {
			for _, l := range fe.listeners {
				out = append(out, l.Addr())
			}
		}
	}
	return out
}

// Serve accepts connections and runs health checks until ctx is done (hard
// stop: every connection is closed) or SoftStop was called and the last
// session ended. It calls Listen first when needed.
func (p *Proxy) Serve(ctx context.Context) error {
	if !p.listened {
		if err := p.Listen(); err != nil {
			return err
		}
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	p.reloadMu.Lock()
	p.serveCtx = ctx
	p.start1(ctx, p.plan())
	p.reloadMu.Unlock()
	p.cli.serveCLI()
	select {
	case <-ctx.Done():
		// Hard stop (SIGTERM/SIGINT): haproxy 2.6 dies at once and
		// logs no "Proxy ... stopped" notice (measured).
		p.stop(false)
		p.closeAll()
	case <-p.stopped:
	}
	// Listeners closed by SoftStop; sessions drain, unless ctx ends
	// first (hard-stop-after): then they are closed.
	drained := make(chan struct{})
	go func() { p.wg.Wait(); close(drained) }()
	select {
	case <-drained:
	case <-ctx.Done():
		p.closeAll()
		<-drained
	}
	cancel()
	p.checksWG.Wait()
	p.cli.wg.Wait()
	p.plan().release() // the plan's own reference: its sinks close

	if err := ctx.Err(); err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	return nil
}

// SoftStop stops listening, logs "Proxy <name> stopped" for every proxy,
// closes idle keep-alive connections and lets active sessions finish; Serve
// returns when the last one ends. It is what SIGUSR1 and -sf trigger.
func (p *Proxy) SoftStop() { p.stop(true) }

// stop closes the listeners and the CLI and ends idle connections, with
// the stop notices when notices is set (soft stop). Only the first call
// acts.
func (p *Proxy) stop(notices bool) {
	p.stopOnce.Do(func() {
		p.reloadMu.Lock()
		defer p.reloadMu.Unlock()
		p.stopping.Store(true)
		for _, fe := range p.plan().frontends {
			fe.closeListeners()
		}
		p.cli.closeCLI()
		if notices {
			p.logStopped()
		}
		p.mu.Lock()
		for s := range p.sessions {
			s.wakeIfIdle()
		}
		p.mu.Unlock()
		close(p.stopped)
	})
}

// closeAll closes every client connection (hard stop).
func (p *Proxy) closeAll() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for s := range p.sessions {
		s.raw.Close()
		s.closeServer()
	}
}

func (p *Proxy) addSession(s *session) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.sessions[s] = struct{}{}
	return true
}

func (p *Proxy) removeSession(s *session) {
	p.mu.Lock()
	delete(p.sessions, s)
	p.mu.Unlock()
}

// logStopped emits HAProxy's soft-stop lines, one per proxy: as haproxy
// 2.6.12 orders them (TestStopNoticesVsHAProxy in cmd/proxy), first the
// proxies with a frontend (frontend, listen) in declaration order, as
// their listeners close, then the backends, then its internal
// <HTTPCLIENT>.
func (p *Proxy) logStopped() {
	pl := p.plan()
	fes := make([]*frontend, len(pl.cfg.Proxies))
	for _, f := range pl.frontends {
		fes[f.cfg.Index] = f
	}
	for _, withFrontend := range []bool{true, false} {
		for _, pc := range pl.ordered {
			f := fes[pc.Index]
			if (f != nil) != withFrontend {
				continue
			}
			var fe, be int64
			var logs *sinkSet
			if b := pl.backends[pc.Index]; b != nil {
				be = b.cum.Load()
				logs = b.logs
			}
			if f != nil {
				fe = f.cum.Load()
				logs = f.logs
			}
			// To the proxy's own loggers only: one without ("no log",
			// or no "log" line) sends no notice, as haproxy 2.6
			// (TestStopNoticesVsHAProxy); stderr still gets it.
			p.out.noticef(logs, formats.Warning, "Proxy %s stopped (cumulated conns: FE: %d, BE: %d).", pc.Name, fe, be)
		}
	}
	p.out.adminf(pl.global, formats.Warning, "Proxy <HTTPCLIENT> stopped (cumulated conns: FE: 0, BE: 0).")
}

package proxy

import (
	"context"
	"errors"
	"fmt"
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

	frontends []*frontend
	backends  map[*config.Proxy]*backend // load time and the CLI only
	// byIndex is the backend of each cfg.Proxies entry (nil when the
	// proxy is not a backend or is disabled), indexed by
	// config.Proxy.Index: the request path's nbsrv fetch follows it
	// instead of looking its backend up in a map.
	byIndex []*backend
	global  *sinkSet
	// ordered lists every proxy in declaration order, for "stopped" lines.
	ordered []*config.Proxy

	actconn atomic.Int64
	// reqCounter numbers the requests of the whole process (%rt and
	// show info's CumReq), as haproxy's global request count
	// (TestReqCounterVsHAProxy).
	reqCounter atomic.Uint64
	// checkConns counts the connections health checks attempted:
	// haproxy's CumConns includes them (each check run is a session).
	checkConns atomic.Int64
	// lim are the connection limits; slots bounds the connections of all
	// frontends (the global maxconn).
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
	p := &Proxy{cfg: cfg, opts: opts, log: opts.Logger, backends: make(map[*config.Proxy]*backend),
		stopped: make(chan struct{}), sessions: make(map[*session]struct{}), start: opts.Now()}
	if p.log == nil {
		p.log = slog.New(slog.DiscardHandler)
	}
	p.health.p, p.out.p, p.cli.p = p, p, p
	p.lim = computeLimits(cfg, rlimitNofile())
	p.slots = make(chan struct{}, p.lim.maxconn)
	tag := cfg.Global.LogTag
	if tag == "" {
		tag = "haproxy"
	}
	var err error
	if p.global, err = p.out.newSinkSet(cfg.Global.Logs, tag); err != nil {
		return nil, err
	}
	p.byIndex = make([]*backend, len(cfg.Proxies))
	for i, pc := range cfg.Proxies {
		if pc.Index != i {
			p.closeSinks()
			return nil, fmt.Errorf("proxy %q: Index %d at position %d of Config.Proxies (the configuration was not built by config.Parse)", pc.Name, pc.Index, i)
		}
	}
	for _, pc := range cfg.Proxies {
		if pc.Disabled {
			continue
		}
		p.ordered = append(p.ordered, pc)
		cr, err := compileRules(pc)
		if err != nil {
			p.closeSinks()
			return nil, err
		}
		var logs *sinkSet
		if logs, err = p.out.newSinkSet(pc.Logs, p.tagFor(pc)); err != nil {
			p.closeSinks()
			return nil, err
		}
		if pc.Cap&config.CapBackend != 0 {
			b, err := newBackend(p, pc)
			if err != nil {
				logs.close()
				p.closeSinks()
				return nil, fmt.Errorf("proxy %q: %w", pc.Name, err)
			}
			b.logs, b.rules = logs, cr
			p.backends[pc] = b
			p.byIndex[pc.Index] = b
		}
		if pc.Cap&config.CapFrontend != 0 {
			fe, err := newFrontend(p, pc, logs)
			if err != nil {
				p.closeSinks()
				return nil, fmt.Errorf("proxy %q: %w", pc.Name, err)
			}
			fe.rules = cr
			p.frontends = append(p.frontends, fe)
		}
	}
	for _, fe := range p.frontends {
		fe.route = resolveRoute(p.backends, fe.cfg)
	}
	return p, nil
}

// resolveRoute turns the use_backend and default_backend references of
// pc into the backends they name, once at load: the request path follows
// pointers and looks nothing up.
func resolveRoute(backends map[*config.Proxy]*backend, pc *config.Proxy) route {
	r := route{self: backends[pc]}
	for _, ub := range pc.UseBackends {
		r.rules = append(r.rules, useRule{cond: ub.Cond, be: backends[ub.Backend]})
	}
	if pc.DefaultBackend != nil {
		r.def = backends[pc.DefaultBackend]
	}
	return r
}

func (p *Proxy) tagFor(pc *config.Proxy) string {
	if pc.LogTag != "" {
		return pc.LogTag
	}
	if p.cfg.Global.LogTag != "" {
		return p.cfg.Global.LogTag
	}
	return "haproxy"
}

// Stats returns the proxy's counters.
func (p *Proxy) Stats() *Stats { return &p.stats }

// Listen binds every listener of every frontend. On error nothing stays
// bound.
func (p *Proxy) Listen() error {
	for _, fe := range p.frontends {
		if err := fe.listen(); err != nil {
			for _, f := range p.frontends {
				f.closeListeners()
			}
			return fmt.Errorf("frontend %q: %w", fe.cfg.Name, err)
		}
	}
	if err := p.cli.listenCLI(); err != nil {
		for _, f := range p.frontends {
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
	for _, fe := range p.frontends {
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
	p.health.startChecks(ctx)
	p.cli.serveCLI()
	for _, fe := range p.frontends {
		for i, l := range fe.listeners {
			p.wg.Add(1)
			go func() {
				defer p.wg.Done()
				fe.acceptLoop(ctx, l, fe.lmeta[i], fe.waiters[i])
			}()
		}
	}
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
	p.closeSinks()
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
		p.stopping.Store(true)
		for _, fe := range p.frontends {
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

func (p *Proxy) closeSinks() {
	p.global.close()
	seen := map[*sinkSet]bool{p.global: true}
	for _, fe := range p.frontends {
		if !seen[fe.logs] {
			seen[fe.logs] = true
			fe.logs.close()
		}
	}
	for _, b := range p.backends {
		if !seen[b.logs] {
			seen[b.logs] = true
			b.logs.close()
		}
	}
}

// logStopped emits HAProxy's soft-stop lines, one per proxy: as haproxy
// 2.6.12 orders them (TestStopNoticesVsHAProxy in cmd/proxy), first the
// proxies with a frontend (frontend, listen) in declaration order, as
// their listeners close, then the backends, then its internal
// <HTTPCLIENT>.
func (p *Proxy) logStopped() {
	fes := make(map[*config.Proxy]*frontend, len(p.frontends))
	for _, f := range p.frontends {
		fes[f.cfg] = f
	}
	for _, withFrontend := range []bool{true, false} {
		for _, pc := range p.ordered {
			f := fes[pc]
			if (f != nil) != withFrontend {
				continue
			}
			var fe, be int64
			var logs *sinkSet
			if b := p.backends[pc]; b != nil {
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
	p.out.adminf(p.global, formats.Warning, "Proxy <HTTPCLIENT> stopped (cumulated conns: FE: 0, BE: 0).")
}

package proxy

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/haplog/haplog/proxy/config"
)

// plan is one configuration provisioned for the request path: every
// frontend and backend built, their routes, rules, log formats, replies
// and limits resolved to pointers. The request path follows these
// pointers; nothing is looked up by name or in a map. A plan never changes
// once built: Reload provisions a new one and swaps it in (Proxy.cur), and
// the sessions of the old one finish on it.
type plan struct {
	cfg       *config.Config
	frontends []*frontend
	// backends is the backend of each cfg.Proxies entry, indexed by
	// config.Proxy.Index (nil when the proxy is not a backend or is
	// disabled).
	backends []*backend
	// ordered lists every enabled proxy in declaration order.
	ordered []*config.Proxy
	global  *sinkSet
	// lim holds the per-proxy limits (frontend maxconn, fullconn).
	lim limits
	// tune is tune.bufsize, tune.maxrewrite and tune.http.maxhdr: the
	// HTTP/1 limits and the buffers of every session of the plan.
	tune *tune

	// retired is closed when a reload replaced the plan: its accept loops
	// and idle workers stop; gone is set then too (read per accept).
	retired chan struct{}
	gone    atomic.Bool
	// loops counts the plan's running accept loops.
	loops sync.WaitGroup
	// stopChecks ends the plan's health checks (nil before Serve).
	stopChecks context.CancelFunc
	// refs counts the plan's own reference and its sessions; the last
	// release closes its log sockets.
	refs atomic.Int64
}

// provision builds the plan of cfg. It opens the log sockets but binds no
// listener.
func (p *Proxy) provision(cfg *config.Config) (*plan, error) {
	for i, pc := range cfg.Proxies {
		if pc.Index != i {
			return nil, fmt.Errorf("proxy %q: Index %d at position %d of Config.Proxies (the configuration was not built by config.Parse)", pc.Name, pc.Index, i)
		}
	}
	pl := &plan{cfg: cfg, lim: computeLimits(cfg, rlimitNofile()), tune: newTune(cfg.Global.Tune), retired: make(chan struct{}),
		backends: make([]*backend, len(cfg.Proxies))}
	pl.refs.Store(1)
	var err error
	if pl.global, err = p.out.newSinkSet(&cfg.Global, cfg.Global.Logs, tagFor(cfg, nil)); err != nil {
		return nil, err
	}
	for _, pc := range cfg.Proxies {
		if pc.Disabled {
			continue
		}
		if err := pl.add(p, pc); err != nil {
			pl.closeSinks()
			return nil, err
		}
	}
	for _, fe := range pl.frontends {
		fe.route = pl.resolveRoute(fe.cfg)
	}
	return pl, nil
}

// add builds the frontend and/or backend of pc into pl.
func (pl *plan) add(p *Proxy, pc *config.Proxy) error {
	pl.ordered = append(pl.ordered, pc)
	cr, err := compileRules(pc)
	if err != nil {
		return err
	}
	logs, err := p.out.newSinkSet(&pl.cfg.Global, pc.Logs, tagFor(pl.cfg, pc))
	if err != nil {
		return err
	}
	if pc.Cap&config.CapBackend != 0 {
		b, err := newBackend(p, pl, pc)
		if err != nil {
			logs.close()
			return fmt.Errorf("proxy %q: %w", pc.Name, err)
		}
		b.logs, b.rules = logs, cr
		pl.backends[pc.Index] = b
	}
	if pc.Cap&config.CapFrontend != 0 {
		fe, err := newFrontend(p, pl, pc, logs)
		if err != nil {
			if pl.backends[pc.Index] == nil {
				logs.close()
			}
			return fmt.Errorf("proxy %q: %w", pc.Name, err)
		}
		fe.rules = cr
		pl.frontends = append(pl.frontends, fe)
	}
	return nil
}

// resolveRoute turns the use_backend and default_backend references of
// pc into the backends they name, once at load.
func (pl *plan) resolveRoute(pc *config.Proxy) route {
	r := route{self: pl.backends[pc.Index]}
	for _, ub := range pc.UseBackends {
		r.rules = append(r.rules, useRule{cond: ub.Cond, be: pl.backendOf(ub.Backend)})
	}
	if pc.DefaultBackend != nil {
		r.def = pl.backendOf(pc.DefaultBackend)
	}
	return r
}

// backendOf returns the backend built for pc in this plan (nil when pc is
// not one of its enabled backends, e.g. a proxy of a previous plan).
func (pl *plan) backendOf(pc *config.Proxy) *backend {
	if pc == nil || pc.Index < 0 || pc.Index >= len(pl.backends) {
		return nil
	}
	if b := pl.backends[pc.Index]; b != nil && b.cfg == pc {
		return b
	}
	return nil
}

// backendNamed returns the backend called name (the last one declared,
// as haproxy's lookups), or, with byID, the one whose "#<id>" it is (the
// stats page's admin form).
func (pl *plan) backendNamed(name string, byID bool) *backend {
	var found *backend
	for _, pc := range pl.ordered {
		if b := pl.backendOf(pc); b != nil && (pc.Name == name || byID && "#"+strconv.Itoa(pc.ID) == name) {
			found = b
		}
	}
	return found
}

// frontendOf returns the frontend built for pc in this plan, or nil.
func (pl *plan) frontendOf(pc *config.Proxy) *frontend {
	for _, f := range pl.frontends {
		if f.cfg == pc {
			return f
		}
	}
	return nil
}

// fullconn is the fullconn of backend pc ("slim" of its BACKEND row).
func (pl *plan) fullconn(pc *config.Proxy) int {
	if pl.backendOf(pc) == nil {
		return 0
	}
	return pl.lim.fullconn[pc.Index]
}

// tagFor is the syslog tag of pc's log lines (the global section's when
// pc is nil).
func tagFor(cfg *config.Config, pc *config.Proxy) string {
	if pc != nil && pc.LogTag != "" {
		return pc.LogTag
	}
	if cfg.Global.LogTag != "" {
		return cfg.Global.LogTag
	}
	return "haproxy"
}

// listen binds every listener of the plan's frontends, taking a socket
// from pool (a previous plan's, by ListenerKey) when one is bound to the
// address. On error the sockets it bound are closed; those it took from
// pool are left to it.
func (pl *plan) listen(pool listenerPool) error {
	for _, fe := range pl.frontends {
		if err := fe.listen(pool); err != nil {
			for _, f := range pl.frontends {
				f.closeOwnListeners(pool)
			}
			return fmt.Errorf("frontend %q: %w", fe.cfg.Name, err)
		}
	}
	return nil
}

// start1 starts the health checks and the accept loops of pl under ctx
// (Serve's).
func (p *Proxy) start1(ctx context.Context, pl *plan) {
	cctx, cancel := context.WithCancel(ctx)
	pl.stopChecks = cancel
	p.health.startChecks(cctx, pl)
	for _, fe := range pl.frontends {
		for i, l := range fe.listeners {
			p.wg.Add(1)
			pl.loops.Add(1)
			go func() {
				defer p.wg.Done()
				defer pl.loops.Done()
				fe.acceptLoop(ctx, l, fe.lmeta[i], fe.waiters[i])
			}()
		}
	}
}

// Reload provisions cfg and swaps it in while the proxy serves: a
// listener bound to an address the new configuration binds too is handed
// over (no connection is refused), new addresses are bound, the others
// closed. Connections accepted from then on run on the new plan; those
// already accepted finish on the one they started with, whose log
// sockets close after the last of them. Health checks restart on the new
// servers. Process-wide settings (the global maxconn, nbthread, stats
// sockets) keep the values New read. As after a reload by a new process,
// the new plan's counters (stats page, "cumulated conns") and server
// states start afresh, and a frontend's maxconn counts the connections
// of its plan only (the global maxconn still bounds them all). On error
// the running plan is left untouched.
func (p *Proxy) Reload(cfg *config.Config) error {
	p.reloadMu.Lock()
	defer p.reloadMu.Unlock()
	if p.stopping.Load() {
		return errors.New("reload: the proxy is stopping")
	}
	ctx := p.serveCtx
	if ctx == nil {
		return errors.New("reload: the proxy is not serving")
	}
	old := p.plan()
	pl, err := p.provision(cfg)
	if err != nil {
		return fmt.Errorf("reload: %w", err)
	}
	pool := old.listenersByKey()
	if err := pl.listen(pool); err != nil {
		pl.release()
		return fmt.Errorf("reload: %w", err)
	}
	old.retire()
	for _, ls := range pool { // not taken by the new plan
		for _, l := range ls {
			l.Close()
		}
	}
	for _, fe := range pl.frontends {
		for _, l := range fe.listeners {
			setAcceptDeadline(l, time.Time{})
		}
	}
	p.cur.Store(pl)
	p.start1(ctx, pl)
	old.release()
	return nil
}

// listenerPool holds a plan's listening sockets by ListenerKey for the
// next plan (several when binds share an address with SO_REUSEPORT).
type listenerPool map[string][]net.Listener

// take removes and returns a socket bound to key (nil: none).
func (lp listenerPool) take(key string) net.Listener {
	ls := lp[key]
	if len(ls) == 0 {
		return nil
	}
	lp[key] = ls[1:]
	return ls[0]
}

// listenersByKey returns the plan's listening sockets by ListenerKey.
func (pl *plan) listenersByKey() listenerPool {
	pool := make(listenerPool)
	for _, fe := range pl.frontends {
		for i, l := range fe.listeners {
			pool[fe.lkeys[i]] = append(pool[fe.lkeys[i]], l)
		}
	}
	return pool
}

// retire stops the plan's accept loops and idle workers without closing
// its listening sockets (the next plan serves them) and ends its health
// checks. It returns when no accept loop of the plan runs.
func (pl *plan) retire() {
	pl.gone.Store(true)
	close(pl.retired)
	if pl.stopChecks != nil {
		pl.stopChecks()
	}
	for _, fe := range pl.frontends {
		for i, l := range fe.listeners {
			setAcceptDeadline(l, time.Unix(1, 0)) // wakes a blocked Accept
			if w := fe.waiters[i]; w != nil {
				w.close()
			}
		}
	}
	pl.loops.Wait()
}

// isRetired reports whether a reload replaced the plan.
func (pl *plan) isRetired() bool { return pl.gone.Load() }

// setAcceptDeadline sets the deadline of a listener's Accept.
func setAcceptDeadline(l net.Listener, t time.Time) {
	if d, ok := l.(interface{ SetDeadline(time.Time) error }); ok {
		d.SetDeadline(t)
	}
}

// hold takes a reference on the plan for a session.
func (pl *plan) hold() { pl.refs.Add(1) }

// release drops a reference; the last one closes the plan's log sockets.
func (pl *plan) release() {
	if pl.refs.Add(-1) == 0 {
		pl.closeSinks()
	}
}

// closeSinks closes the log sockets of the plan, each once.
func (pl *plan) closeSinks() {
	pl.global.close()
	seen := map[*sinkSet]bool{pl.global: true}
	for _, fe := range pl.frontends {
		if !seen[fe.logs] {
			seen[fe.logs] = true
			fe.logs.close()
		}
	}
	for _, b := range pl.backends {
		if b != nil && !seen[b.logs] {
			seen[b.logs] = true
			b.logs.close()
		}
	}
}

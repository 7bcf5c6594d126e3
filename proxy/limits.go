package proxy

import (
	"runtime"

	"github.com/haplog/haplog/proxy/config"
)

// HAProxy 2.6's constants behind the connection limits.
const (
	// defaultMaxConn (DEFAULT_MAXCONN) is the floor of the global maxconn
	// computed from the file descriptor limit.
	defaultMaxConn = 100
	// baseFDs is the reserve global.maxsock starts with, before listeners,
	// checks and the CLI add theirs.
	baseFDs = 10
	// cliMaxConn is the CLI frontend's default maxconn ("stats maxconn"),
	// reserved in maxsock once when the CLI frontend exists.
	cliMaxConn = 10
	// fdsPerThread: one poller and a wake-up pipe per thread.
	fdsPerThread = 3
	// maxThreads is MAX_THREADS of the packaged haproxy (haproxy -vv).
	maxThreads = 64
)

// limits are the connection limits of a configuration, resolved as
// haproxy 2.6 does at startup (init() and proxy_adjust_all_maxconn()).
type limits struct {
	// maxconn is the global maxconn (also Hard_maxconn): the configured
	// one, else computed from the file descriptor limit.
	maxconn int
	// nbthread is the thread count haproxy would run ("show info").
	nbthread int
	// maxsock is haproxy's descriptor budget: the reserved descriptors
	// plus two per connection (ulimit.go raises RLIMIT_NOFILE to it).
	maxsock int
	// feMaxConn is each frontend's maxconn: its own (or its defaults'),
	// else the global one; indexed by config.Proxy.Index.
	feMaxConn []int
	// fullconn is each backend's fullconn: its "fullconn", else 10%
	// (rounded up, at least 1) of the maxconn of the frontends that can
	// use it (default_backend, or use_backend rules); the "slim" of its
	// BACKEND row. Indexed by config.Proxy.Index.
	fullconn []int
}

// rlimitNofile returns the RLIMIT_NOFILE New computes the default global
// maxconn from (a variable for tests).
var rlimitNofile = fdLimit

// nbThread is the thread count of haproxy for g: "nbthread", else the
// number of CPUs the process may run on, at most maxThreads.
func nbThread(g *config.Global) int {
	if g.NbThread > 0 {
		return g.NbThread
	}
	return min(runtime.NumCPU(), maxThreads)
}

// computeLimits resolves cfg's limits for a process whose RLIMIT_NOFILE
// is fdMax (the larger of the soft and hard limits at startup, as haproxy
// reads them; Go raises the soft limit to the hard one anyway).
//
// Measured against haproxy 2.6.12: with no global maxconn,
// maxconn = max((fdMax - reserved) / 2, 100), where reserved is 10, plus
// one per listener (each port of each bind line, disabled proxies
// included, each stats socket), one per server with "check", the CLI's
// maxconn ("stats maxconn", else 10) when a global "stats" line exists,
// and 3 per thread (haproxy's maxsock, its descriptor budget, is then
// reserved + 2*maxconn). "ulimit-n" does not change it (haproxy uses the
// limits it started with).
func computeLimits(cfg *config.Config, fdMax int) limits {
	g := &cfg.Global
	l := limits{nbthread: nbThread(g), feMaxConn: make([]int, len(cfg.Proxies)), fullconn: make([]int, len(cfg.Proxies))}
	reserved := baseFDs + l.nbthread*fdsPerThread
	// The CLI frontend (any global "stats" line) reserves its maxconn.
	cli := g.StatsMaxConn
	if cli == 0 && len(g.StatsSockets) > 0 {
		cli = cliMaxConn
	}
	reserved += len(g.StatsSockets) + cli
	for _, pc := range cfg.Proxies {
		// Listeners count when parsed, even in a disabled proxy; checks
		// only in enabled ones.
		if pc.Cap&config.CapFrontend != 0 {
			for _, b := range pc.Binds {
				reserved += max(b.Addr.PortEnd-b.Addr.Port, 0) + 1
			}
		}
		if !pc.Disabled && pc.Cap&config.CapBackend != 0 {
			for _, s := range pc.Servers {
				if s.Check {
					reserved++
				}
			}
		}
	}
	l.maxconn = g.MaxConn
	if l.maxconn <= 0 {
		l.maxconn = max((fdMax-reserved)/2, defaultMaxConn)
	}
	l.maxsock = reserved + 2*l.maxconn

	// proxy_adjust_all_maxconn: frontends default to the global maxconn;
	// each adds its maxconn to the backends it can reach, once each.
	total := make([]int, len(cfg.Proxies))
	for _, pc := range cfg.Proxies {
		if pc.Disabled || pc.Cap&config.CapFrontend == 0 {
			continue
		}
		mc := pc.MaxConn
		if mc <= 0 {
			mc = l.maxconn
		}
		l.feMaxConn[pc.Index] = mc
		def := pc.DefaultBackend
		if def == nil && pc.Cap&config.CapBackend != 0 {
			def = pc
		}
		if def != nil {
			total[def.Index] += mc
		}
		for i, r := range pc.UseBackends {
			if r.Backend == nil || r.Backend == pc.DefaultBackend {
				continue
			}
			seen := false
			for _, prev := range pc.UseBackends[:i] {
				seen = seen || prev.Backend == r.Backend
			}
			if !seen {
				total[r.Backend.Index] += mc
			}
		}
	}
	for _, pc := range cfg.Proxies {
		if !pc.Disabled && pc.Cap&config.CapBackend != 0 {
			l.fullconn[pc.Index] = pc.FullConn
			if pc.FullConn == 0 {
				l.fullconn[pc.Index] = max((total[pc.Index]+9)/10, 1)
			}
		}
	}
	return l
}

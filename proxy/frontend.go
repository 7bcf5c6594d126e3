package proxy

import (
	"crypto/tls"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/haplog/haplog/formats"
	"github.com/haplog/haplog/proxy/config"
)

// frontend is the runtime state of a proxy with the frontend capability.
type frontend struct {
	p         *Proxy
	pl        *plan // the plan the frontend belongs to
	cfg       *config.Proxy
	listeners []net.Listener
	// lkeys[i] is the ListenerKey of listeners[i] (with the port bound
	// for a "port 0" bind); taken[i] is set when
	// the socket was handed over by a previous plan.
	lkeys []string
	taken []bool
	// lmeta[i] describes listeners[i]: its TLS setup and its name for
	// connection error lines.
	lmeta []*listenerMeta
	// waiters[i] waits for a connection queued on listeners[i] (nil
	// where the platform cannot).
	waiters []*pendingWaiter
	bindTLS []*tls.Config // per cfg.Binds entry; nil = clear text
	logs    *sinkSet
	format  *formats.Format // nil = legacy "Connect from" line
	uidFmt  *formats.Format // unique-id-format; nil when unset
	// slots bounds concurrent connections (maxconn, always set: the
	// frontend's own, else the global one, as in haproxy).
	slots  chan struct{}
	feconn atomic.Int64
	cum    atomic.Int64
	// logCounter numbers log lines (%lc); requests (%rt) are numbered
	// by the process (Proxy.reqCounter).
	logCounter atomic.Uint64
	ctr        counters // stats counters (counters.go)

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

func newFrontend(p *Proxy, pl *plan, cfg *config.Proxy, logs *sinkSet) (*frontend, error) {
	fe := &frontend{p: p, pl: pl, cfg: cfg, logs: logs, rep: newReplies(cfg, &pl.tune.fileLim), idle: make(chan accepted)}
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
	if cfg.UniqueIDFormat != "" {
		if fe.uidFmt, err = formats.Compile(cfg.UniqueIDFormat); err != nil {
			return nil, fmt.Errorf("unique-id-format: %w", err)
		}
	}
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
	fe.slots = make(chan struct{}, max(pl.lim.feMaxConn[cfg.Index], 1))
	return fe, nil
}

// legacyLog reports whether the frontend logs HAProxy's accept-time
// "Connect from" line instead of an end-of-session line.
func (fe *frontend) legacyLog() bool {
	return fe.cfg.LogStyle == config.LogDefault || fe.cfg.LogFormat == ""
}

// listen binds the frontend's listeners, taking the socket of an address
// from pool (removing it there) when a previous plan bound it.
func (fe *frontend) listen(pool listenerPool) error {
	for i := range fe.cfg.Binds {
		b := &fe.cfg.Binds[i]
		tc := fe.bindTLS[i]
		end := b.Addr.PortEnd
		if end < b.Addr.Port {
			end = b.Addr.Port
		}
		for port := b.Addr.Port; port <= end; port++ {
			network, addr := listenAddr(b.Addr, port)
			key := ListenerKey(network, addr)
			l, err := pool.take(key), error(nil)
			taken := l != nil
			if l == nil {
				l, err = fe.p.takeInherited(network, addr)
			}
			if l == nil && err == nil {
				l, err = listenReusePort(network, addr, b.Transparent)
			}
			if err != nil {
				return fmt.Errorf("cannot bind socket (%w) for [%s]", err, addr)
			}
			setBacklog(l, cap(fe.slots))
			fe.listeners = append(fe.listeners, l)
			fe.lkeys = append(fe.lkeys, ListenerKey(network, l.Addr().String())) // port 0: the port bound
			fe.taken = append(fe.taken, taken)
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

// closeOwnListeners undoes a failed listen: the sockets it bound are
// closed, those handed over go back to pool.
func (fe *frontend) closeOwnListeners(pool listenerPool) {
	for i, l := range fe.listeners {
		if w := fe.waiters[i]; w != nil {
			w.close()
		}
		if fe.taken[i] {
			pool[fe.lkeys[i]] = append(pool[fe.lkeys[i]], l)
		} else {
			l.Close()
		}
	}
	fe.listeners, fe.waiters, fe.lkeys, fe.taken, fe.lmeta = nil, nil, nil, nil, nil
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

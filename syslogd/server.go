package syslogd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/haplog/haplog/rotate"
)

// Options configure a Server. The zero value of each field has a documented
// default.
type Options struct {
	// ConfigPath is the rsyslog configuration file, re-read by Reload.
	// Empty means Config is used and Reload only reopens files.
	ConfigPath string
	// Config is used when ConfigPath is empty.
	Config *Config

	// UDP, TCP and Unix, when non-nil, replace the listeners of the
	// configuration (flags override the file). An empty non-nil slice
	// disables that kind of input.
	UDP, TCP, Unix []string

	// Open opens the sink of an output path, when the first line is
	// written to it (as rsyslog creates a file on first write). Nil opens
	// a rotate.Writer with the policy of Rotation.
	Open func(path string) (Sink, error)
	// Rotation returns the rotation policy of a path, used when Open is nil.
	// Nil means RotateConfig, or DefaultRotation (daily, keep 90, gzip).
	Rotation RotationFunc
	// RotateConfig is a logrotate configuration giving the rotation policy
	// of each file (paths it does not cover get DefaultRotation), used when
	// Open and Rotation are nil. Reload re-reads it: a file whose policy
	// changed is closed and reopened under the new one.
	RotateConfig string

	// Readers is the number of goroutines reading each UDP socket. Zero
	// means one where datagrams are read in batches (recvmmsg on 64-bit
	// Linux), else GOMAXPROCS.
	Readers int
	// RcvBuf is the receive buffer requested for UDP and unix sockets when
	// the input does not set one. Zero means 32 MiB; negative leaves the
	// kernel default.
	RcvBuf int
	// Listeners are sockets passed by socket activation
	// (sdnotify.Listeners): an input whose kind and address match one
	// reads it instead of binding (activation.go).
	Listeners []*os.File

	// Now is the clock (nil: time.Now). Location is the zone of reception
	// time stamps and of RFC 3164 timestamps (nil: time.Local).
	Now      func() time.Time
	Location *time.Location
	// LookupAddr names a sender for %fromhost% and for RFC 3164 messages
	// without hostname. Nil uses a reverse DNS lookup (cached); a lookup
	// that fails gives the address.
	LookupAddr func(netip.Addr) string
	// Utmp is the login records file omusrmsg actions read (empty:
	// DefaultUtmp); they write to the terminals it names under /dev.
	Utmp string

	// LocalHostname names the sender of unix-socket messages (nil:
	// os.Hostname).
	LocalHostname string

	// Logger receives warnings and rate-limited error reports (nil: discard).
	Logger *slog.Logger
}

// DefaultRcvBuf is the UDP receive buffer requested by default: at 250k
// datagrams/s of about 1 KiB of kernel memory each, the 64 MiB the kernel
// grants a root process for it absorbs a quarter of a second without a
// read (a reader starved by other processes on a busy machine). The kernel
// charges the memory only for datagrams actually queued.
const DefaultRcvBuf = 32 << 20

// Server receives syslog messages and writes them to files. Create it with
// New, run it with Run.
type Server struct {
	opts   Options
	log    *slog.Logger
	now    func() time.Time
	lookup func(netip.Addr) string
	open   func(path string) (Sink, error)
	// activated are the sockets of Options.Listeners (activation.go).
	activated []activated

	reloadMu sync.Mutex // serialises New's and Reload's apply and Run's final close
	snap     atomic.Pointer[snapshot]

	lmu      sync.Mutex // guards ls, runCtx, stopped
	ls       []*listener
	runCtx   context.Context // set by Run
	stopped  bool            // Run is shutting down
	tcpConns sync.WaitGroup
	connMu   sync.Mutex
	conns    map[net.Conn]struct{}

	stats   counters
	sinkIDs atomic.Int64 // ids of fileSinks

	rotMu sync.Mutex           // guards rot, attrs, umask
	rot   RotationFunc         // nil when Options.Open is set
	attrs map[string]FileAttrs // by path, from the first rule naming it
	umask int
}

// policy returns the options a file is opened with (nil Options.Open
// only): its rotation policy, with the mode, owner and group of the
// rsyslog configuration where the logrotate file sets none.
func (s *Server) policy(path string) rotate.Options {
	s.rotMu.Lock()
	rot, a, umask := s.rot, s.attrs[path], s.umask
	s.rotMu.Unlock()
	return fileOptions(rot(path), a, umask)
}

// makeDirs creates the missing directories of path as rsyslogd does,
// with the attributes of the first rule naming it (makeDirsFor).
func (s *Server) makeDirs(path string) error {
	s.rotMu.Lock()
	a, umask := s.attrs[path], s.umask
	s.rotMu.Unlock()
	return makeDirsFor(path, a, umask)
}

// loadRotation reads Options.RotateConfig.
func (s *Server) loadRotation() (RotationFunc, error) {
	rc, err := rotate.LoadConfig(s.opts.RotateConfig)
	if err != nil {
		return nil, err
	}
	for _, w := range rc.Warnings {
		s.log.Warn("rotate config: " + w.String())
	}
	return func(path string) rotate.Options {
		if o, ok := rc.OptionsFor(path); ok {
			return o
		}
		s.log.Warn("no rule for this file in the logrotate config: using the default policy", "path", path)
		return DefaultRotation(path)
	}, nil
}

// New loads the configuration, opens the output files and binds the
// listeners. Nothing is received until Run.
func New(o Options) (*Server, error) {
	s := &Server{opts: o, log: o.Logger, now: o.Now, lookup: o.LookupAddr, open: o.Open,
		conns: map[net.Conn]struct{}{}}
	if s.log == nil {
		s.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if s.now == nil {
		s.now = time.Now
	}
	var err error
	if s.activated, err = adoptable(o.Listeners); err != nil {
		return nil, err
	}
	if s.lookup == nil {
		s.lookup = dnsLookup
	}
	if s.open == nil {
		rot := o.Rotation
		if rot == nil && o.RotateConfig != "" {
			var err error
			if rot, err = s.loadRotation(); err != nil {
				return nil, err
			}
		}
		if rot == nil {
			rot = DefaultRotation
		}
		s.rot = rot
		s.open = func(path string) (Sink, error) {
			if err := s.makeDirs(path); err != nil {
				return nil, err
			}
			return openRotate(path, s.policy(path), s.now, s.log)
		}
		s.attrs = map[string]FileAttrs{}
	}
	cfg := o.Config
	if o.ConfigPath != "" {
		var err error
		if cfg, err = LoadConfig(o.ConfigPath); err != nil {
			return nil, err
		}
	}
	if cfg == nil {
		return nil, errors.New("syslogd: no configuration")
	}
	if err := s.apply(cfg); err != nil {
		return nil, err
	}
	ins, err := s.wanted(cfg)
	if err == nil {
		s.ls, err = s.bindAll(ins)
	}
	if err != nil {
		s.closeSinks(s.snap.Load().sinks)
		return nil, err
	}
	return s, nil
}

// apply builds the snapshot of cfg, reusing open sinks by path, and
// publishes it; once no batch uses the previous snapshot, the sinks it
// alone used are closed. Callers serialise apply.
func (s *Server) apply(cfg *Config) error {
	for _, w := range cfg.Warnings {
		s.log.Warn("config: " + w.String())
	}
	prev := s.snap.Load()
	var old map[string]*fileSink
	var gen uint64
	if prev != nil {
		old, gen = prev.sinks, prev.gen
	}
	fresh := map[string]*fileSink{}
	r, err := buildRouter(cfg, func(path string) (*fileSink, error) {
		if fs, ok := old[path]; ok {
			fresh[path] = fs
			return fs, nil
		}
		if mk := cfg.outputs[path]; mk != nil { // omkafka action (omkafka.go)
			out, err := mk(s)
			if err != nil {
				return nil, err
			}
			var fs *fileSink
			if rw, ok := out.(recordWriter); ok {
				fs = newDirectSink(int(s.sinkIDs.Add(1)-1), path, out, rw, s.log, &s.stats)
			} else {
				fs = newFileSink(int(s.sinkIDs.Add(1)-1), path, out, s.log, &s.stats)
			}
			fresh[path] = fs
			return fs, nil
		}
		if path == usrMsgPrefix {
			utmp := s.opts.Utmp
			if utmp == "" {
				utmp = DefaultUtmp
			}
			fs := newFileSink(int(s.sinkIDs.Add(1)-1), path, &usrMsgSink{utmp: utmp, dev: "/dev"}, s.log, &s.stats)
			fresh[path] = fs
			return fs, nil
		}
		// Opened at the first line written to it, as rsyslog does; until it
		// can be opened its lines are counted as dropped (and reported).
		w := newLazySink(path, s.open, s.now)
		if s.rot != nil {
			w.policy = s.policy
		}
		fs := newFileSink(int(s.sinkIDs.Add(1)-1), path, w, s.log, &s.stats)
		fresh[path] = fs
		return fs, nil
	})
	if err != nil {
		for p, fs := range fresh {
			if _, kept := old[p]; !kept {
				_ = fs.close()
			}
		}
		return err
	}
	if s.rot != nil {
		attrs := map[string]FileAttrs{}
		for _, rule := range cfg.Rules {
			if _, ok := attrs[rule.Path]; !ok && !rule.Stop && !strings.HasPrefix(rule.Path, usrMsgPrefix) {
				attrs[rule.Path] = rule.File
			}
		}
		s.rotMu.Lock()
		s.attrs, s.umask = attrs, cfg.Umask
		s.rotMu.Unlock()
	}
	maxSize := cfg.MaxMessageSize
	if maxSize <= 0 {
		maxSize = DefaultMaxMessageSize
	}
	s.snap.Store(newSnapshot(cfg, r, fresh, maxSize, gen+1))
	if prev == nil {
		return nil
	}
	prev.retire() // the batches under way finish with their snapshot
	gone := map[string]*fileSink{}
	for p, fs := range old {
		if _, ok := fresh[p]; !ok {
			gone[p] = fs
		}
	}
	s.closeSinks(gone)
	return nil
}

func (s *Server) closeSinks(m map[string]*fileSink) {
	for _, fs := range m {
		if err := fs.close(); err != nil {
			s.log.Error("close output", "path", fs.path, "err", err)
		}
	}
}

// Reload re-reads the configuration file (when there is one), swaps the
// rules and templates in, reopens every output file and closes the files
// no rule uses any more. Listeners follow the configuration too: new ones
// are bound (before anything else changes: if one cannot be bound, the
// reload fails and the previous configuration stays in force), those no
// longer configured are closed after reading what they hold, the others
// are kept as they are. Messages keep being received meanwhile; none is
// lost.
func (s *Server) Reload() error {
	s.reloadMu.Lock()
	defer s.reloadMu.Unlock()
	cfg := s.snap.Load().cfg
	if s.opts.ConfigPath != "" {
		var err error
		if cfg, err = LoadConfig(s.opts.ConfigPath); err != nil {
			return fmt.Errorf("reload: %w", err)
		}
	}
	ins, err := s.wanted(cfg)
	if err != nil {
		return fmt.Errorf("reload: %w", err)
	}
	var rot RotationFunc
	if s.opts.Open == nil && s.opts.Rotation == nil && s.opts.RotateConfig != "" {
		if rot, err = s.loadRotation(); err != nil {
			return fmt.Errorf("reload: %w", err)
		}
	}
	s.lmu.Lock()
	old := map[string]*listener{}
	for _, l := range s.ls {
		old[l.key()] = l
	}
	var add []Input
	for _, in := range ins {
		if _, ok := old[(&listener{in: in}).key()]; !ok {
			add = append(add, in)
		}
	}
	s.lmu.Unlock()
	added, err := s.bindAll(add)
	if err != nil {
		return fmt.Errorf("reload: %w", err)
	}
	if err := s.apply(cfg); err != nil {
		for _, l := range added {
			s.closeListener(l)
		}
		return fmt.Errorf("reload: %w", err)
	}
	s.lmu.Lock()
	byKey := map[string]*listener{}
	for _, l := range added {
		byKey[l.key()] = l
	}
	var ls []*listener
	for _, in := range ins {
		k := (&listener{in: in}).key()
		if l, ok := old[k]; ok {
			ls = append(ls, l)
			delete(old, k)
		} else if l := byKey[k]; l != nil { // nil: a kernel log not opened
			ls = append(ls, l)
		}
	}
	s.ls = ls
	if s.runCtx != nil && !s.stopped {
		for _, l := range added {
			s.start(s.runCtx, l)
		}
	}
	s.lmu.Unlock()
	for _, l := range old { // no longer configured
		s.stop(l)
		s.log.Info("reload: listener closed", string(l.in.Kind), l.in.Addr)
	}
	if rot != nil {
		s.rotMu.Lock()
		s.rot = rot
		s.rotMu.Unlock()
	}
	return s.eachSink("reopen", func(fs *fileSink) error {
		if lz, ok := fs.w.(*lazySink); ok && lz.policy != nil {
			lz.setPolicy(s.policy(fs.path))
		}
		return fs.reopen()
	})
}

// Paths returns the output files of the current configuration.
func (s *Server) Paths() []string {
	return s.snap.Load().router.paths()
}

// Flush flushes every output file.
func (s *Server) Flush() error {
	return s.eachSink("flush", (*fileSink).flush)
}

// eachSink calls do on every open output file of the current
// configuration and joins the errors, each prefixed with what (the
// action) and the file's path.
func (s *Server) eachSink(what string, do func(*fileSink) error) error {
	var errs []error
	for _, fs := range s.snap.Load().sinks {
		if err := do(fs); err != nil {
			errs = append(errs, fmt.Errorf("%s %s: %w", what, fs.path, err))
		}
	}
	return errors.Join(errs...)
}

// Run receives until ctx is done, then drains what the sockets already
// hold, flushes and closes the files. It returns nil after a clean
// shutdown.
func (s *Server) Run(ctx context.Context) error {
	s.lmu.Lock()
	if s.runCtx != nil {
		s.lmu.Unlock()
		return errors.New("syslogd: Run called twice")
	}
	s.runCtx = ctx
	for _, l := range s.ls {
		s.start(ctx, l)
	}
	s.lmu.Unlock()
	stopServices := s.startServices(ctx) // imkafka inputs (imkafka.go)
	s.logListening("started")
	s.warnUnread()
	<-ctx.Done()
	stopServices()
	s.lmu.Lock()
	s.stopped = true
	ls := s.ls
	s.lmu.Unlock()
	s.connMu.Lock()
	for c := range s.conns {
		// Read what the peer already sent, then stop.
		_ = c.SetReadDeadline(time.Now().Add(drainWindow))
	}
	s.connMu.Unlock()
	for _, l := range ls {
		l.wg.Wait()
	}
	s.tcpConns.Wait()
	s.closeListeners()
	s.reloadMu.Lock()
	sn := s.snap.Load()
	sinks := sn.sinks
	s.snap.Store(newSnapshot(sn.cfg, sn.router, map[string]*fileSink{}, sn.maxSize, sn.gen))
	s.reloadMu.Unlock()
	var errs []error
	for _, fs := range sinks {
		if err := fs.close(); err != nil {
			errs = append(errs, fmt.Errorf("close %s: %w", fs.path, err))
		}
	}
	return errors.Join(errs...)
}

// closeListeners closes every listener.
func (s *Server) closeListeners() {
	s.lmu.Lock()
	ls := s.ls
	s.lmu.Unlock()
	for _, l := range ls {
		s.closeListener(l)
	}
}

// Addrs returns the bound addresses of the UDP, TCP and unix listeners.
func (s *Server) Addrs() (udp, tcp, unix []net.Addr) {
	s.lmu.Lock()
	defer s.lmu.Unlock()
	for _, l := range s.ls {
		switch l.in.Kind {
		case UDP:
			udp = append(udp, l.addr())
		case TCP:
			tcp = append(tcp, l.addr())
		case Unix:
			unix = append(unix, l.addr())
		}
	}
	return udp, tcp, unix
}

// logListening logs one line naming every address listened on ("[::]:514"
// is every IPv4 and IPv6 address).
func (s *Server) logListening(msg string) {
	udp, tcp, unix := s.Addrs()
	names := func(as []net.Addr) string {
		var b []byte
		for i, a := range as {
			if i > 0 {
				b = append(b, ' ')
			}
			b = append(b, a.String()...)
		}
		return string(b)
	}
	s.log.Info(msg, "udp", names(udp), "tcp", names(tcp), "unix", names(unix))
}

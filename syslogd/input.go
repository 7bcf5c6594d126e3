package syslogd

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"runtime"
	"sync"
	"time"
)

// DefaultPort is the port of an imudp/imtcp input that names none, and
// DefaultUDPAddr the listener used when the configuration has no input:
// unprivileged and local, unlike rsyslog's 514 on every interface.
const (
	DefaultPort    = "5140"
	DefaultUDPAddr = "127.0.0.1:" + DefaultPort
)

// udpInput is a bound datagram socket (UDP or unix).
type udpInput struct {
	conn   net.PacketConn
	udp    *net.UDPConn  // nil for unix
	ux     *net.UnixConn // nil for UDP
	path   string        // unix socket path
	rcvBuf int           // effective receive buffer (bytes), 0 if unknown
	inode  uint64        // socket inode, for kernel drop counters
	// raw, when not -1, is the socket as a blocking descriptor outside
	// the Go netpoller (see detachUDP); conn is then closed and serves
	// only for its address.
	raw int
	// inherited: passed by socket activation (activation.go), never
	// detached nor shut down, its path never removed.
	inherited bool
}

// listener is one bound input: a datagram socket (UDP or unix) or a TCP
// listening socket, with the goroutines that read it. Listeners are keyed
// by kind and configured address: a reload keeps those it still wants,
// binds the new ones and closes the others.
type listener struct {
	in     Input
	dg     *udpInput    // UDP and unix
	tcp    net.Listener // TCP
	klog   *os.File     // Klog
	passed *os.File     // the socket-activation socket it reads, or nil
	cancel context.CancelFunc
	wg     sync.WaitGroup
	once   sync.Once
}

func (l *listener) key() string { return string(l.in.Kind) + " " + l.in.Addr }

func (l *listener) addr() net.Addr {
	if l.tcp != nil {
		return l.tcp.Addr()
	}
	return l.dg.conn.LocalAddr()
}

// wanted returns the inputs of cfg, with the kinds the options set
// replacing the configuration's, or the default UDP listener when neither
// names any.
func (s *Server) wanted(cfg *Config) ([]Input, error) {
	rcv := s.opts.RcvBuf
	if rcv == 0 {
		rcv = DefaultRcvBuf
	}
	var ins []Input
	seen := map[Input]bool{}
	add := func(in Input) {
		if in.Kind != TCP && in.RcvBuf == 0 && rcv > 0 {
			in.RcvBuf = rcv
		}
		if k := (Input{Kind: in.Kind, Addr: in.Addr}); !seen[k] {
			seen[k] = true
			ins = append(ins, in)
		}
	}
	for _, kind := range []InputKind{UDP, TCP, Unix, Klog} {
		var flags []string
		switch kind {
		case UDP:
			flags = s.opts.UDP
		case TCP:
			flags = s.opts.TCP
		case Unix:
			flags = s.opts.Unix
		}
		if flags != nil {
			for _, a := range flags {
				add(Input{Kind: kind, Addr: a})
			}
			continue
		}
		for _, in := range cfg.Inputs {
			if in.Kind == kind {
				add(in)
			}
		}
	}
	if len(ins) == 0 {
		if len(cfg.Inputs) > 0 || s.opts.UDP != nil || s.opts.TCP != nil || s.opts.Unix != nil {
			return nil, errors.New("syslogd: every input is disabled")
		}
		s.log.Info("no input configured: listening on the default UDP address", "udp", DefaultUDPAddr)
		add(Input{Kind: UDP, Addr: DefaultUDPAddr})
	}
	return ins, nil
}

// bind opens the socket of one input.
func (s *Server) bind(in Input) (*listener, error) {
	l := &listener{in: in}
	var err error
	if f := s.activatedFor(in); f != nil {
		l.passed = f
		if in.Kind == TCP {
			if l.tcp, err = net.FileListener(f); err != nil {
				err = fmt.Errorf("socket activation: %s: %w", f.Name(), err)
			}
		} else {
			l.dg, err = s.adoptDatagram(f, in.RcvBuf)
		}
		if err != nil {
			return nil, err
		}
		return l, nil
	}
	switch in.Kind {
	case UDP:
		l.dg, err = s.listenUDP(in.Addr, in.RcvBuf)
	case Unix:
		l.dg, err = s.listenUnix(in.Addr, in.RcvBuf)
	case Klog:
		l.klog, err = openKlog(in.Addr)
	case TCP:
		if l.tcp, err = net.Listen("tcp", in.Addr); err != nil {
			err = fmt.Errorf("listen tcp %s: %w", in.Addr, err)
		} else {
			s.log.Debug("listening", "tcp", l.tcp.Addr().String())
		}
	default:
		err = fmt.Errorf("syslogd: unknown input kind %q", in.Kind)
	}
	if err != nil {
		return nil, err
	}
	return l, nil
}

// bindAll binds every input, or none.
func (s *Server) bindAll(ins []Input) ([]*listener, error) {
	var ls []*listener
	for _, in := range ins {
		l, err := s.bind(in)
		if err != nil && in.Kind == Klog {
			// As rsyslogd: "imklog: cannot open kernel log", and the
			// other inputs run (an unprivileged or containerised start).
			s.log.Error("kernel log not read", "path", in.Addr, "err", err)
			continue
		}
		if err != nil {
			for _, l := range ls {
				s.closeListener(l)
			}
			return nil, err
		}
		ls = append(ls, l)
	}
	return ls, nil
}

func (s *Server) listenUDP(addr string, rcv int) (*udpInput, error) {
	ua, err := net.ResolveUDPAddr("udp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen udp %s: %w", addr, err)
	}
	c, err := net.ListenUDP("udp", ua)
	if err != nil {
		return nil, fmt.Errorf("listen udp %s: %w", addr, err)
	}
	in := &udpInput{conn: c, udp: c, raw: -1}
	if rcv > 0 {
		in.rcvBuf = setRcvBuf(c, rcv)
	}
	in.inode = socketInode(c)
	in.raw = detachUDP(c)
	s.log.Debug("listening", "udp", c.LocalAddr().String(), "rcvbuf", in.rcvBuf)
	return in, nil
}

func (s *Server) listenUnix(path string, rcv int) (*udpInput, error) {
	if fi, err := os.Lstat(path); err == nil && fi.Mode()&os.ModeSocket != 0 {
		_ = os.Remove(path) // stale socket of a previous run
	}
	c, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		return nil, fmt.Errorf("listen unix %s: %w", path, err)
	}
	_ = os.Chmod(path, 0o666)
	in := &udpInput{conn: c, ux: c, path: path, raw: -1}
	if rcv > 0 {
		in.rcvBuf = setRcvBuf(c, rcv)
	}
	s.log.Debug("listening", "unix", path, "rcvbuf", in.rcvBuf)
	return in, nil
}

// start runs the goroutines of l until ctx is done or l is stopped.
func (s *Server) start(ctx context.Context, l *listener) {
	ctx, l.cancel = context.WithCancel(ctx)
	n := 1
	if l.in.Kind == UDP {
		n = s.readers()
	}
	for range n {
		l.wg.Add(1)
		go func() {
			defer l.wg.Done()
			switch {
			case l.klog != nil:
				s.readKlog(ctx, l.klog, l.in.PermitNonKernel)
			case l.tcp != nil:
				s.acceptTCP(ctx, l)
			default:
				s.readPackets(ctx, l.dg, l.key())
			}
		}()
	}
	if l.tcp != nil {
		context.AfterFunc(ctx, func() { _ = l.tcp.Close() })
	}
}

// stop makes l's goroutines finish (a datagram reader first reads what the
// socket holds), waits for them and closes l.
func (s *Server) stop(l *listener) {
	if l.cancel != nil {
		l.cancel()
	}
	l.wg.Wait()
	s.closeListener(l)
}

// closeListener closes l's socket (once). Its kernel drop count is kept in
// the server's counters.
func (s *Server) closeListener(l *listener) {
	l.once.Do(func() {
		if l.tcp != nil {
			_ = l.tcp.Close()
			return
		}
		if l.klog != nil {
			_ = l.klog.Close()
			return
		}
		s.stats.goneDrops.Add(kernelDrops(l.dg.inode))
		_ = l.dg.conn.Close()
		closeRaw(l.dg.raw)
		if l.dg.path != "" && !l.dg.inherited {
			_ = os.Remove(l.dg.path)
		}
	})
}

func (s *Server) readers() int {
	if s.opts.Readers > 0 {
		return s.opts.Readers
	}
	if batchedReads {
		return 1
	}
	return runtime.GOMAXPROCS(0)
}

// readPackets is one reader goroutine of a datagram socket. Each reader owns
// its buffers, its parser and its sender-name cache, so the steady state
// allocates nothing. The read buffer of each datagram is the maximum message
// size: the kernel cuts longer datagrams exactly where rsyslog does.
//
// When ctx is done the reader reads what the socket already holds, then
// returns: a detached socket is shut down for reading (the blocked call
// returns the queued datagrams, then end of file), others get a read
// deadline renewed while datagrams keep arriving within drainWindow.
func (s *Server) readPackets(ctx context.Context, in *udpInput, key string) {
	w := s.newWorker(in.ux != nil)
	w.key = key // the routing table of the input's ruleset
	r := newBatchReader(in, w.p.maxSize)
	stop := context.AfterFunc(ctx, func() {
		if in.raw >= 0 {
			shutdownRead(in.raw)
		} else {
			_ = in.conn.SetReadDeadline(time.Now().Add(drainWindow))
		}
	})
	defer stop()
	for {
		n, err := r.read()
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
				return
			}
			if !isTimeout(err) {
				s.stats.readErrors.Add(1)
				s.log.Error("read", "err", err)
			}
			continue
		}
		if ctx.Err() != nil && in.raw < 0 {
			// Keep draining while datagrams arrive within the window.
			_ = in.conn.SetReadDeadline(time.Now().Add(drainWindow))
		}
		// Senders are named (a DNS lookup for a new one) before the
		// batch takes its snapshot.
		w.froms = w.froms[:0]
		if in.udp != nil {
			allow := s.snap.Load().cfg.allowUDP
			for i := 0; i < n; i++ {
				_, src := r.msg(i)
				if !allowed(allow, src) {
					w.froms = append(w.froms, sender{}) // not looked up: dropped below
					continue
				}
				w.froms = append(w.froms, w.sender(src))
			}
		}
		w.begin()
		for i := 0; i < n; i++ {
			b, src := r.msg(i)
			if in.udp != nil {
				if !allowed(w.sn.cfg.allowUDP, src) {
					w.s.stats.denied.Add(1) // $AllowedSender: dropped, as rsyslogd
					continue
				}
				w.route(b, w.froms[i])
			} else {
				w.route(b, w.local)
			}
		}
		w.end()
		if slot := w.p.maxSize; slot != r.slot() {
			// A reload changed maxMessageSize: read into slots of the
			// new size from the next batch on.
			r = newBatchReader(in, slot)
		}
	}
}

// drainWindow is how long a reader in the netpoller waits for more
// datagrams at shutdown, and how long TCP connections are read after it.
const drainWindow = 50 * time.Millisecond

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

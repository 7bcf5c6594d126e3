package syslogd

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
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
}

func (s *Server) listen(cfg *Config) error {
	udp, tcp, unix := s.opts.UDP, s.opts.TCP, s.opts.Unix
	for _, in := range cfg.Inputs {
		switch in.Kind {
		case UDP:
			if s.opts.UDP == nil {
				udp = append(udp, in.Addr)
			}
		case TCP:
			if s.opts.TCP == nil {
				tcp = append(tcp, in.Addr)
			}
		case Unix:
			if s.opts.Unix == nil {
				unix = append(unix, in.Addr)
			}
		}
	}
	rcv := s.opts.RcvBuf
	if rcv == 0 {
		rcv = DefaultRcvBuf
	}
	for _, a := range udp {
		want := rcv
		for _, in := range cfg.Inputs {
			if in.Kind == UDP && in.Addr == a && in.RcvBuf > 0 {
				want = in.RcvBuf
			}
		}
		if err := s.listenUDP(a, want); err != nil {
			return err
		}
	}
	for _, a := range tcp {
		l, err := net.Listen("tcp", a)
		if err != nil {
			return fmt.Errorf("listen tcp %s: %w", a, err)
		}
		s.tcp = append(s.tcp, l)
	}
	for _, p := range unix {
		if err := s.listenUnix(p, rcv); err != nil {
			return err
		}
	}
	if len(s.udp)+len(s.tcp)+len(s.unix) == 0 {
		if len(cfg.Inputs) > 0 || s.opts.UDP != nil || s.opts.TCP != nil || s.opts.Unix != nil {
			return errors.New("syslogd: every input is disabled")
		}
		s.log.Info("no input configured: listening on the default UDP address", "udp", DefaultUDPAddr)
		return s.listenUDP(DefaultUDPAddr, rcv)
	}
	return nil
}

func (s *Server) listenUDP(addr string, rcv int) error {
	ua, err := net.ResolveUDPAddr("udp", addr)
	if err != nil {
		return fmt.Errorf("listen udp %s: %w", addr, err)
	}
	c, err := net.ListenUDP("udp", ua)
	if err != nil {
		return fmt.Errorf("listen udp %s: %w", addr, err)
	}
	in := &udpInput{conn: c, udp: c, raw: -1}
	if rcv > 0 {
		in.rcvBuf = setRcvBuf(c, rcv)
	}
	in.inode = socketInode(c)
	in.raw = detachUDP(c, drainWindow)
	s.log.Info("listening", "udp", c.LocalAddr().String(), "rcvbuf", in.rcvBuf)
	s.udp = append(s.udp, in)
	return nil
}

func (s *Server) listenUnix(path string, rcv int) error {
	if fi, err := os.Lstat(path); err == nil && fi.Mode()&os.ModeSocket != 0 {
		_ = os.Remove(path) // stale socket of a previous run
	}
	c, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		return fmt.Errorf("listen unix %s: %w", path, err)
	}
	_ = os.Chmod(path, 0o666)
	in := &udpInput{conn: c, ux: c, path: path, raw: -1}
	if rcv > 0 {
		in.rcvBuf = setRcvBuf(c, rcv)
	}
	s.unix = append(s.unix, in)
	return nil
}

// readPackets is one reader goroutine of a datagram socket. Each reader owns
// its buffers, its parser and its sender-name cache, so the steady state
// allocates nothing. The read buffer of each datagram is the maximum message
// size: the kernel cuts longer datagrams exactly where rsyslog does.
func (s *Server) readPackets(ctx context.Context, in *udpInput) {
	w := s.newWorker(in.ux != nil)
	r := newBatchReader(in, w.p.maxSize)
	// Unblock the read; the loop then drains what is queued. (A detached
	// socket times out by itself every drainWindow.)
	stop := context.AfterFunc(ctx, func() {
		if in.raw < 0 {
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
		w.begin()
		for i := 0; i < n; i++ {
			b, src := r.msg(i)
			if in.udp != nil {
				w.route(b, w.sender(src))
			} else {
				w.route(b, w.local)
			}
		}
		w.end()
	}
}

// drainWindow is how long a reader waits for more datagrams at shutdown.
const drainWindow = 50 * time.Millisecond

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

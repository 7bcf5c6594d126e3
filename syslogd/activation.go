package syslogd

import (
	"fmt"
	"net"
	"os"
	"syscall"
)

// Socket activation: Options.Listeners are sockets bound by a supervisor
// (systemd's .socket unit: ListenDatagram=, ListenStream=, a unix path)
// and passed to syslogd open. An input whose kind and address match one
// reads it instead of binding its own; the supervisor keeps a copy, so
// the datagrams that arrive while syslogd is down — stopped, restarting,
// killed -9 — wait in the socket's receive buffer for the next start
// instead of being refused (ICMP port unreachable) and lost. Such a
// socket is never shut down for reading (that would end it for the next
// instance too): its readers stay in the netpoller and are woken by a
// read deadline at stop, and a unix socket's path is left in place.

// activated is one socket passed by the supervisor.
type activated struct {
	kind InputKind
	addr net.Addr
	f    *os.File
}

// adoptable lists the sockets of files by kind and bound address.
func adoptable(files []*os.File) ([]activated, error) {
	var as []activated
	for _, f := range files {
		typ, err := sockType(f)
		if err != nil {
			return nil, fmt.Errorf("socket activation: %s: %w", f.Name(), err)
		}
		var a net.Addr
		if typ == syscall.SOCK_STREAM {
			l, err := net.FileListener(f)
			if err != nil {
				return nil, fmt.Errorf("socket activation: %s: %w", f.Name(), err)
			}
			a = l.Addr()
			_ = l.Close()
			if _, ok := a.(*net.TCPAddr); !ok {
				return nil, fmt.Errorf("socket activation: %s: a stream socket on %s: only TCP streams are read", f.Name(), a)
			}
			as = append(as, activated{kind: TCP, addr: a, f: f})
			continue
		}
		pc, err := net.FilePacketConn(f)
		if err != nil {
			return nil, fmt.Errorf("socket activation: %s: not a listening TCP socket nor a datagram socket: %w", f.Name(), err)
		}
		a = pc.LocalAddr()
		_ = pc.Close()
		kind := UDP
		if _, ok := a.(*net.UnixAddr); ok {
			kind = Unix
		}
		as = append(as, activated{kind: kind, addr: a, f: f})
	}
	return as, nil
}

// sockType is the SO_TYPE of f's socket (read without making f blocking,
// which f.Fd would).
func sockType(f *os.File) (int, error) {
	rc, err := f.SyscallConn()
	if err != nil {
		return 0, err
	}
	typ := 0
	var serr error
	if err := rc.Control(func(fd uintptr) {
		typ, serr = syscall.GetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_TYPE)
	}); err != nil {
		return 0, err
	}
	if serr != nil {
		return 0, fmt.Errorf("not a socket: %w", serr)
	}
	return typ, nil
}

// activatedFor returns the passed socket that input in names, or nil.
func (s *Server) activatedFor(in Input) *os.File {
	for _, a := range s.activated {
		if a.kind == in.Kind && sameAddr(in, a.addr) {
			return a.f
		}
	}
	return nil
}

// sameAddr reports whether in's configured address is a: the same path,
// or the same port and IP (any unspecified address matching another:
// systemd binds "ListenDatagram=514" on [::], the configuration says
// ":514" or "0.0.0.0:514").
func sameAddr(in Input, a net.Addr) bool {
	var ip net.IP
	var port int
	switch a := a.(type) {
	case *net.UnixAddr:
		return in.Kind == Unix && a.Name == in.Addr
	case *net.UDPAddr:
		ip, port = a.IP, a.Port
	case *net.TCPAddr:
		ip, port = a.IP, a.Port
	default:
		return false
	}
	host, p, err := net.SplitHostPort(in.Addr)
	if err != nil || p != fmt.Sprint(port) {
		return false
	}
	want := net.ParseIP(host)
	if host == "" || want != nil && want.IsUnspecified() {
		return ip == nil || ip.IsUnspecified()
	}
	return want != nil && want.Equal(ip)
}

// adoptDatagram reads a passed UDP or unix datagram socket.
func (s *Server) adoptDatagram(f *os.File, rcv int) (*udpInput, error) {
	pc, err := net.FilePacketConn(f)
	if err != nil {
		return nil, fmt.Errorf("socket activation: %s: %w", f.Name(), err)
	}
	in := &udpInput{conn: pc, raw: -1, inherited: true}
	switch c := pc.(type) {
	case *net.UDPConn:
		in.udp = c
		in.inode = socketInode(c)
	case *net.UnixConn:
		in.ux = c
	default:
		_ = pc.Close()
		return nil, fmt.Errorf("socket activation: %s: not a UDP or unix datagram socket", f.Name())
	}
	if c, ok := pc.(syscall.Conn); ok && rcv > 0 {
		in.rcvBuf = setRcvBuf(c, rcv)
	}
	s.log.Debug("listening (socket activation)", "addr", pc.LocalAddr().String(), "rcvbuf", in.rcvBuf)
	return in, nil
}

// warnUnread logs each passed socket no input reads: its address is not
// one the configuration names (a .socket unit and an rsyslog file that
// disagree), so what arrives there waits unread.
func (s *Server) warnUnread() {
	s.lmu.Lock()
	defer s.lmu.Unlock()
	for _, a := range s.activated {
		read := false
		for _, l := range s.ls {
			read = read || l.passed == a.f
		}
		if !read {
			s.log.Warn("a socket passed by socket activation matches no input: not read", "socket", a.f.Name(), "addr", a.addr.String())
		}
	}
}

package proxy

import (
	"context"
	"math"
	"net"
	"os"
	"syscall"
	"unsafe"
)

// soReusePort is SO_REUSEPORT on Linux (absent from package syscall).
const soReusePort = 0xf

// listenReusePort listens with SO_REUSEADDR and SO_REUSEPORT, so that a
// new process can bind the same addresses while the old one still serves
// them (seamless reload), as HAProxy does. transparent ("bind ...
// transparent") makes the socket able to take a foreign address before
// bind(), as HAProxy does (makeTransparent).
func listenReusePort(network, addr string, transparent bool) (net.Listener, error) {
	// KeepAlive -1: accepted connections get no SO_KEEPALIVE (saving
	// four setsockopt calls each) unless "option tcpka"/"clitcpka" asks.
	lc := net.ListenConfig{KeepAlive: -1, Control: func(_, _ string, c syscall.RawConn) error {
		var serr error
		err := c.Control(func(fd uintptr) {
			if serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_REUSEADDR, 1); serr != nil {
				return
			}
			if serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, soReusePort, 1); serr != nil || !transparent {
				return
			}
			serr = makeTransparent(int(fd))
		})
		if err != nil {
			return err
		}
		return serr
	}}
	return lc.Listen(context.Background(), network, addr)
}

// fdLimit is the RLIMIT_NOFILE haproxy computes its default maxconn from:
// the larger of the soft and hard limits (Go already raised the soft one
// to the hard one at startup).
func fdLimit() int {
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
		return 1024
	}
	return int(min(max(rl.Cur, rl.Max), math.MaxInt32))
}

// setBacklog sets the accept queue length of l to n (haproxy's default
// backlog is the frontend's maxconn; the kernel caps it at somaxconn).
// Calling listen(2) again on a listening socket only changes its backlog.
func setBacklog(l net.Listener, n int) {
	sc, ok := l.(syscall.Conn)
	if !ok {
		return
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return
	}
	rc.Control(func(fd uintptr) { syscall.Listen(int(fd), min(n, math.MaxInt32)) })
}

// pollFd is struct pollfd.
type pollFd struct {
	fd             int32
	events, revent int16
}

const pollIn = 0x1

// pendingWaiter waits, without accepting anything, until a listener has a
// connection in its accept queue: a full frontend leaves its connections
// in the kernel's backlog as haproxy does, and a listener waiting for a
// slot holds none while nothing is pending. net's listener RawConn cannot
// wait for readability, so the waiter polls a duplicate of the socket's
// descriptor through an *os.File; it must be closed with the listener
// (the socket stays open while the duplicate is).
type pendingWaiter struct {
	f  *os.File
	rc syscall.RawConn
}

func newPendingWaiter(l net.Listener) *pendingWaiter {
	sc, ok := l.(syscall.Conn)
	if !ok {
		return nil
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return nil
	}
	dup := -1
	rc.Control(func(fd uintptr) {
		// F_DUPFD_CLOEXEC keeps O_NONBLOCK (a file status flag), so
		// os.NewFile registers the duplicate with the poller.
		if r, _, e := syscall.Syscall(syscall.SYS_FCNTL, fd, syscall.F_DUPFD_CLOEXEC, 0); e == 0 {
			dup = int(r)
		}
	})
	if dup < 0 {
		return nil
	}
	f := os.NewFile(uintptr(dup), "listener")
	frc, err := f.SyscallConn()
	if err != nil {
		f.Close()
		return nil
	}
	return &pendingWaiter{f: f, rc: frc}
}

// acceptQueued reports whether the listening socket fd has a connection
// to accept (poll with a zero timeout). RawConn.Read calls it, then waits
// for the poller to report the socket readable and calls it again: the
// poller's readiness is reset before the first call, so a connection
// queued in between is not missed. An error answers true: Accept reports
// it.
func acceptQueued(fd uintptr) bool {
	pfd := pollFd{fd: int32(fd), events: pollIn}
	var ts syscall.Timespec
	n, _, errno := syscall.Syscall6(syscall.SYS_PPOLL, uintptr(unsafe.Pointer(&pfd)), 1, uintptr(unsafe.Pointer(&ts)), 0, 0, 0)
	return errno != 0 || n > 0
}

// wait returns when a connection is queued, or with an error once closed.
func (w *pendingWaiter) wait() error { return w.rc.Read(acceptQueued) }

// close releases the duplicate descriptor (wait then returns an error).
func (w *pendingWaiter) close() { w.f.Close() }

// makeTransparent makes a listening socket accept a foreign address as
// HAProxy 2.6's sock_inet_make_foreign does (observed with strace):
// IP_TRANSPARENT (IPV6_TRANSPARENT), which needs CAP_NET_ADMIN, else
// IP_FREEBIND (IPV6_FREEBIND), which any user may set; it fails only when
// both are refused.
func makeTransparent(fd int) error {
	sa, err := syscall.Getsockname(fd)
	if err != nil {
		return err
	}
	if _, v6 := sa.(*syscall.SockaddrInet6); v6 {
		if err = syscall.SetsockoptInt(fd, syscall.SOL_IPV6, ipv6Transparent, 1); err == nil {
			return nil
		}
		if syscall.SetsockoptInt(fd, syscall.SOL_IPV6, ipv6Freebind, 1) == nil {
			return nil
		}
	} else {
		if err = syscall.SetsockoptInt(fd, syscall.SOL_IP, syscall.IP_TRANSPARENT, 1); err == nil {
			return nil
		}
	}
	if syscall.SetsockoptInt(fd, syscall.SOL_IP, ipFreebind, 1) == nil {
		return nil
	}
	return &transparentError{err}
}

// Socket options absent from package syscall.
const (
	ipFreebind      = 15 // IP_FREEBIND
	ipv6Transparent = 75 // IPV6_TRANSPARENT
	ipv6Freebind    = 78 // IPV6_FREEBIND
)

// transparentError reads as HAProxy's message, the errno kept as cause.
type transparentError struct{ err error }

func (e *transparentError) Error() string {
	return "cannot make listening socket transparent (" + e.err.Error() + ")"
}
func (e *transparentError) Unwrap() error { return e.err }

package proxy

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"syscall"
)

// Log transport to UNIX datagram sockets ("log /dev/log", "log
// unix@/path"), as HAProxy 2.6 does it: one unbound, unconnected
// AF_UNIX/SOCK_DGRAM socket, each line sent with sendmsg() to the path
// (MSG_DONTWAIT|MSG_NOSIGNAL), framed exactly as a UDP datagram (header,
// message, "\n"). The path is resolved at every send, so after a chroot
// the socket inside the new root is used (Debian's rsyslog provides
// /var/lib/haproxy/dev/log for that), and a syslog daemon restarted under
// the same path is reached again without reconnecting.

// unixTarget is the socket of one UNIX log target.
type unixTarget struct {
	fd int
	sa syscall.SockaddrUnix
}

// newUnixTarget opens the sending socket for path. It never fails
// because the path is missing: HAProxy does not check it either (the
// first send reports the error).
func newUnixTarget(path string) (*unixTarget, error) {
	if len(path) >= 108 { // sizeof(sun_path)
		return nil, fmt.Errorf("UNIX socket path '%s' is too long", path)
	}
	fd, err := syscall.Socket(syscall.AF_UNIX, syscall.SOCK_DGRAM|unixLogSockFlags, 0)
	if err != nil {
		return nil, fmt.Errorf("socket(): %w", err)
	}
	// Nothing is ever read from it (HAProxy: SO_RCVBUF 0, SHUT_RD).
	syscall.SetsockoptInt(fd, syscall.SOL_SOCKET, syscall.SO_RCVBUF, 0)
	syscall.Shutdown(fd, syscall.SHUT_RD)
	return &unixTarget{fd: fd, sa: syscall.SockaddrUnix{Name: path}}, nil
}

// send sends one datagram without blocking.
func (u *unixTarget) send(b []byte) error {
	return syscall.Sendto(u.fd, b, unixLogSendFlags, &u.sa)
}

func (u *unixTarget) close() {
	if u != nil && u.fd >= 0 {
		syscall.Close(u.fd)
		u.fd = -1
	}
}

// sendFailed reports a failed log send as HAProxy does: EAGAIN counts a
// dropped line silently; any other error prints one ALERT per process
// ("sendmsg()/writev() failed in logger #N: <strerror> (errno=N)") and
// later ones are silent. ECONNREFUSED is the echo of an ICMP "port
// unreachable" on our connected UDP sockets: HAProxy sends on unconnected
// sockets and never sees it, so it is ignored too.
func (o *logOutput) sendFailed(s *sink, err error) {
	if errors.Is(err, syscall.EAGAIN) || errors.Is(err, syscall.ECONNREFUSED) {
		return
	}
	if !o.alertOnce.CompareAndSwap(false, true) {
		return
	}
	if o.p.opts.Stderr == nil {
		return
	}
	var errno syscall.Errno
	if !errors.As(err, &errno) {
		fmt.Fprintf(o.p.opts.Stderr, "[ALERT]    (%d) : sendmsg()/writev() failed in logger #%d: %v\n", o.p.opts.PID, s.index, err)
		return
	}
	fmt.Fprintf(o.p.opts.Stderr, "[ALERT]    (%d) : sendmsg()/writev() failed in logger #%d: %s (errno=%d)\n",
		o.p.opts.PID, s.index, strerror(errno), int(errno))
}

// strerror returns glibc's text for errno (Go's texts are lower-case).
func strerror(e syscall.Errno) string {
	s := e.Error()
	if s != "" && 'a' <= s[0] && s[0] <= 'z' {
		s = string(s[0]-'a'+'A') + s[1:]
	}
	return s
}

// logOutput is the Proxy's log-output concern: building the log targets
// (logger.go, logtarget_*.go), sending datagrams without blocking, the
// admin/event notices, and the once-per-process send alert.
type logOutput struct {
	p         *Proxy
	alertOnce atomic.Bool // the send-failure ALERT was printed
	// queues are the open queues of the UDP targets (logbatch.go).
	qmu    sync.Mutex
	queues []*logBatch
}

package proxy

import (
	"net"
	"syscall"
)

// rawWrite is a send that never waits: what the socket buffer takes at
// once, through the socket's RawConn (which holds the descriptor against
// a concurrent Close). It leaves the connection's write deadline alone.
type rawWrite struct {
	b  []byte
	n  int
	fn func(fd uintptr) bool // do, made once
}

func newRawWrite() *rawWrite {
	w := &rawWrite{}
	w.fn = w.do
	return w
}

// send writes what it can of b on rc without blocking and returns how
// many bytes went out: 0 on any error (a deadline that has passed, a
// closed or broken connection), for the caller's ordinary write to meet
// and report it.
func (w *rawWrite) send(rc syscall.RawConn, b []byte) int {
	w.b, w.n = b, 0
	err := rc.Write(w.fn)
	w.b = nil
	if err != nil {
		return 0
	}
	return w.n
}

// rawConnOf returns c's RawConn when c is a plain TCP connection.
func rawConnOf(c net.Conn) syscall.RawConn {
	tc, ok := c.(*net.TCPConn)
	if !ok {
		return nil
	}
	rc, err := tc.SyscallConn()
	if err != nil {
		return nil
	}
	return rc
}

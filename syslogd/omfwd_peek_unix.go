//go:build unix

package syslogd

import (
	"net"
	"syscall"
)

// peerGone reports whether the peer of c closed the connection or reset
// it: a non-blocking MSG_PEEK recv returns 0 (EOF) or an error other than
// EAGAIN.
func peerGone(c net.Conn) bool {
	sc, ok := c.(syscall.Conn)
	if !ok {
		return false
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return true
	}
	gone := false
	var b [1]byte
	err = raw.Read(func(fd uintptr) bool {
		n, _, e := syscall.Recvfrom(int(fd), b[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		switch {
		case e == syscall.EAGAIN || e == syscall.EWOULDBLOCK:
		case e != nil || n == 0:
			gone = true
		}
		return true // never wait
	})
	return gone || err != nil
}

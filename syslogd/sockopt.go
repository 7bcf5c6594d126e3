//go:build unix

package syslogd

import "syscall"

// setRcvBuf asks for a receive buffer of n bytes ([requestRcvBuf], by
// platform) and returns the size the socket has then.
func setRcvBuf(c syscall.Conn, n int) int {
	rc, err := c.SyscallConn()
	if err != nil {
		return 0
	}
	got := 0
	_ = rc.Control(func(fd uintptr) {
		requestRcvBuf(int(fd), n)
		got, _ = syscall.GetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF)
	})
	return got
}

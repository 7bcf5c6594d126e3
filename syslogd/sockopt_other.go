//go:build unix && !linux

package syslogd

import "syscall"

func setRcvBuf(c syscall.Conn, n int) int {
	rc, err := c.SyscallConn()
	if err != nil {
		return 0
	}
	got := 0
	_ = rc.Control(func(fd uintptr) {
		_ = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, n)
		got, _ = syscall.GetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF)
	})
	return got
}

func socketInode(syscall.Conn) uint64 { return 0 }

func kernelDrops(uint64) uint64 { return 0 }

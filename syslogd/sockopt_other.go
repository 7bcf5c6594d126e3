//go:build unix && !linux

package syslogd

import "syscall"

// requestRcvBuf asks for a receive buffer of n bytes on socket fd.
func requestRcvBuf(fd, n int) {
	_ = syscall.SetsockoptInt(fd, syscall.SOL_SOCKET, syscall.SO_RCVBUF, n)
}

func socketInode(syscall.Conn) uint64 { return 0 }

func kernelDrops(uint64) uint64 { return 0 }

//go:build linux

package syslogd

import (
	"bufio"
	"bytes"
	"os"
	"strconv"
	"syscall"
)

// requestRcvBuf asks for a receive buffer of n bytes on socket fd:
// SO_RCVBUFFORCE when the process may (root), else SO_RCVBUF, which the
// kernel caps at net.core.rmem_max (and doubles for its bookkeeping).
func requestRcvBuf(fd, n int) {
	if syscall.SetsockoptInt(fd, syscall.SOL_SOCKET, syscall.SO_RCVBUFFORCE, n) != nil {
		_ = syscall.SetsockoptInt(fd, syscall.SOL_SOCKET, syscall.SO_RCVBUF, n)
	}
}

// socketInode returns the inode of a socket, which names it in /proc/net.
func socketInode(c syscall.Conn) uint64 {
	rc, err := c.SyscallConn()
	if err != nil {
		return 0
	}
	var ino uint64
	_ = rc.Control(func(fd uintptr) {
		var st syscall.Stat_t
		if syscall.Fstat(int(fd), &st) == nil {
			ino = st.Ino
		}
	})
	return ino
}

// kernelDrops returns the drop counter of the UDP socket with the given
// inode, from /proc/net/udp and /proc/net/udp6.
func kernelDrops(inode uint64) uint64 {
	if inode == 0 {
		return 0
	}
	want := []byte(strconv.FormatUint(inode, 10))
	for _, f := range []string{"/proc/net/udp", "/proc/net/udp6"} {
		if d, ok := scanDrops(f, want); ok {
			return d
		}
	}
	return 0
}

func scanDrops(path string, inode []byte) (uint64, bool) {
	f, err := os.Open(path)
	if err != nil {
		return 0, false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := bytes.Fields(sc.Bytes())
		// sl local rem st tx:rx tr:when retrnsmt uid timeout inode ref pointer drops
		if len(fields) >= 13 && bytes.Equal(fields[9], inode) {
			d, err := strconv.ParseUint(string(fields[len(fields)-1]), 10, 64)
			return d, err == nil
		}
	}
	return 0, false
}

//go:build unix

package proxy

import (
	"net"
	"syscall"
)

// drainPending reads, without waiting, what the peer already sent on c and
// has not been read. Closing a socket with unread data makes the kernel
// send a reset; haproxy 2.6 has read the client's data into its buffer by
// the time it closes, so its close is a FIN (TestDifferentialTCPRefused).
func drainPending(c net.Conn) {
	sc, ok := c.(syscall.Conn)
	if !ok {
		return
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return
	}
	bp := tcpBufPool.Get().(*[]byte)
	defer tcpBufPool.Put(bp)
	rc.Read(func(fd uintptr) bool {
		for i := 0; i < 64; i++ { // at most 64 buffers: a bounded drain
			n, _, err := syscall.Recvfrom(int(fd), *bp, syscall.MSG_DONTWAIT)
			if n <= 0 || err != nil {
				break
			}
		}
		return true // never wait for readability
	})
}

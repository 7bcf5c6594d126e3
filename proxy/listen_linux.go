package proxy

import (
	"context"
	"net"
	"syscall"
)

// soReusePort is SO_REUSEPORT on Linux (absent from package syscall).
const soReusePort = 0xf

// listenReusePort listens with SO_REUSEADDR and SO_REUSEPORT, so that a
// new process can bind the same addresses while the old one still serves
// them (seamless reload), as HAProxy does.
func listenReusePort(network, addr string) (net.Listener, error) {
	// KeepAlive -1: accepted connections get no SO_KEEPALIVE (saving
	// four setsockopt calls each) unless "option tcpka"/"clitcpka" asks.
	lc := net.ListenConfig{KeepAlive: -1, Control: func(_, _ string, c syscall.RawConn) error {
		var serr error
		err := c.Control(func(fd uintptr) {
			if serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_REUSEADDR, 1); serr != nil {
				return
			}
			serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, soReusePort, 1)
		})
		if err != nil {
			return err
		}
		return serr
	}}
	return lc.Listen(context.Background(), network, addr)
}

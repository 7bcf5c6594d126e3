//go:build !linux

package proxy

import (
	"context"
	"net"
)

// listenReusePort listens normally: SO_REUSEPORT is only used on Linux, so
// elsewhere a reload must wait for the old process to release the port.
func listenReusePort(network, addr string) (net.Listener, error) {
	lc := net.ListenConfig{KeepAlive: -1} // no SO_KEEPALIVE unless option tcpka
	return lc.Listen(context.Background(), network, addr)
}

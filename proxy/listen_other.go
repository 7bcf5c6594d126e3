//go:build !linux

package proxy

import (
	"context"
	"errors"
	"net"
)

// listenReusePort listens normally: SO_REUSEPORT is only used on Linux, so
// elsewhere a reload must wait for the old process to release the port.
func listenReusePort(network, addr string, transparent bool) (net.Listener, error) {
	if transparent {
		return nil, errors.New("cannot make listening socket transparent (not supported on this platform)")
	}
	lc := net.ListenConfig{KeepAlive: -1} // no SO_KEEPALIVE unless option tcpka
	return lc.Listen(context.Background(), network, addr)
}

// fdLimit is a common default soft limit: this platform's RLIMIT_NOFILE is
// not read.
func fdLimit() int { return 1024 }

// setBacklog keeps the platform's default backlog.
func setBacklog(net.Listener, int) {}

// pendingWaiter is Linux only: elsewhere an accept loop takes its slot
// before blocking in Accept.
type pendingWaiter struct{}

func newPendingWaiter(net.Listener) *pendingWaiter { return nil }

func (*pendingWaiter) wait() error { return nil }

func (*pendingWaiter) close() {}

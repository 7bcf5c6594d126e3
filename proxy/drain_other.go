//go:build !unix

package proxy

import "net"

// drainPending is a no-op where raw sockets are not reachable.
func drainPending(net.Conn) {}

//go:build !unix

package testkit

import (
	"net"
	"strconv"
	"testing"
)

// RefusedPort returns a port of 127.0.0.1 where nothing listens (here it
// is only reserved and freed: another process may take it).
func RefusedPort(t testing.TB) int {
	t.Helper()
	port, _, err := HoldUnlistened(0)
	if err != nil {
		t.Fatal(err)
	}
	return port
}

// HoldUnlistened reserves a port and frees it at once (no way to hold a
// port without listening here).
func HoldUnlistened(port int) (int, func(), error) {
	l, err := net.Listen("tcp4", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err != nil {
		return 0, nil, err
	}
	p := l.Addr().(*net.TCPAddr).Port
	l.Close()
	return p, func() {}, nil
}

//go:build unix

package testkit

import (
	"fmt"
	"sync"
	"syscall"
	"testing"
)

// RefusedPort returns a port of 127.0.0.1 where a TCP connection is
// refused until the test ends: a socket bound there without listening.
// Unlike a port reserved and then freed, no other test (of this package
// or of another running at the same time) can take it meanwhile and
// answer the connections meant to fail.
func RefusedPort(t testing.TB) int {
	t.Helper()
	port, release, err := HoldUnlistened(0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(release)
	return port
}

// HoldUnlistened binds a close-on-exec TCP socket to 127.0.0.1:port (0:
// one the kernel picks) without listening, and returns the port and the
// function that frees it (once, however often it is called). Processes
// the test starts do not inherit it.
func HoldUnlistened(port int) (int, func(), error) {
	syscall.ForkLock.RLock()
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
	if err == nil {
		syscall.CloseOnExec(fd)
	}
	syscall.ForkLock.RUnlock()
	if err != nil {
		return 0, nil, fmt.Errorf("socket: %w", err)
	}
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Port: port, Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		syscall.Close(fd)
		return 0, nil, fmt.Errorf("bind 127.0.0.1:%d: %w", port, err)
	}
	sa, err := syscall.Getsockname(fd)
	if err != nil {
		syscall.Close(fd)
		return 0, nil, fmt.Errorf("getsockname: %w", err)
	}
	in4, ok := sa.(*syscall.SockaddrInet4)
	if !ok {
		syscall.Close(fd)
		return 0, nil, fmt.Errorf("getsockname: unexpected %T", sa)
	}
	return in4.Port, sync.OnceFunc(func() { syscall.Close(fd) }), nil
}

//go:build unix

package fidelity

import (
	"fmt"
	"os"
	"syscall"
)

// deadPort binds a TCP socket on 127.0.0.1 without listening: connecting
// to its port is refused, and no other process can take the port while
// the test holds it. release frees it.
func deadPort() (port int, release func(), err error) {
	fd, err := socket()
	if err != nil {
		return 0, nil, fmt.Errorf("socket: %w", err)
	}
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		syscall.Close(fd)
		return 0, nil, fmt.Errorf("bind: %w", err)
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
	return in4.Port, func() { syscall.Close(fd) }, nil
}

// socket opens a close-on-exec TCP socket, so that the haproxy and proxy
// processes the test starts do not inherit it (and the port).
func socket() (int, error) {
	syscall.ForkLock.RLock()
	defer syscall.ForkLock.RUnlock()
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
	if err != nil {
		return -1, err
	}
	syscall.CloseOnExec(fd)
	return fd, nil
}

// holdPort binds (without listening) a given port again.
func holdPort(port int) (release func(), err error) {
	fd, err := socket()
	if err != nil {
		return nil, fmt.Errorf("socket: %w", err)
	}
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Port: port, Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		syscall.Close(fd)
		return nil, fmt.Errorf("bind %d: %w", port, err)
	}
	return func() { syscall.Close(fd) }, nil
}

// softStop is the signal that makes haproxy (and the proxy) stop
// listening, log "Proxy X stopped" and exit once idle.
func softStop() os.Signal { return syscall.SIGUSR1 }

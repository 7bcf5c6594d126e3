//go:build !unix

package fidelity

import (
	"net"
	"os"
)

// deadPort returns a port nothing listens on (it may be reused by another
// process: the harness itself only runs where haproxy does, on unix).
func deadPort() (port int, release func(), err error) {
	l, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		return 0, nil, err
	}
	port = l.Addr().(*net.TCPAddr).Port
	l.Close()
	return port, func() {}, nil
}

func holdPort(int) (release func(), err error) { return func() {}, nil }

// softStop: no SIGUSR1 here; an interrupt stops the process.
func softStop() os.Signal { return os.Interrupt }

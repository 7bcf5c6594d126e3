package testbackend

import (
	"fmt"
	"math/rand/v2"
	"net"
	"os"
)

// minPort is the lowest port FreePort returns: the demos and the
// conformance configurations use fixed ports below it (18080-18091,
// 20000-20500).
const minPort = 21000

// FreePort returns a TCP port of 127.0.0.1 that is free now, for a program
// that cannot listen on port 0 and report its port (HAProxy). The port is
// taken below the kernel's ephemeral range (ip_local_port_range), so that
// no other process listening on port 0 can be given it between this call
// and the program's bind: with SO_REUSEPORT, which HAProxy and the proxy
// both set, the two would otherwise share it silently.
func FreePort() (int, error) {
	low := ephemeralLow()
	if low > minPort {
		for range 64 {
			port := minPort + rand.IntN(low-minPort)
			l, err := net.Listen("tcp4", fmt.Sprintf("127.0.0.1:%d", port))
			if err == nil {
				l.Close()
				return port, nil
			}
		}
	}
	l, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// ephemeralLow is the first port of the Linux ephemeral range, 0 when it is
// unknown.
func ephemeralLow() int {
	b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range")
	if err != nil {
		return 0
	}
	var low, high int
	if _, err := fmt.Sscan(string(b), &low, &high); err != nil {
		return 0
	}
	return low
}

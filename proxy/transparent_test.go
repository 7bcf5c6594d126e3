//go:build linux

package proxy

import (
	"errors"
	"syscall"
	"testing"
)

// TestBindTransparent: "bind <foreign address> transparent" binds, as
// haproxy 2.6 does (root or not: IP_FREEBIND when IP_TRANSPARENT is
// refused), and the same bind without "transparent" fails as it does for
// haproxy ("cannot assign requested address").
func TestBindTransparent(t *testing.T) {
	const foreign = "192.0.2.7:0" // TEST-NET-1, never a local address
	l, err := listenReusePort("tcp4", foreign, true)
	if err != nil {
		t.Fatalf("transparent bind of a foreign address: %v", err)
	}
	l.Close()
	if _, err := listenReusePort("tcp4", foreign, false); !errors.Is(err, syscall.EADDRNOTAVAIL) {
		t.Errorf("plain bind of a foreign address: %v, want EADDRNOTAVAIL", err)
	}
	if l, err := listenReusePort("tcp6", "[::1]:0", false); err != nil {
		t.Logf("no IPv6 on this host (%v): IPv6 part not run", err)
		return
	} else {
		l.Close()
	}
	l6, err := listenReusePort("tcp6", "[2001:db8::7]:0", true)
	if err != nil {
		t.Fatalf("transparent bind of a foreign IPv6 address: %v", err)
	}
	l6.Close()
}

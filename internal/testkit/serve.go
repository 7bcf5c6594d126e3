package testkit

import (
	"net"
	"testing"
)

// Serve listens on a free TCP port of 127.0.0.1 and calls handle for
// every connection it accepts, each in its own goroutine; the connection
// is closed when handle returns, the listener when the test ends. It
// returns the listener's address: a stand-in origin or server for a test.
func Serve(t testing.TB, handle func(c net.Conn)) *net.TCPAddr {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ServeListener(t, l, handle)
	return l.Addr().(*net.TCPAddr)
}

// ServeListener is [Serve] on a listener of the caller's (a port a
// configuration names): it hands each connection l accepts to handle, and
// closes l when the test ends.
func ServeListener(t testing.TB, l net.Listener, handle func(c net.Conn)) {
	t.Cleanup(func() { l.Close() })
	go accept(l, handle)
}

// accept hands each connection l accepts to handle, until l is closed.
func accept(l net.Listener, handle func(c net.Conn)) {
	for {
		c, err := l.Accept()
		if err != nil {
			return
		}
		go func() {
			defer c.Close()
			handle(c)
		}()
	}
}

package testbackend

import (
	"net"
	"strconv"
	"testing"
)

func TestFreePort(t *testing.T) {
	low := ephemeralLow()
	for range 20 {
		port, err := FreePort()
		if err != nil {
			t.Fatal(err)
		}
		if low > minPort && (port < minPort || port >= low) {
			t.Fatalf("port %d not in [%d, %d)", port, minPort, low)
		}
		l, err := net.Listen("tcp4", "127.0.0.1:"+strconv.Itoa(port))
		if err != nil {
			t.Fatalf("port %d is not free: %v", port, err)
		}
		l.Close()
	}
}

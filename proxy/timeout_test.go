package proxy

import (
	"errors"
	"net"
	"testing"
	"time"
)

// A connect that runs out of time must be classified as a timeout (sC in
// the termination state), not as a refusal (SC). Go's dialer reports it
// with its own timeout error, not os.ErrDeadlineExceeded.
func TestIsTimeoutDial(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	d := net.Dialer{Timeout: time.Nanosecond}
	c, err := d.Dial("tcp", l.Addr().String())
	if err == nil {
		c.Close()
		t.Skip("the dial finished within 1ns")
	}
	if !isTimeout(err) {
		t.Errorf("isTimeout(%v) = false, want true", err)
	}
	// A read past its deadline is a timeout too; a refusal is not.
	c2 := mustDial(t, l.Addr().String())
	defer c2.Close()
	_ = c2.SetReadDeadline(time.Now().Add(-time.Second))
	if _, err := c2.Read(make([]byte, 1)); !isTimeout(err) {
		t.Errorf("isTimeout(read past deadline: %v) = false, want true", err)
	}
	if isTimeout(errors.New("connection refused")) {
		t.Error("isTimeout(refused) = true, want false")
	}
}

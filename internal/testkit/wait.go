package testkit

import (
	"net"
	"testing"
	"time"
)

// Timeout is how long [Eventually] and [WaitDial] wait before failing.
const Timeout = 20 * time.Second

// maxInterval bounds the polling interval, which starts at 1ms and
// doubles: a condition met quickly is seen quickly, a slow one costs
// little CPU.
const maxInterval = 25 * time.Millisecond

// Poll calls cond until it returns true or timeout passes, and reports
// whether it held. cond is always called at least once, and once more at
// the deadline.
func Poll(timeout time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(timeout)
	interval := time.Millisecond
	for !cond() {
		left := time.Until(deadline)
		if left <= 0 {
			return false
		}
		// The pause is the polling interval, not a synchronisation: the
		// condition decides.
		time.Sleep(min(interval, left))
		interval = min(2*interval, maxInterval)
	}
	return true
}

// Eventually waits until cond returns true, failing the test with
// "timed out after 20s waiting for WHAT" when it does not within
// [Timeout]. cond may itself fail the test (t.Fatal) to stop waiting for
// something that can no longer happen.
func Eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	EventuallyWithin(t, Timeout, what, cond)
}

// EventuallyWithin is [Eventually] with another deadline.
func EventuallyWithin(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	if !Poll(timeout, cond) {
		t.Fatalf("timed out after %v waiting for %s", timeout, what)
	}
}

// WaitDial waits until a connection to addr on network ("tcp", "unix")
// succeeds, and closes it. A unix socket file appears before its owner
// calls listen(2) (haproxy binds first, listens later), so waiting for the
// file alone is not enough.
func WaitDial(t testing.TB, network, addr string) {
	t.Helper()
	Eventually(t, network+" "+addr+" accepting connections", func() bool { return dialOK(network, addr) })
}

// dialOK reports whether a connection to addr succeeds (and closes it).
func dialOK(network, addr string) bool {
	c, err := net.DialTimeout(network, addr, time.Second)
	if err != nil {
		return false
	}
	c.Close()
	return true
}

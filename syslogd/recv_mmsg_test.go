//go:build linux && (amd64 || arm64)

package syslogd

import (
	"testing"
	"time"
)

// TestCoalescePause: the pause after a short batch settles where about
// coalesceTarget datagrams arrive during it, moves at most by a factor of
// two at a time, and stays within its bounds.
func TestCoalescePause(t *testing.T) {
	r := &mmsgReader{maxWait: maxPause(64 << 20)}
	if r.maxWait != coalesceMax || maxPause(8<<20).Round(time.Microsecond) != 3226*time.Microsecond || maxPause(0) != coalesceMin {
		t.Fatalf("maxPause: 64 MiB %v, 8 MiB %v, 0 %v", r.maxWait, maxPause(8<<20), maxPause(0))
	}
	if got := r.pause(); got != coalesceWait {
		t.Fatalf("first pause %v, want %v", got, coalesceWait)
	}
	// A steady 100k datagrams/s: the pause converges to 512/100k = 5.12 ms.
	for range 20 {
		r.got = int(100000 * r.wait.Seconds())
		r.pause()
	}
	if want := 5120 * time.Microsecond; r.wait < want-50*time.Microsecond || r.wait > want+50*time.Microsecond {
		t.Fatalf("at 100k/s the pause settles at %v, want about %v", r.wait, want)
	}
	// The rate jumps tenfold: the pause halves, no more.
	before := r.wait
	r.got = 10 * int(100000*r.wait.Seconds())
	if got := r.pause(); got != before/2 {
		t.Fatalf("after a tenfold rate the pause is %v, want %v (halved)", got, before/2)
	}
	// A flood, then a trickle: the bounds hold.
	for range 30 {
		r.got = 1 << 20
		r.pause()
	}
	if r.wait != coalesceMin {
		t.Fatalf("flood: pause %v, want %v", r.wait, coalesceMin)
	}
	for range 30 {
		r.got = 1
		r.pause()
	}
	if r.wait != coalesceMax {
		t.Fatalf("trickle: pause %v, want %v", r.wait, coalesceMax)
	}
	if r.got != 0 {
		t.Fatal("pause does not reset the count")
	}
}

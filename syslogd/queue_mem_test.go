package syslogd

import (
	"bytes"
	"testing"
	"time"

	"github.com/haplog/haplog/internal/dq"
	"github.com/haplog/haplog/internal/testkit"
)

// TestMemQueueFullWakesReader: a memory queue wakes its reader at Commit,
// not at each Append; a Write of more lines than the queue holds must
// still wake it when the queue is full, or the Write waits out
// queue.timeoutEnqueue and drops the rest.
func TestMemQueueFullWakesReader(t *testing.T) {
	q := newMemQueue(4, 5*time.Second)
	in := &queueInput{name: "t", q: q}
	stop := make(chan struct{})
	done := make(chan int)
	go func() {
		n := 0
		var recs []dq.Record
		for {
			var err error
			recs, err = q.Read(recs[:0], 2, stop)
			if err != nil {
				done <- n
				return
			}
			for _, r := range recs {
				_ = q.AckOne(r.ID)
				n++
			}
		}
	}()
	lines := bytes.Repeat([]byte("message\n"), 6)
	if _, err := in.Write(lines); err != nil {
		t.Fatal(err)
	}
	if d := in.enqDrop.Load(); d != 0 {
		t.Fatalf("%d messages dropped", d)
	}
	testkit.Eventually(t, "the reader to acknowledge every message", func() bool { return q.Stats().Size == 0 })
	close(stop)
	if n := <-done; n != 6 {
		t.Fatalf("read %d messages, want 6", n)
	}
}

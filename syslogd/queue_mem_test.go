package syslogd

import (
	"bytes"
	"math/rand/v2"
	"strconv"
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
		var buf []byte
		for {
			var err error
			recs, buf, err = q.ReadCopy(recs[:0], buf[:0], 2, stop)
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

// TestMemQueueRingReuse drives a memory queue through its ring's growth
// and wrap, chunk reuse, acknowledgements out of order and rewinds,
// checking every record read against what was appended under its id, and
// the copies handed out earlier after their chunks were reused.
func TestMemQueueRingReuse(t *testing.T) {
	const size, total = 300, 20000
	rng := rand.New(rand.NewPCG(1, 2))
	payload := func(id uint64) []byte {
		n := int(id*7919) % 3000
		if id%997 == 0 {
			n = 70 << 10 // larger than a chunk
		}
		b := make([]byte, n+20)
		copy(b, strconv.FormatUint(id, 10)+":")
		for i := len(strconv.FormatUint(id, 10)) + 1; i < len(b); i++ {
			b[i] = byte(id) + byte(i)
		}
		return b
	}
	q := newMemQueue(size, 0)
	var next uint64 = 1 // id of the next append
	acked := map[uint64]bool{}
	var out []uint64     // read, not acknowledged
	var held []dq.Record // copies from earlier reads, checked at the end
	for len(acked) < total {
		q.mu.Lock()
		room := size - q.n // acknowledged records above the watermark take room too
		q.mu.Unlock()
		if k := min(room, total-int(next)+1, rng.IntN(50)); k > 0 {
			var lines [][]byte
			for range k {
				lines = append(lines, payload(next))
				next++
			}
			if d, err := q.AppendCommit(lines); d != 0 || err != nil {
				t.Fatalf("append: %d dropped, %v", d, err)
			}
		}
		q.mu.Lock()
		unread := q.rpos < q.n // else ReadCopy would wait
		q.mu.Unlock()
		var recs []dq.Record
		if unread {
			var err error
			if recs, _, err = q.ReadCopy(nil, nil, 1+rng.IntN(40), nil); err != nil {
				t.Fatal(err)
			}
		}
		for _, r := range recs {
			if acked[r.ID] {
				t.Fatalf("id %d read after its acknowledgement", r.ID)
			}
			if !bytes.Equal(r.Data, payload(r.ID)) {
				t.Fatalf("id %d: read %d bytes %.20q, want %.20q", r.ID, len(r.Data), r.Data, payload(r.ID))
			}
			out = append(out, r.ID)
		}
		if len(held) < 200 && len(recs) > 0 {
			held = append(held, recs[0])
		}
		rng.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
		n := rng.IntN(len(out) + 1)
		for _, id := range out[:n] {
			if !acked[id] {
				acked[id] = true
				if err := q.AckOne(id); err != nil {
					t.Fatal(err)
				}
			}
		}
		out = out[n:]
		if rng.IntN(20) == 0 {
			q.Rewind()
			out = out[:0] // read again
		}
	}
	if s := q.Stats(); s.Size != 0 || s.Acked != total || next != total+1 {
		t.Fatalf("stats %+v, appended %d", s, next-1)
	}
	for _, r := range held {
		if !bytes.Equal(r.Data, payload(r.ID)) {
			t.Fatalf("copy of id %d changed after its chunk was reused", r.ID)
		}
	}
}

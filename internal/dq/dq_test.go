package dq

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// frame builds a framed batch of the given payloads.
func frame(ps ...string) []byte {
	var b []byte
	for _, p := range ps {
		b = binary.BigEndian.AppendUint32(b, uint32(len(p)))
		b = append(b, p...)
	}
	return b
}

func numbered(from, n int) ([]byte, []string) {
	var ps []string
	for i := from; i < from+n; i++ {
		ps = append(ps, "msg "+strconv.Itoa(i))
	}
	return frame(ps...), ps
}

func next(t *testing.T, q *Queue) Record {
	t.Helper()
	stop := make(chan struct{})
	tm := time.AfterFunc(5*time.Second, func() { close(stop) })
	defer tm.Stop()
	r, err := q.Next(stop)
	if err != nil {
		t.Fatalf("Next: %v", err)
	}
	return r
}

func open(t *testing.T, o Options) *Queue {
	t.Helper()
	q, err := Open(o)
	if err != nil {
		t.Fatal(err)
	}
	return q
}

func TestRoundTrip(t *testing.T) {
	for _, dir := range []string{"", t.TempDir()} {
		q := open(t, Options{Dir: dir, Name: "q"})
		b, ps := numbered(0, 100)
		if err := q.Append(b, len(ps)); err != nil {
			t.Fatal(err)
		}
		for i, p := range ps {
			r := next(t, q)
			if r.Seq != uint64(i) || string(r.Data) != p {
				t.Fatalf("dir %q: record %d = %d %q, want %q", dir, i, r.Seq, r.Data, p)
			}
			q.Ack(r.Seq)
		}
		if st := q.Stats(); st.Size != 0 || st.Inflight != 0 {
			t.Errorf("dir %q: after acks: %+v", dir, st)
		}
		if err := q.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

// TestReplayUnacked: what was delivered but not acknowledged before a
// close (or a crash: no Close at all) is delivered again at Open, and
// nothing acknowledged and checkpointed is.
func TestReplayUnacked(t *testing.T) {
	for _, crash := range []bool{false, true} {
		dir := t.TempDir()
		q := open(t, Options{Dir: dir, Name: "q", CheckpointEvery: time.Millisecond})
		b, _ := numbered(0, 10)
		if err := q.Append(b, 10); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 6; i++ {
			r := next(t, q)
			if i < 4 {
				q.Ack(r.Seq)
			}
		}
		// wait for the checkpoint to hold 4
		deadline := time.Now().Add(5 * time.Second)
		for {
			bb, _ := os.ReadFile(filepath.Join(dir, "q.ckpt"))
			if len(bb) == 12 && binary.LittleEndian.Uint64(bb) == 4 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("checkpoint never reached 4: %x", bb)
			}
			time.Sleep(time.Millisecond) // polling interval
		}
		if !crash {
			q.Close()
		} else {
			// kill -9: files stay as written, nothing flushed or closed
			q.mu.Lock()
			q.closed = true
			q.mu.Unlock()
			close(q.stopped)
			<-q.done
			q.closeFiles()
		}
		q2 := open(t, Options{Dir: dir, Name: "q"})
		for i := 4; i < 10; i++ {
			r := next(t, q2)
			if r.Seq != uint64(i) || string(r.Data) != "msg "+strconv.Itoa(i) {
				t.Fatalf("crash=%v: replayed %d %q, want %d", crash, r.Seq, r.Data, i)
			}
		}
		// appending goes on after the last sequence
		b, _ = numbered(10, 1)
		if err := q2.Append(b, 1); err != nil {
			t.Fatal(err)
		}
		if r := next(t, q2); r.Seq != 10 || string(r.Data) != "msg 10" {
			t.Fatalf("after reopen: %d %q", r.Seq, r.Data)
		}
		var id1, id2 []byte
		id1 = q2.ID(id1, 10)
		q2.Close()
		q3 := open(t, Options{Dir: dir, Name: "q"})
		id2 = q3.ID(id2, 10)
		q3.Close()
		if string(id1) != string(id2) || len(id1) != 32 {
			t.Errorf("id not stable across opens: %s %s", id1, id2)
		}
	}
}

// TestTornTail: a record cut by a crash (short, or a byte changed) ends
// the segment; what precedes it is delivered and appending continues.
func TestTornTail(t *testing.T) {
	for _, damage := range []string{"short", "crc"} {
		dir := t.TempDir()
		q := open(t, Options{Dir: dir, Name: "q"})
		b, _ := numbered(0, 5)
		q.Append(b, 5)
		q.Close()
		seg := filepath.Join(dir, "q.0000000000000000.seg")
		data, err := os.ReadFile(seg)
		if err != nil {
			t.Fatal(err)
		}
		switch damage {
		case "short":
			data = data[:len(data)-3]
		case "crc":
			data[len(data)-1] ^= 0xff
		}
		os.WriteFile(seg, data, 0o640)
		q2 := open(t, Options{Dir: dir, Name: "q"})
		if st := q2.Stats(); st.Size != 4 {
			t.Fatalf("%s: %d records after repair, want 4", damage, st.Size)
		}
		for i := 0; i < 4; i++ {
			if r := next(t, q2); r.Seq != uint64(i) {
				t.Fatalf("%s: record %d", damage, r.Seq)
			}
		}
		b, _ = numbered(4, 1)
		q2.Append(b, 1)
		if r := next(t, q2); r.Seq != 4 || string(r.Data) != "msg 4" {
			t.Fatalf("%s: after repair: %d %q", damage, r.Seq, r.Data)
		}
		q2.Close()
	}
}

// TestSegmentsDropped: acknowledged segments are deleted, out-of-order
// acknowledgements advance the checkpoint over the contiguous prefix.
func TestSegmentsDropped(t *testing.T) {
	dir := t.TempDir()
	q := open(t, Options{Dir: dir, Name: "q", SegmentSize: 200})
	for i := 0; i < 50; i++ {
		b, _ := numbered(i, 1)
		if err := q.Append(b, 1); err != nil {
			t.Fatal(err)
		}
	}
	segs, _ := filepath.Glob(filepath.Join(dir, "q.*.seg"))
	if len(segs) < 5 {
		t.Fatalf("%d segments for 50 records of 200-byte segments", len(segs))
	}
	var rs []Record
	for i := 0; i < 50; i++ {
		rs = append(rs, next(t, q))
	}
	// acknowledge in reverse: nothing moves until 0 is acknowledged
	for i := 49; i >= 1; i-- {
		q.Ack(rs[i].Seq)
	}
	if st := q.Stats(); st.Size != 50 {
		t.Fatalf("size %d before the first ack, want 50", st.Size)
	}
	q.Ack(0)
	if st := q.Stats(); st.Size != 0 {
		t.Fatalf("size %d after all acks", st.Size)
	}
	left, _ := filepath.Glob(filepath.Join(dir, "q.*.seg"))
	if len(left) != 1 {
		t.Errorf("%d segments left after all were acknowledged: %v", len(left), left)
	}
	q.Close()
}

func TestFullAndClosed(t *testing.T) {
	q := open(t, Options{MaxRecords: 3, EnqueueTimeout: 20 * time.Millisecond})
	b, _ := numbered(0, 3)
	if err := q.Append(b, 3); err != nil {
		t.Fatal(err)
	}
	b, _ = numbered(3, 1)
	if err := q.Append(b, 1); !errors.Is(err, ErrFull) {
		t.Fatalf("append to a full queue: %v", err)
	}
	if err := open(t, Options{}).Append(frame(string(make([]byte, 2<<20))), 1); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("huge record: %v", err)
	}
	q.Close()
	qb := open(t, Options{MaxBytes: 100, EnqueueTimeout: 20 * time.Millisecond})
	b3, _ := numbered(0, 3) // 3 x (16 + 5) bytes
	if err := qb.Append(b3, 3); err != nil {
		t.Fatal(err)
	}
	if err := qb.Append(b3, 3); !errors.Is(err, ErrFull) {
		t.Fatalf("append past MaxBytes: %v", err)
	}
	if err := q.Append(b, 1); !errors.Is(err, ErrClosed) {
		t.Fatalf("append after close: %v", err)
	}
	if _, err := q.Next(nil); !errors.Is(err, ErrClosed) {
		t.Fatalf("next after close: %v", err)
	}
}

// TestRewind: after an output failure the unacknowledged records are
// delivered again, in order.
func TestRewind(t *testing.T) {
	q := open(t, Options{})
	b, _ := numbered(0, 4)
	q.Append(b, 4)
	r0 := next(t, q)
	next(t, q)
	next(t, q)
	q.Ack(r0.Seq)
	if err := q.Rewind(); err != nil {
		t.Fatal(err)
	}
	for i := 1; i < 4; i++ {
		if r := next(t, q); r.Seq != uint64(i) {
			t.Fatalf("after rewind: %d, want %d", r.Seq, i)
		}
	}
}

// FuzzOpen: any bytes in a segment file open without panic; what is
// delivered is whole records with their sequences in order.
func FuzzOpen(f *testing.F) {
	b, _ := numbered(0, 3)
	dir := f.TempDir()
	q, _ := Open(Options{Dir: dir, Name: "q"})
	q.Append(b, 3)
	q.Close()
	seed, _ := os.ReadFile(filepath.Join(dir, "q.0000000000000000.seg"))
	f.Add(seed)
	f.Add(seed[:len(seed)-1])
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, "q.0000000000000000.seg"), data, 0o640)
		q, err := Open(Options{Dir: dir, Name: "q", MaxRecord: 4096})
		if err != nil {
			return
		}
		defer q.Close()
		n := q.Stats().Size
		for i := 0; i < n; i++ {
			r, err := q.Next(nil)
			if err != nil {
				t.Fatalf("record %d of %d: %v", i, n, err)
			}
			if r.Seq != uint64(i) {
				t.Fatalf("sequence %d, want %d", r.Seq, i)
			}
		}
	})
}

func BenchmarkAppend(b *testing.B) {
	batch, _ := numbered(0, 64)
	for _, sync := range []bool{false, true} {
		b.Run(fmt.Sprintf("sync=%v", sync), func(b *testing.B) {
			q, err := Open(Options{Dir: b.TempDir(), Name: "q", Sync: sync})
			if err != nil {
				b.Fatal(err)
			}
			defer q.Close()
			b.SetBytes(int64(len(batch)))
			b.ReportAllocs()
			for b.Loop() {
				if err := q.Append(batch, 64); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N*64)/b.Elapsed().Seconds(), "records/s")
		})
	}
}

func TestAppendNoAlloc(t *testing.T) {
	q := open(t, Options{Dir: t.TempDir(), Name: "q"})
	defer q.Close()
	batch, _ := numbered(0, 64)
	q.Append(batch, 64)
	if n := testing.AllocsPerRun(100, func() { q.Append(batch, 64) }); n != 0 {
		t.Errorf("Append allocates %.1f times per batch", n)
	}
}

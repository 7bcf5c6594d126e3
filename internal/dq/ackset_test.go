package dq

import (
	"fmt"
	"math/rand"
	"testing"
)

// TestAckSet acknowledges ids in random order and checks the set and its
// watermark against a map.
func TestAckSet(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	var s AckSet
	s.Reset(70)
	if !s.Has(69) || s.Has(70) || s.Set(65) {
		t.Fatal("ids below the watermark must count as set")
	}
	model := map[uint64]bool{}
	low := uint64(70)
	for i := 0; i < 20000; i++ {
		id := low + uint64(rng.Intn(300))
		if got, want := s.Set(id), !model[id]; got != want {
			t.Fatalf("Set(%d) = %v, want %v", id, got, want)
		}
		model[id] = true
		for model[low] {
			delete(model, low)
			low++
		}
		if got := s.Advance(); got != low || s.Low() != low {
			t.Fatalf("Advance = %d, want %d", got, low)
		}
		if s.Len() != len(model) {
			t.Fatalf("Len = %d, want %d", s.Len(), len(model))
		}
		probe := low + uint64(rng.Intn(300))
		if s.Has(probe) != model[probe] {
			t.Fatalf("Has(%d) = %v", probe, s.Has(probe))
		}
	}
}

// TestReadMemoryThenFile reads records committed while the reader is
// behind by more than the in-memory bound (from the segment files), then
// from memory, with a Rewind between: every record comes back once, in
// order, with its bytes.
func TestReadMemoryThenFile(t *testing.T) {
	q, err := Open(t.TempDir(), Options{SegmentBytes: 4096})
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	q.maxPend = 2048
	n := 0
	commit := func(k int) {
		for i := 0; i < k; i++ {
			if _, err := q.Append([]byte(fmt.Sprintf("record %05d", n))); err != nil {
				t.Fatal(err)
			}
			n++
		}
		if err := q.Commit(); err != nil {
			t.Fatal(err)
		}
	}
	check := func(got []Record, from int) {
		t.Helper()
		for i, r := range got {
			if r.ID != uint64(from+i+1) || string(r.Data) != fmt.Sprintf("record %05d", from+i) {
				t.Fatalf("record %d: id %d %q", from+i, r.ID, r.Data)
			}
		}
	}
	for i := 0; i < 40; i++ {
		commit(10) // 40 x 10 x 32 bytes: past maxPend
	}
	got := readAll(t, q, 400)
	check(got, 0)
	commit(10)
	got = readAll(t, q, 10)
	check(got, 400)
	q.Rewind()
	got = readAll(t, q, 410)
	check(got, 0)
	for _, r := range got {
		q.Ack(r.ID)
	}
	commit(5)
	got = readAll(t, q, 5)
	check(got, 410)
}

// TestRecordAllocs: appending, committing, reading and acknowledging
// records allocates per Commit, not per record.
func TestRecordAllocs(t *testing.T) {
	q, err := Open(t.TempDir(), Options{CheckpointEvery: 1 << 30})
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	payload := make([]byte, 200)
	recs := make([]Record, 0, 1000)
	allocs := testing.AllocsPerRun(50, func() {
		for i := 0; i < 1000; i++ {
			q.Append(payload)
		}
		q.Commit()
		recs, _ = q.Read(recs[:0], 1000, nil)
		for _, r := range recs {
			q.Ack(r.ID)
		}
	})
	if allocs > 2 {
		t.Errorf("%.0f allocations per 1000 records", allocs)
	}
}

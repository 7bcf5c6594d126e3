package dq

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

func readAll(t *testing.T, q *Queue, want int) []Record {
	t.Helper()
	var got []Record
	deadline := time.Now().Add(5 * time.Second)
	for len(got) < want {
		if time.Now().After(deadline) {
			t.Fatalf("read %d records, want %d", len(got), want)
		}
		var err error
		got, err = q.Read(got, want-len(got), nil)
		if err != nil {
			t.Fatal(err)
		}
	}
	return got
}

func TestAppendReadAckReplay(t *testing.T) {
	dir := t.TempDir()
	q, err := Open(dir, Options{SegmentBytes: 1024, CheckpointEvery: 1})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 100; i++ {
		if _, err := q.Append([]byte(fmt.Sprintf("msg %03d", i))); err != nil {
			t.Fatal(err)
		}
		if i%10 == 9 {
			if err := q.Commit(); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := q.Commit(); err != nil {
		t.Fatal(err)
	}
	got := readAll(t, q, 100)
	for i, r := range got {
		if string(r.Data) != fmt.Sprintf("msg %03d", i) || r.ID != uint64(i+1) {
			t.Fatalf("record %d = %d %q", i, r.ID, r.Data)
		}
	}
	// Ack the first 40 and, out of order, 60..69.
	for i := 0; i < 40; i++ {
		if err := q.Ack(got[i].ID); err != nil {
			t.Fatal(err)
		}
	}
	for i := 60; i < 70; i++ {
		if err := q.Ack(got[i].ID); err != nil {
			t.Fatal(err)
		}
	}
	if s := q.Stats(); s.Size != 50 || s.Acked != 50 {
		t.Fatalf("stats %+v", s)
	}
	segsBefore, _ := filepath.Glob(filepath.Join(dir, "*.seg"))
	if err := q.Close(); err != nil {
		t.Fatal(err)
	}
	q, err = Open(dir, Options{SegmentBytes: 1024})
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	// Everything from the watermark (41) on comes back, 60..69 included
	// (acknowledged above the watermark: at least once).
	got = readAll(t, q, 60)
	if got[0].ID != 41 || got[59].ID != 100 {
		t.Fatalf("replay %d..%d", got[0].ID, got[59].ID)
	}
	if q.Stats().Replayed != 60 {
		t.Fatalf("replayed %d", q.Stats().Replayed)
	}
	// New ids continue after the old ones.
	id, _ := q.Append([]byte("new"))
	if id != 101 {
		t.Fatalf("next id %d", id)
	}
	if len(segsBefore) < 3 {
		t.Fatalf("expected several segments, got %d", len(segsBefore))
	}
	for _, r := range got {
		if err := q.Ack(r.ID); err != nil {
			t.Fatal(err)
		}
	}
	if err := q.Commit(); err != nil {
		t.Fatal(err)
	}
	r := readAll(t, q, 1)
	if err := q.Ack(r[0].ID); err != nil {
		t.Fatal(err)
	}
	if err := q.checkpointForTest(); err != nil {
		t.Fatal(err)
	}
	segs, _ := filepath.Glob(filepath.Join(dir, "*.seg"))
	if len(segs) != 1 {
		t.Fatalf("fully acknowledged segments kept: %v", segs)
	}
}

func (q *Queue) checkpointForTest() error {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.checkpointLocked()
}

func TestRewind(t *testing.T) {
	q, err := Open(t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	for i := 0; i < 10; i++ {
		q.Append([]byte{byte(i)})
	}
	q.Commit()
	got := readAll(t, q, 10)
	q.Ack(got[0].ID, got[1].ID, got[5].ID)
	q.Rewind()
	again := readAll(t, q, 7)
	for _, r := range again {
		if r.ID <= 2 || r.ID == 6 {
			t.Fatalf("acknowledged record %d returned after Rewind", r.ID)
		}
	}
}

func TestTornTail(t *testing.T) {
	dir := t.TempDir()
	q, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 5; i++ {
		q.Append([]byte("hello"))
	}
	q.Commit()
	q.Close()
	segs, _ := filepath.Glob(filepath.Join(dir, "*.seg"))
	f, _ := os.OpenFile(segs[0], os.O_WRONLY|os.O_APPEND, 0)
	f.Write([]byte{9, 0, 0, 0, 1, 2, 3}) // half a header
	f.Close()
	q, err = Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	got := readAll(t, q, 5)
	if len(got) != 5 {
		t.Fatal(len(got))
	}
	if id, _ := q.Append([]byte("x")); id != 6 {
		t.Fatalf("id after repair %d", id)
	}
	q.Commit()
	if got := readAll(t, q, 1); got[0].ID != 6 || string(got[0].Data) != "x" {
		t.Fatalf("after repair %+v", got)
	}
}

func TestMaxDiskBytes(t *testing.T) {
	q, err := Open(t.TempDir(), Options{MaxDiskBytes: 100})
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	var full bool
	for i := 0; i < 10; i++ {
		if _, err := q.Append(make([]byte, 20)); err == ErrFull {
			full = true
			break
		}
	}
	if !full {
		t.Fatal("no ErrFull")
	}
}

// TestKill9 runs a child that appends and commits records, printing each
// committed id, and kills it with SIGKILL mid-stream: every id it printed
// must be read back after reopening.
func TestKill9(t *testing.T) {
	if os.Getenv("DQ_CHILD") != "" {
		q, err := Open(os.Getenv("DQ_CHILD"), Options{SegmentBytes: 64 << 10})
		if err != nil {
			fmt.Println("ERR", err)
			os.Exit(1)
		}
		w := bufio.NewWriter(os.Stdout)
		for i := 0; ; i++ {
			id, err := q.Append([]byte("record " + strconv.Itoa(i)))
			if err != nil {
				os.Exit(1)
			}
			if i%10 == 9 {
				if err := q.Commit(); err != nil {
					os.Exit(1)
				}
				fmt.Fprintln(w, id)
				w.Flush()
			}
		}
	}
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestKill9$")
	cmd.Env = append(os.Environ(), "DQ_CHILD="+dir)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(out)
	var last uint64
	for sc.Scan() {
		n, err := strconv.ParseUint(sc.Text(), 10, 64)
		if err != nil {
			t.Fatalf("child: %s", sc.Text())
		}
		last = n
		if last >= 20000 {
			break
		}
	}
	cmd.Process.Kill() // SIGKILL
	for sc.Scan() {
		if n, err := strconv.ParseUint(sc.Text(), 10, 64); err == nil {
			last = n
		}
	}
	cmd.Wait()
	if last < 20000 {
		t.Fatalf("child stopped at %d", last)
	}
	q, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	got := readAll(t, q, int(last))
	for i, r := range got {
		if r.ID != uint64(i+1) || string(r.Data) != "record "+strconv.Itoa(i) {
			t.Fatalf("record %d: %d %q", i, r.ID, r.Data)
		}
	}
}

func BenchmarkAppendCommit(b *testing.B) {
	payload := make([]byte, 200)
	for _, c := range []struct {
		name  string
		sync  SyncPolicy
		batch int
	}{
		{"none/batch64", SyncNone, 64},
		{"interval100ms/batch64", SyncInterval, 64},
		{"everyCommit/batch64", SyncEveryCommit, 64},
		{"everyCommit/batch1024", SyncEveryCommit, 1024},
	} {
		b.Run(c.name, func(b *testing.B) {
			q, err := Open(b.TempDir(), Options{Sync: c.sync, CheckpointEvery: 10000})
			if err != nil {
				b.Fatal(err)
			}
			defer q.Close()
			b.SetBytes(int64(len(payload)))
			b.ReportAllocs()
			var recs []Record
			for i := 0; i < b.N; i++ {
				q.Append(payload)
				if i%c.batch == c.batch-1 || i == b.N-1 {
					if err := q.Commit(); err != nil {
						b.Fatal(err)
					}
					recs, _ = q.Read(recs[:0], c.batch, nil)
					for _, r := range recs {
						q.Ack(r.ID)
					}
				}
			}
		})
	}
}

// FuzzOpen opens a queue whose segment holds arbitrary bytes (a torn or
// corrupt journal): Open must repair it without panicking and Read must
// return only records that were whole.
func FuzzOpen(f *testing.F) {
	f.Add([]byte{5, 0, 0, 0, 1, 2, 3, 4, 1, 0, 0, 0, 0, 0, 0, 0, 'h', 'e', 'l', 'l', 'o'})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, seg []byte) {
		if len(seg) > 1<<16 {
			return
		}
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "0000000000000001.seg"), seg, 0o600); err != nil {
			t.Fatal(err)
		}
		q, err := Open(dir, Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer q.Close()
		id, err := q.Append([]byte("after"))
		if err != nil {
			t.Fatal(err)
		}
		if err := q.Commit(); err != nil {
			t.Fatal(err)
		}
		recs := readAll(t, q, int(id))
		if last := recs[len(recs)-1]; last.ID != id || string(last.Data) != "after" {
			t.Fatalf("last record %d %q, want %d after", last.ID, last.Data, id)
		}
	})
}

// TestReadCopyReuse: ReadCopy hands out copies, so the write buffers it
// read to their end are reused by later Commits; the copies handed out
// before, the records read after and a rewind's re-reads keep their bytes.
func TestReadCopyReuse(t *testing.T) {
	q, err := Open(t.TempDir(), Options{CheckpointEvery: 1 << 30})
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	payload := func(id uint64) []byte {
		return []byte(fmt.Sprintf("record %d %0*d", id, int(id%300), id))
	}
	var held []Record
	var next uint64
	check := func(recs []Record) {
		t.Helper()
		for _, r := range recs {
			if want := payload(r.ID); string(r.Data) != string(want) {
				t.Fatalf("id %d: %q, want %q", r.ID, r.Data, want)
			}
		}
	}
	for round := 0; round < 50; round++ {
		var batch [][]byte
		if round == 0 {
			next = q.next // the id Append assigns next
		}
		for range 40 + round {
			batch = append(batch, payload(next))
			next++
		}
		if d, err := q.AppendCommit(batch); d != 0 || err != nil {
			t.Fatalf("AppendCommit: %d dropped, %v", d, err)
		}
		recs, _, err := q.ReadCopy(nil, nil, 1000, nil)
		if err != nil {
			t.Fatal(err)
		}
		check(recs)
		held = append(held, recs...)
		if round%7 == 3 {
			// Acknowledge half, read the rest again.
			for _, r := range recs[:len(recs)/2] {
				_ = q.AckOne(r.ID)
			}
			q.Rewind()
			again, _, err := q.ReadCopy(nil, nil, 1000, nil)
			if err != nil {
				t.Fatal(err)
			}
			check(again)
		}
		for _, r := range recs {
			_ = q.AckOne(r.ID)
		}
	}
	check(held)
	if s := q.Stats(); s.Size != 0 || s.Enqueued != next-1 || len(held) != int(s.Enqueued) {
		t.Fatalf("stats %+v, appended up to %d, read %d", s, next-1, len(held))
	}
}

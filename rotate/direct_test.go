package rotate

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/haplog/haplog/internal/testkit"
)

// TestDirectWrite mixes small writes (buffered) with runs of whole lines at
// least BufferSize long (written without a copy when nothing waits ahead of
// them) and checks the file holds every byte once, in call order, across
// size rotations that fall inside the big runs.
func TestDirectWrite(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "d.log")
	w := mustNew(t, path, Options{BufferSize: 4096, MaxSize: 10000, Keep: 1000, Compress: NoCompression,
		FlushInterval: time.Hour})
	var want bytes.Buffer
	big := lines(300, "big")   // ~11 KiB: more than BufferSize and MaxSize
	small := lines(3, "small") // buffered
	for i := range 20 {
		var p []byte
		switch i % 3 {
		case 0:
			p = big
		case 1:
			p = small
		default:
			p = append(append([]byte(nil), small...), big...) // big run behind buffered data
		}
		if _, err := w.Write(p); err != nil {
			t.Fatal(err)
		}
		want.Write(p)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	got := numberedChain(t, path)
	if !bytes.Equal(got, want.Bytes()) {
		t.Fatalf("files hold %d bytes, want %d (first difference at %d)", len(got), want.Len(), firstDiff(got, want.Bytes()))
	}
	// Every file but the last is at most MaxSize and ends with a line.
	for k := 1; ; k++ {
		b, err := os.ReadFile(path + "." + strconv.Itoa(k))
		if err != nil {
			if k < 3 {
				t.Fatalf("only %d backups: size rotation inside direct writes did not happen", k-1)
			}
			break
		}
		if len(b) > 10000 || len(b) == 0 || b[len(b)-1] != '\n' {
			t.Errorf("backup %d: %d bytes, ends %q", k, len(b), b[max(0, len(b)-1):])
		}
	}
}

// TestDirectWriteFailureKeepsCopy fails a direct write (ENOSPC through a
// symlink to /dev/full), then overwrites the caller's slice: the unwritten
// data must have been kept as a copy and arrive intact once the file is
// writable again.
func TestDirectWriteFailureKeepsCopy(t *testing.T) {
	if _, err := os.Stat("/dev/full"); err != nil {
		t.Skip("no /dev/full")
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "full.log")
	if err := os.Symlink("/dev/full", path); err != nil {
		t.Skip(err)
	}
	w := mustNew(t, path, Options{FlushInterval: 2 * time.Millisecond, BufferSize: 1024, MaxBuffer: 1 << 20})
	p := lines(200, "direct")
	want := append([]byte(nil), p...)
	if n, err := w.Write(p); err != nil || n != len(p) {
		t.Fatalf("Write = %d, %v; want %d, nil (the data is kept for a retry)", n, err, len(p))
	}
	for i := range p {
		p[i] = 'X' // the caller reuses its buffer
	}
	if w.Stats().WriteErrors == 0 {
		t.Fatal("the failed write was not counted")
	}
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	testkit.WriteFile(t, path, "")
	testkit.Eventually(t, "recovery", func() bool { return w.Flush() == nil })
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(path); !bytes.Equal(got, want) {
		t.Fatalf("after recovery the file holds %d bytes, want %d (first difference at %d)", len(got), len(want), firstDiff(got, want))
	}
}

// BenchmarkWriteBig writes 256 KiB runs of whole lines, as syslogd hands
// over its batches.
func BenchmarkWriteBig(b *testing.B) {
	dir := b.TempDir()
	w, err := New(filepath.Join(dir, "b.log"), Options{MaxSize: 64 << 20, Keep: -1, Compress: NoCompression})
	if err != nil {
		b.Fatal(err)
	}
	var p []byte
	for len(p) < 256<<10 {
		p = append(p, lines(100, "bench")...)
	}
	b.SetBytes(int64(len(p)))
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if _, err := w.Write(p); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	_ = w.Close()
}

func firstDiff(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

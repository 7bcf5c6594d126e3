package rotate

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/haplog/haplog/internal/testfs"
	"github.com/haplog/haplog/internal/testkit"
)

func TestDailyRotationDateExt(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "haproxy.log")
	paris, _ := time.LoadLocation("Europe/Paris")
	clk := &fakeClock{t: time.Date(2026, 11, 21, 23, 59, 0, 0, paris)}
	w := mustNew(t, path, Options{Every: Daily, DateExt: true, FlushInterval: 2 * time.Millisecond, Now: clk.Now, Location: paris})
	w.Write([]byte("before midnight\n"))
	testkit.Eventually(t, "first flush", func() bool { b, _ := os.ReadFile(path); return len(b) > 0 })
	clk.Set(time.Date(2026, 11, 22, 0, 0, 0, 1, paris))
	testkit.Eventually(t, "midnight rotation", func() bool { return w.Stats().Rotations == 1 })
	w.Write([]byte("after midnight\n"))
	// a manual rotation on the same day gets a suffix
	clk.Set(time.Date(2026, 11, 22, 10, 0, 0, 0, paris))
	if err := w.Rotate(); err != nil {
		t.Fatal(err)
	}
	w.Write([]byte("second\n"))
	if err := w.Rotate(); err != nil {
		t.Fatal(err)
	}
	w.Write([]byte("third\n"))
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"haproxy.log-20261121":   "before midnight\n",
		"haproxy.log-20261122":   "after midnight\n",
		"haproxy.log-20261122.1": "second\n",
		"haproxy.log":            "third\n",
	}
	got := testfs.Names(t, dir)
	if len(got) != len(want) {
		t.Fatalf("files %v, want %d files", got, len(want))
	}
	for name, content := range want {
		if b, _ := os.ReadFile(filepath.Join(dir, name)); string(b) != content {
			t.Errorf("%s = %q, want %q", name, b, content)
		}
	}
}

func TestCatchUpRotationAtStart(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "x.log")
	os.WriteFile(path, []byte("old day\n"), 0o644)
	old := time.Date(2026, 11, 20, 15, 0, 0, 0, time.UTC)
	os.Chtimes(path, old, old)
	clk := &fakeClock{t: time.Date(2026, 11, 21, 8, 0, 0, 0, time.UTC)}
	w := mustNew(t, path, Options{Every: Daily, DateExt: true, Now: clk.Now, Location: time.UTC})
	w.Write([]byte("new day\n"))
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	wantContent(t, path+"-20261120", "old day\n")
	wantContent(t, path, "new day\n")
}

func TestRetentionAndCompression(t *testing.T) {
	for _, tc := range []struct {
		codec Codec
		delay bool
		want  []string
	}{
		{Gzip, false, []string{"h.log", "h.log.1.gz", "h.log.2.gz", "h.log.3.gz"}},
		{Gzip, true, []string{"h.log", "h.log.1", "h.log.2.gz", "h.log.3.gz"}},
		{Zstd, false, []string{"h.log", "h.log.1.zst", "h.log.2.zst", "h.log.3.zst"}},
		{NoCompression, false, []string{"h.log", "h.log.1", "h.log.2", "h.log.3"}},
	} {
		t.Run(fmt.Sprintf("%v-delay=%v", tc.codec, tc.delay), func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "h.log")
			w := mustNew(t, path, Options{Keep: 3, Compress: tc.codec, DelayCompress: tc.delay})
			for i := range 6 {
				fmt.Fprintf(w, "generation %d\n", i)
				if err := w.Rotate(); err != nil {
					t.Fatal(err)
				}
			}
			w.Write([]byte("current\n"))
			testkit.Eventually(t, "compression and retention", func() bool { return slices.Equal(testfs.Names(t, dir), tc.want) })
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			for k := 1; k <= 3; k++ {
				name := fmt.Sprintf("h.log.%d%s", k, tc.codec.Ext())
				if tc.delay && k == 1 {
					name = "h.log.1"
				}
				if got, want := string(readAny(t, filepath.Join(dir, name))), fmt.Sprintf("generation %d\n", 6-k); got != want {
					t.Errorf("%s = %q, want %q", name, got, want)
				}
			}
		})
	}
}

func TestKeepNoneAndMaxAge(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "k.log")
	w := mustNew(t, path, Options{Keep: -1, DateExt: true})
	w.Write([]byte("a\n"))
	w.Rotate()
	testkit.Eventually(t, "backup removed", func() bool { return slices.Equal(testfs.Names(t, dir), []string{"k.log"}) })
	w.Close()

	dir = t.TempDir()
	path = filepath.Join(dir, "m.log")
	old := time.Now().Add(-72 * time.Hour)
	for _, n := range []string{"m.log.1", "m.log.2.gz", "m.log.3"} {
		os.WriteFile(filepath.Join(dir, n), []byte("x\n"), 0o644)
	}
	os.Chtimes(filepath.Join(dir, "m.log.2.gz"), old, old)
	markPreviousRun(t, dir, "m.log.1", "m.log.2.gz", "m.log.3")
	w = mustNew(t, path, Options{MaxAge: 48 * time.Hour})
	// m.log.2.gz is too old, and m.log.3 is older still in rotation order
	testkit.Eventually(t, "age retention", func() bool { return slices.Equal(testfs.Names(t, dir), []string{"m.log", "m.log.1"}) })
	w.Close()
}

func TestCreateMode(t *testing.T) {
	old := syscallUmask(0o077)
	defer syscallUmask(old)
	dir := t.TempDir()
	path := filepath.Join(dir, "m.log")
	w := mustNew(t, path, Options{Mode: 0o640})
	w.Write([]byte("x\n"))
	w.Rotate()
	w.Close()
	for _, n := range []string{"m.log", "m.log.1"} {
		fi, _ := os.Stat(filepath.Join(dir, n))
		if fi.Mode().Perm() != 0o640 {
			t.Errorf("%s mode %v, want 0640", n, fi.Mode().Perm())
		}
	}
	// Mode 0: new files 0644, a rotated file's mode is kept
	path = filepath.Join(dir, "z.log")
	w, _ = New(path, Options{})
	fi, _ := os.Stat(path)
	if fi.Mode().Perm() != 0o644 {
		t.Errorf("new file mode %v, want 0644", fi.Mode().Perm())
	}
	os.Chmod(path, 0o600)
	w.Write([]byte("x\n"))
	w.Rotate()
	w.Close()
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Errorf("recreated file mode %v, want 0600 (copied)", fi.Mode().Perm())
	}
}

func TestNotIfEmpty(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "e.log")
	w, _ := New(path, Options{NotIfEmpty: true})
	if err := w.Rotate(); err != nil {
		t.Fatal(err)
	}
	w.Close()
	if got := testfs.Names(t, dir); !slices.Equal(got, []string{"e.log"}) {
		t.Fatalf("notifempty rotated an empty file: %v", got)
	}
	w, _ = New(path, Options{})
	w.Rotate()
	w.Close()
	if got := testfs.Names(t, dir); !slices.Equal(got, []string{"e.log", "e.log.1"}) {
		t.Fatalf("ifempty: %v", got)
	}
}

func TestReopenAndFollow(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "r.log")
	w := mustNew(t, path, Options{FlushInterval: 2 * time.Millisecond})
	w.Write([]byte("one\n"))
	w.Flush()
	os.Rename(path, path+".moved") // an outside tool rotated it
	w.Write([]byte("two\n"))
	if err := w.Reopen(); err != nil {
		t.Fatal(err)
	}
	w.Write([]byte("three\n"))
	w.Flush()
	os.Remove(path) // deleted under the writer: recreated within a tick
	testkit.Eventually(t, "recreated file", func() bool { _, err := os.Stat(path); return err == nil })
	w.Write([]byte("four\n"))
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	// "two", written after the rename, goes to the new file: the writer
	// checks the path before each batch write, and a renamed file may
	// already be in another program's hands.
	wantContent(t, path+".moved", "one\n")
	wantContent(t, path, "four\n")
}

// TestDiskFull writes through a symlink to /dev/full (ENOSPC), then replaces
// it with a regular file and checks that every accepted line arrives once.
func TestDiskFull(t *testing.T) {
	if _, err := os.Stat("/dev/full"); err != nil {
		t.Skip("no /dev/full")
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "full.log")
	if err := os.Symlink("/dev/full", path); err != nil {
		t.Skip(err)
	}
	w := mustNew(t, path, Options{FlushInterval: 2 * time.Millisecond, BufferSize: 1024, MaxBuffer: 4096})
	var accepted bytes.Buffer
	var full error
	for i := 0; full == nil && i < 10000; i++ {
		l := fmt.Appendf(nil, "line %05d\n", i)
		if _, err := w.Write(l); err != nil {
			full = err
			break
		}
		accepted.Write(l)
	}
	if full == nil || !strings.Contains(full.Error(), "no space") {
		t.Fatalf("want ErrBufferFull wrapping ENOSPC, got %v", full)
	}
	if err := w.Flush(); err == nil {
		t.Fatal("Flush reported no error with data pending")
	}
	if w.Stats().BytesRejected == 0 {
		t.Error("rejected bytes not counted")
	}
	os.Remove(path)
	os.WriteFile(path, nil, 0o644)
	testkit.Eventually(t, "recovery", func() bool { return w.Flush() == nil })
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(path); !bytes.Equal(b, accepted.Bytes()) {
		t.Fatalf("after recovery: %d bytes, want %d", len(b), accepted.Len())
	}
}

func TestNoGoroutineLeft(t *testing.T) {
	dir := t.TempDir()
	before := runtime.NumGoroutine()
	for i := range 10 {
		w, err := New(filepath.Join(dir, fmt.Sprintf("g%d.log", i)), Options{Every: Daily, Compress: Gzip, MaxSize: 300})
		if err != nil {
			t.Fatal(err)
		}
		w.Write(lines(20, "g"))
		w.Rotate()
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
	}
	testkit.Eventually(t, "goroutines to exit", func() bool { return runtime.NumGoroutine() <= before })
}

// TestConcurrentWritersRotations: every line exactly once, each writer's
// lines in order, while size and forced rotations run.
func TestConcurrentWritersRotations(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "c.log")
	w := mustNew(t, path, Options{MaxSize: 64 << 10, Compress: Gzip, Level: 1, FlushInterval: time.Millisecond, BufferSize: 4096})
	const writers, per = 8, 5000
	var wg sync.WaitGroup
	for g := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range per {
				if _, err := fmt.Fprintf(w, "w%d %06d\n", g, i); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	// rotate while the writers run, a bounded number of times: each backup
	// costs a compression and fsyncs
	for n := 0; n < 50; n++ {
		select {
		case <-done:
			n = 50
		default:
			if err := w.Rotate(); err != nil {
				t.Fatal(err)
			}
		}
	}
	<-done
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	all := numberedChain(t, path)
	next := make([]int, writers)
	for l := range bytes.Lines(all) {
		var g, i int
		if _, err := fmt.Sscanf(string(l), "w%d %d\n", &g, &i); err != nil {
			t.Fatalf("bad line %q", l)
		}
		if i != next[g] {
			t.Fatalf("writer %d: line %d, want %d", g, i, next[g])
		}
		next[g]++
	}
	for g, n := range next {
		if n != per {
			t.Errorf("writer %d: %d lines, want %d", g, n, per)
		}
	}
}

func TestStaleTempAndCrashLeftovers(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "s.log")
	os.WriteFile(path+".3.gz.tmp", []byte("half"), 0o644)                  // crash during compression
	os.WriteFile(path+".1.gz", testfs.Gzip([]byte("compressed\n")), 0o644) // crash after the rename...
	os.WriteFile(path+".1", []byte("compressed\n"), 0o644)                 // ...before removing the source
	os.WriteFile(path+".2", []byte("left plain\n"), 0o644)                 // compression never ran
	markPreviousRun(t, dir, "s.log.1.gz", "s.log.1", "s.log.2")
	w := mustNew(t, path, Options{Compress: Gzip})
	testkit.Eventually(t, "recovery", func() bool {
		return slices.Equal(testfs.Names(t, dir), []string{"s.log", "s.log.1.gz", "s.log.2.gz"})
	})
	w.Close()
	if b := readAny(t, path+".1.gz"); string(b) != "compressed\n" {
		t.Fatalf("%q", b)
	}
	if b := readAny(t, path+".2.gz"); string(b) != "left plain\n" {
		t.Fatalf("%q", b)
	}
}

package rotate

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/haplog/haplog/internal/testfs"
)

func TestWriteCloseContent(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a.log")
	w := mustNew(t, path, Options{})
	in := lines(1000, "a")
	for l := range bytes.Lines(in) {
		if _, err := w.Write(l); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(path)
	if !bytes.Equal(got, in) {
		t.Fatalf("content differs: got %d bytes, want %d", len(got), len(in))
	}
	if _, err := w.Write([]byte("x\n")); err == nil {
		t.Fatal("Write after Close succeeded")
	}
}

func TestPartialLineWaitsForNewline(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a.log")
	w := mustNew(t, path, Options{FlushInterval: -1})
	w.Write([]byte("one\ntw"))
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(path); string(got) != "one\n" {
		t.Fatalf("after Flush: %q", got)
	}
	if err := w.Rotate(); err != nil {
		t.Fatal(err)
	}
	w.Write([]byte("o\nthree"))
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	wantContent(t, path+".1", "one\n")
	wantContent(t, path, "two\nthree")
}

func TestSizeRotationNumbered(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "haproxy.log")
	w := mustNew(t, path, Options{MaxSize: 4096, BufferSize: 1000})
	in := lines(2000, "s")
	for l := range bytes.Lines(in) {
		w.Write(l)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	names := testfs.Names(t, dir)
	if len(names) < 10 {
		t.Fatalf("expected many backups, got %v", names)
	}
	for _, n := range names {
		fi, _ := os.Stat(filepath.Join(dir, n))
		if fi.Size() > 4096 {
			t.Errorf("%s is %d bytes > MaxSize", n, fi.Size())
		}
	}
	if got := numberedChain(t, path); !bytes.Equal(got, in) {
		t.Fatalf("lines lost or reordered: %d bytes vs %d", len(got), len(in))
	}
	if !slices.Contains(names, "haproxy.log.1") {
		t.Fatalf("no haproxy.log.1 in %v", names)
	}
}

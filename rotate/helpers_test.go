package rotate

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/haplog/haplog/internal/testfs"
	"github.com/klauspost/compress/zstd"
)

// mustNew opens a Writer on path with o, failing the test if it cannot.
func mustNew(t testing.TB, path string, o Options) *Writer {
	t.Helper()
	w, err := New(path, o)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// wantContent checks that the file at path holds want, listing the
// directory's files when it does not.
func wantContent(t *testing.T, path, want string) {
	t.Helper()
	if b, err := os.ReadFile(path); err != nil || string(b) != want {
		t.Errorf("%s = %q (%v), want %q; files %v", filepath.Base(path), b, err, want, testfs.Names(t, filepath.Dir(path)))
	}
}

// fakeClock is a settable clock for Options.Now.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

// readAny returns the content of a plain, .gz or .zst file, decoded with
// readers independent of the encoders under test where possible (stdlib gzip).
func readAny(t *testing.T, path string) []byte {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var r io.Reader = f
	switch filepath.Ext(path) {
	case ".gz":
		zr, err := gzip.NewReader(f)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		r = zr
	case ".zst":
		zr, err := zstd.NewReader(f)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		defer zr.Close()
		r = zr
	}
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return b
}

// numberedChain concatenates NAME.k (highest first) ... NAME.1, NAME.
func numberedChain(t *testing.T, path string) []byte {
	t.Helper()
	var out []byte
	for k := 1000; k >= 1; k-- {
		for _, ext := range []string{"", ".gz", ".zst"} {
			p := fmt.Sprintf("%s.%d%s", path, k, ext)
			if _, err := os.Stat(p); err == nil {
				out = append(out, readAny(t, p)...)
			}
		}
	}
	if b, err := os.ReadFile(path); err == nil {
		out = append(out, b...)
	}
	return out
}

func lines(n int, prefix string) []byte {
	var b bytes.Buffer
	for i := range n {
		fmt.Fprintf(&b, "%s line %06d %s\n", prefix, i, strings.Repeat("x", i%37))
	}
	return b.Bytes()
}

// markPreviousRun gives files the mark a Writer sets on its backups, as if
// an earlier run had made them (skips where the file system has no user
// extended attributes).
func markPreviousRun(t *testing.T, dir string, names ...string) {
	t.Helper()
	for _, n := range names {
		p := filepath.Join(dir, n)
		setXattr(p)
		if !hasXattr(p) {
			t.Skipf("%s: no user extended attributes here", p)
		}
	}
}

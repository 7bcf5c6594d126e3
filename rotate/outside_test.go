package rotate

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/haplog/haplog/internal/testfs"
	"github.com/haplog/haplog/internal/testkit"
)

// TestOutsideRotation: another program (logrotate, by hand) rotates the
// file the Writer writes. The Writer notices within a second and writes to
// the new file; every line is in exactly one file; the files the other
// program made are never renamed, compressed or removed, by the worker at
// start, after our own rotations or at Close.
func TestOutsideRotation(t *testing.T) {
	for _, tc := range []struct {
		name   string
		rotate func(t *testing.T, path string) // what the other program does
	}{
		{"rename", func(t *testing.T, path string) { mustRename(t, path, path+".1") }},
		{"rename-create", func(t *testing.T, path string) { // logrotate's `create`
			mustRename(t, path, path+".1")
			if err := os.WriteFile(path, nil, 0o640); err != nil {
				t.Fatal(err)
			}
		}},
		{"remove-recreate", func(t *testing.T, path string) {
			b, _ := os.ReadFile(path)
			os.WriteFile(path+".1", b, 0o644) // a copy, then the original goes
			os.Remove(path)
			os.WriteFile(path, nil, 0o644)
		}},
		{"copytruncate", func(t *testing.T, path string) { // logrotate's copytruncate
			b, _ := os.ReadFile(path)
			os.WriteFile(path+".1", b, 0o644)
			os.Truncate(path, 0)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "o.log")
			// What logrotate left from earlier runs (compress, delaycompress).
			os.WriteFile(path+".2.gz", testfs.Gzip([]byte("logrotate's\n")), 0o644)
			// Our own policy compresses and keeps 1: if the worker took
			// logrotate's files for ours, it would compress o.log.1 and
			// remove o.log.2.gz.
			w := mustNew(t, path, Options{Compress: Gzip, Keep: 1, FlushInterval: 20 * time.Millisecond})
			fmt.Fprintf(w, "before\n")
			w.Flush()
			tc.rotate(t, path)
			start := time.Now()
			fmt.Fprintf(w, "racing\n") // may land in either file, never in both
			testkit.Eventually(t, "reopen", func() bool {
				fmt.Fprintf(w, "probe\n")
				w.Flush()
				b, _ := os.ReadFile(path)
				return bytes.Contains(b, []byte("probe\n"))
			})
			if d := time.Since(start); d > time.Second {
				t.Errorf("reopened after %v, want within 1s", d)
			}
			fmt.Fprintf(w, "after\n")
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			if names := strings.Join(testfs.Names(t, dir), " "); names != "o.log o.log.1 o.log.2.gz" {
				t.Fatalf("files %q", names)
			}
			if b := readAny(t, path+".2.gz"); string(b) != "logrotate's\n" {
				t.Errorf("o.log.2.gz changed: %q", b)
			}
			old, _ := os.ReadFile(path + ".1")
			cur, _ := os.ReadFile(path)
			if !bytes.HasPrefix(old, []byte("before\n")) {
				t.Errorf("o.log.1 %q", old)
			}
			all := string(old) + string(cur)
			for _, l := range []string{"before\n", "racing\n", "after\n"} {
				n := strings.Count(all, l)
				if n == 0 && l == "racing\n" && tc.name == "remove-recreate" {
					continue // written to the deleted file before the reopen: gone with it
				}
				if n != 1 {
					t.Errorf("%q appears %d times in o.log.1 %q + o.log %q", l, strings.Count(all, l), old, cur)
				}
			}
			if !strings.HasSuffix(string(cur), "after\n") || strings.Contains(string(old), "after") {
				t.Errorf("after the reopen: o.log.1 %q, o.log %q", old, cur)
			}
		})
	}
}

// TestForeignBackupBlocksShift: with our own rotation and another program
// rotating the same file (a misconfiguration), our backup does not
// overwrite theirs: it keeps its pending name and the error is counted.
func TestForeignBackupBlocksShift(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "b.log")
	os.WriteFile(path+".1", []byte("theirs\n"), 0o644)
	w := mustNew(t, path, Options{Keep: 3})
	fmt.Fprintf(w, "ours\n")
	if err := w.Rotate(); err != nil {
		t.Fatal(err)
	}
	testkit.Eventually(t, "shift refused", func() bool { return w.Stats().BackgroundErrors > 0 })
	w.Close()
	wantContent(t, path+".1", "theirs\n")
	wantContent(t, path+".pending.1", "ours\n")
}

func mustRename(t *testing.T, from, to string) {
	t.Helper()
	if err := os.Rename(from, to); err != nil {
		t.Fatal(err)
	}
}

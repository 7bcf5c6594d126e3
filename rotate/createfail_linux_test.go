//go:build linux

package rotate

import (
	"bytes"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/haplog/haplog/internal/testfs"
	"github.com/haplog/haplog/internal/testkit"
)

// TestRotationCreateFailsKeepsOldFile: on a tmpfs with no inode left, the
// new log file cannot be created at rotation (ENOSPC from the kernel, root
// included). Nothing is dropped: the backup is renamed back, writing goes on
// in the old file, the error is logged; once an inode is free, the next
// rotation works.
func TestRotationCreateFailsKeepsOldFile(t *testing.T) {
	dir := t.TempDir()
	// nr_inodes=4: the root directory, the log file and two spares (the
	// extended attribute that marks our backups is charged to the same
	// budget: the second spare leaves room for it after the test frees
	// the first).
	if err := syscall.Mount("tmpfs", dir, "tmpfs", syscall.MS_NOSUID|syscall.MS_NODEV|syscall.MS_NOEXEC, "size=1m,nr_inodes=4,mode=0755"); err != nil {
		t.Skipf("cannot mount a tmpfs (needs CAP_SYS_ADMIN): %v", err)
	}
	t.Cleanup(func() { _ = syscall.Unmount(dir, syscall.MNT_DETACH) })
	path := filepath.Join(dir, "f.log")
	var logBuf testfs.LockedBuffer
	w := mustNew(t, path, Options{Keep: 2, FlushInterval: -1, Logger: slog.New(slog.NewTextHandler(&logBuf, nil))})
	defer w.Close()
	spare := filepath.Join(dir, "spare")
	for _, p := range []string{spare, spare + "2"} {
		if err := os.WriteFile(p, nil, 0o644); err != nil {
			t.Fatal(err) // takes the last inodes
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "one-more"), nil, 0o644); err == nil {
		t.Fatal("the tmpfs has more inodes than expected: the test would not test")
	}
	var want bytes.Buffer
	for i := range 3 {
		line := []byte(strings.Repeat("x", 10) + string(rune('a'+i)) + "\n")
		want.Write(line)
		if _, err := w.Write(line); err != nil {
			t.Fatal(err)
		}
		err := w.Rotate()
		if err == nil || !strings.Contains(err.Error(), "no space left") {
			t.Fatalf("rotation %d: want ENOSPC, got %v", i, err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(path); !bytes.Equal(b, want.Bytes()) {
		t.Fatalf("log file after failed rotations:\n%q\nwant\n%q", b, want.Bytes())
	}
	if names := testfs.Names(t, dir); strings.Join(names, " ") != "f.log spare spare2" {
		t.Fatalf("files %q", names)
	}
	if st := w.Stats(); st.RotateErrors != 3 {
		t.Errorf("RotateErrors %d, want 3", st.RotateErrors)
	}
	os.Remove(spare)
	os.Remove(spare + "2")
	w.Write([]byte("after\n"))
	if err := w.Rotate(); err != nil {
		t.Fatal(err)
	}
	w.Write([]byte("new file\n"))
	w.Flush()
	testkit.Eventually(t, "backup named", func() bool { _, err := os.Stat(path + ".1"); return err == nil })
	wantContent(t, path+".1", want.String()+"after\n")
	wantContent(t, path, "new file\n")
}

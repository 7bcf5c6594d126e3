package testfs

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// tmpfsMagic is TMPFS_MAGIC, statfs(2)'s f_type of a tmpfs.
const tmpfsMagic = 0x01021994

// TestMountTmpfs mounts a 64 KiB tmpfs and checks that it is one, of that
// size, with nosuid, nodev and noexec, that writing past its size fails
// with ENOSPC, and that cleanup unmounts it and removes the directory, also
// while a file in it is still open (the lazy unmount).
func TestMountTmpfs(t *testing.T) {
	for _, busy := range []bool{false, true} {
		name := map[bool]string{false: "idle", true: "busy"}[busy]
		t.Run(name, func(t *testing.T) {
			var dir string
			var held *os.File
			mounted := t.Run("mount", func(t *testing.T) {
				dir = MountTmpfs(t, "64k")
				var st syscall.Statfs_t
				if err := syscall.Statfs(dir, &st); err != nil {
					t.Fatal(err)
				}
				if st.Type != tmpfsMagic {
					t.Errorf("f_type %#x, want tmpfs (%#x)", st.Type, tmpfsMagic)
				}
				if size := int64(st.Blocks) * st.Bsize; size != 64<<10 {
					t.Errorf("size %d bytes, want %d", size, 64<<10)
				}
				// statfs(2)'s ST_NOSUID, ST_NODEV and ST_NOEXEC are the
				// mount flags' bits.
				want := int64(syscall.MS_NOSUID | syscall.MS_NODEV | syscall.MS_NOEXEC)
				if st.Flags&want != want {
					t.Errorf("flags %#x, want %#x set", st.Flags, want)
				}
				err := os.WriteFile(filepath.Join(dir, "big"), make([]byte, 128<<10), 0o644)
				if !errors.Is(err, syscall.ENOSPC) {
					t.Errorf("writing 128 KiB: %v, want ENOSPC", err)
				}
				if busy {
					f, err := os.Create(filepath.Join(dir, "held"))
					if err != nil {
						t.Fatal(err)
					}
					held = f
				}
			})
			if held != nil {
				defer held.Close()
			}
			if !mounted || dir == "" {
				t.Skip("not mounted")
			}
			if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("after cleanup, stat %s: %v, want it gone", dir, err)
			}
		})
	}
}

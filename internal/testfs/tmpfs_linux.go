package testfs

import (
	"syscall"
	"testing"
)

// MountTmpfs mounts a tmpfs of the given size (as mount(8) takes it:
// "256k", "2m") on a fresh t.TempDir, without setuid, device files or
// execution, and returns the directory. At cleanup it unmounts it, lazily
// (MNT_DETACH) if something still holds it, before the directory is
// removed. It skips t when the mount is not permitted.
func MountTmpfs(t testing.TB, size string) string {
	t.Helper()
	dir := t.TempDir()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", syscall.MS_NOSUID|syscall.MS_NODEV|syscall.MS_NOEXEC, "size="+size+",mode=0755"); err != nil {
		t.Skipf("cannot mount a %s tmpfs on %s (needs root or CAP_SYS_ADMIN): %v", size, dir, err)
	}
	// Registered after t.TempDir, so it runs before the directory is removed.
	t.Cleanup(func() {
		if err := syscall.Unmount(dir, 0); err != nil {
			if lerr := syscall.Unmount(dir, syscall.MNT_DETACH); lerr != nil {
				t.Errorf("unmount %s: %v; lazy unmount: %v", dir, err, lerr)
			}
		}
	})
	return dir
}

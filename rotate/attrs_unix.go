//go:build unix

package rotate

import (
	"os"
	"syscall"
)

// copyAttrs gives f the mode of fi and, best effort, its owner and group.
func copyAttrs(f *os.File, fi os.FileInfo) {
	_ = f.Chmod(fi.Mode().Perm())
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		if st.Uid != uint32(os.Geteuid()) || st.Gid != uint32(os.Getegid()) {
			_ = f.Chown(int(st.Uid), int(st.Gid))
		}
	}
}

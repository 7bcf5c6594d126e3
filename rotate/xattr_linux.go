package rotate

import "syscall"

// setXattr marks path as ours, best effort (ENOTSUP on some file systems).
func setXattr(path string) { _ = syscall.Setxattr(path, ownerXattr, []byte("1"), 0) }

func hasXattr(path string) bool {
	var b [8]byte
	_, err := syscall.Getxattr(path, ownerXattr, b[:])
	return err == nil
}

func removeXattr(path string) { _ = syscall.Removexattr(path, ownerXattr) }

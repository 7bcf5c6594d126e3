//go:build !linux

package testfs

import "testing"

// MountTmpfs skips t: mounting a tmpfs needs Linux.
func MountTmpfs(t testing.TB, size string) string {
	t.Helper()
	t.Skipf("cannot mount a %s tmpfs: needs Linux", size)
	return ""
}

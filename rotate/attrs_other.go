//go:build !unix

package rotate

import "os"

// copyAttrs gives f the mode of fi.
func copyAttrs(f *os.File, fi os.FileInfo) { _ = f.Chmod(fi.Mode().Perm()) }

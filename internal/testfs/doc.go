// Package testfs holds small helpers for tests that write files and logs:
//
//   - [MountTmpfs] mounts a size-limited tmpfs on a fresh temporary
//     directory, so that a test sees a real ENOSPC (with the kernel's
//     partial writes) that /dev/full cannot show. It unmounts at cleanup
//     and skips the test where the mount is not permitted (it needs root or
//     CAP_SYS_ADMIN) or not possible (on systems other than Linux it always
//     skips);
//   - [ReadFile] reads a file a test produced, gunzipping a ".gz" one
//     with the standard library, and [Names] lists a directory, both
//     failing the test on error; [Gzip] compresses as another program
//     would, for a backup a test lays down;
//   - [LockedBuffer] is an in-memory writer safe to read while other
//     goroutines write to it, e.g. the destination of a [log/slog] handler
//     whose records a test inspects while the code under test runs.
//
// The package imports "testing" only for [testing.TB]; it is meant for
// _test.go files and is internal to the module.
package testfs

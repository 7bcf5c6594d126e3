//go:build unix

package rotate

import "syscall"

func syscallUmask(m int) int { return syscall.Umask(m) }

//go:build !unix

package rotate

func syscallUmask(m int) int { return 0 }

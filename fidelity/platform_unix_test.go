//go:build unix

package fidelity

import (
	"os"
	"syscall"
)

// softStop is the signal that makes haproxy (and the proxy) stop
// listening, log "Proxy X stopped" and exit once idle.
func softStop() os.Signal { return syscall.SIGUSR1 }

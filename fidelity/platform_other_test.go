//go:build !unix

package fidelity

import "os"

// softStop: no SIGUSR1 here; an interrupt stops the process.
func softStop() os.Signal { return os.Interrupt }

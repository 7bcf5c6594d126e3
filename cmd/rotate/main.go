package main

import (
	"os"
	"os/signal"
	"syscall"
)

func main() {
	sig := make(chan os.Signal, 8)
	signal.Notify(sig, syscall.SIGUSR1, syscall.SIGHUP, syscall.SIGTERM, syscall.SIGINT)
	stdin := os.Stdin
	// A non-blocking stdin goes through Go's poller, so that SIGTERM can
	// interrupt a read with a deadline instead of abandoning a read buffer.
	if err := syscall.SetNonblock(0, true); err == nil {
		defer syscall.SetNonblock(0, false)
		stdin = os.NewFile(0, "/dev/stdin")
	}
	code := run(os.Args[1:], stdin, os.Stderr, sig)
	if code != 0 {
		syscall.SetNonblock(0, false)
	}
	os.Exit(code)
}

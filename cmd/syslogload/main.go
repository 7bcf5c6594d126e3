package main

import (
	"fmt"
	"io"
	"os"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintln(stderr, "usage: syslogload send|check|bench [flags] (-h for each)")
		return 2
	}
	switch args[0] {
	case "send":
		return cmdSend(args[1:], stdout, stderr)
	case "check":
		return cmdCheck(args[1:], stdout, stderr)
	case "bench":
		return cmdBench(args[1:], stdout, stderr)
	}
	fmt.Fprintf(stderr, "syslogload: unknown command %q (want send, check or bench)\n", args[0])
	return 2
}

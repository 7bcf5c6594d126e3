package main

import (
	"os"
	"time"

	"github.com/haplog/haplog/halog"
)

func main() {
	os.Exit(halog.Main(os.Args[1:], halog.Env{
		Stdin:    os.Stdin,
		Stdout:   os.Stdout,
		Stderr:   os.Stderr,
		Location: time.Local,
	}))
}

// Command halog is a drop-in, byte-identical and faster replacement for
// HAProxy 2.6's halog log analyser. It reads a log on stdin; see
// "halog -h" and the halog package documentation.
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

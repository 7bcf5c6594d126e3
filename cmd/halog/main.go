package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/haplog/haplog/halog"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	code := halog.Main(os.Args[1:], halog.Env{
		Stdin:    os.Stdin,
		Stdout:   os.Stdout,
		Stderr:   os.Stderr,
		Location: time.Local,
		Context:  ctx,
		// proxy/config's reader: the same parsing as the proxy's.
		ConfigFormat: formatFromConfig,
	})
	stop()
	os.Exit(code)
}

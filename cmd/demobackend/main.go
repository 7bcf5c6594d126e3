package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/haplog/haplog/internal/testbackend"
)

type multi []string

func (m *multi) String() string     { return strings.Join(*m, ",") }
func (m *multi) Set(v string) error { *m = append(*m, v); return nil }

func main() {
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	fs := flag.NewFlagSet("demobackend", flag.ContinueOnError)
	var httpSpecs, tcpSpecs multi
	fs.Var(&httpSpecs, "http", "NAME=ADDR: an HTTP origin named NAME (repeatable)")
	fs.Var(&tcpSpecs, "tcp", "MODE=ADDR: a TCP server, MODE echo|banner|silent|close (repeatable)")
	delay := fs.Duration("delay", 0, "default delay of the HTTP origins")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if len(httpSpecs)+len(tcpSpecs) == 0 {
		fmt.Fprintln(os.Stderr, "demobackend: nothing to serve; use -http NAME=ADDR or -tcp MODE=ADDR")
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	var wg sync.WaitGroup
	errs := make(chan error, len(httpSpecs)+len(tcpSpecs))
	start := func(spec string, serve func(net.Listener) error) bool {
		_, addr, _ := strings.Cut(spec, "=")
		l, err := net.Listen("tcp", addr)
		if err != nil {
			fmt.Fprintf(os.Stderr, "demobackend: %v\n", err)
			return false
		}
		wg.Add(1)
		go func() { defer wg.Done(); errs <- serve(l) }()
		return true
	}
	for _, s := range httpSpecs {
		name, _, ok := strings.Cut(s, "=")
		if !ok {
			fmt.Fprintf(os.Stderr, "demobackend: -http %q: want NAME=ADDR\n", s)
			return 2
		}
		h := &testbackend.HTTP{Name: name, Delay: *delay}
		if !start(s, func(l net.Listener) error { return h.Serve(ctx, l) }) {
			return 1
		}
	}
	modes := map[string]testbackend.TCPMode{"echo": testbackend.Echo, "banner": testbackend.Banner,
		"silent": testbackend.Silent, "close": testbackend.Close}
	for _, s := range tcpSpecs {
		m, _, _ := strings.Cut(s, "=")
		mode, ok := modes[m]
		if !ok {
			fmt.Fprintf(os.Stderr, "demobackend: -tcp %q: unknown mode %q\n", s, m)
			return 2
		}
		t := &testbackend.TCP{Mode: mode}
		if !start(s, func(l net.Listener) error { return t.Serve(ctx, l) }) {
			return 1
		}
	}
	code := 0
	select {
	case <-ctx.Done():
	case err := <-errs:
		fmt.Fprintf(os.Stderr, "demobackend: %v\n", err)
		code = 1
		stop()
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
	}
	return code
}

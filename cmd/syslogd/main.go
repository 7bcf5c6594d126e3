package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime/pprof"
	"strings"
	"syscall"
	"time"

	"github.com/haplog/haplog/rotate"
	"github.com/haplog/haplog/syslogd"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stderr))
}

// listFlag is a comma-separated list that remembers whether it was set.
type listFlag struct {
	set  bool
	vals []string
}

func (l *listFlag) String() string { return strings.Join(l.vals, ",") }

func (l *listFlag) Set(s string) error {
	l.set = true
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			l.vals = append(l.vals, v)
		}
	}
	return nil
}

func (l *listFlag) value() []string {
	if !l.set {
		return nil
	}
	if l.vals == nil {
		return []string{}
	}
	return l.vals
}

func run(args []string, stderr io.Writer) int {
	fs := flag.NewFlagSet("syslogd", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		conf     = fs.String("f", "", "rsyslog configuration file (required)")
		rotConf  = fs.String("rotate-config", "", "logrotate configuration giving the rotation policy of each file, re-read on SIGHUP (default: daily, rotate 90, compress)")
		metrics  = fs.String("metrics", "", "serve Prometheus metrics on this address (e.g. 127.0.0.1:9514)")
		readers  = fs.Int("readers", 0, "reader goroutines per UDP socket (0: one on 64-bit Linux, else one per CPU)")
		rcvbuf   = fs.Int("rcvbuf", 0, "UDP receive buffer in bytes (0: 32 MiB; -1: kernel default)")
		check    = fs.Bool("check", false, "check the configuration and exit")
		verbose  = fs.Bool("v", false, "log informational messages")
		cpuprof  = fs.String("cpuprofile", "", "write a CPU profile to this file until exit")
		udp, tcp listFlag
		unix     listFlag
	)
	fs.Var(&udp, "udp", "UDP listen addresses, comma-separated (overrides the config; \"\" disables)")
	fs.Var(&tcp, "tcp", "TCP listen addresses, comma-separated (overrides the config; \"\" disables)")
	fs.Var(&unix, "unix", "unix datagram socket paths, comma-separated (overrides the config; \"\" disables)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *conf == "" {
		fmt.Fprintln(stderr, "syslogd: -f CONFIG is required")
		fs.Usage()
		return 2
	}
	level := slog.LevelWarn
	if *verbose {
		level = slog.LevelInfo
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))

	if *rotConf != "" {
		// Checked now, so that a bad file stops the start (and -check).
		rc, err := rotate.LoadConfig(*rotConf)
		if err != nil {
			fmt.Fprintln(stderr, "syslogd:", err)
			return 1
		}
		if *check {
			for _, w := range rc.Warnings {
				fmt.Fprintln(stderr, "warning: rotate config:", w)
			}
		}
	}
	if *check {
		cfg, err := syslogd.LoadConfig(*conf)
		if err != nil {
			fmt.Fprintln(stderr, "syslogd:", err)
			return 1
		}
		for _, w := range cfg.Warnings {
			fmt.Fprintln(stderr, "warning:", w)
		}
		fmt.Fprintf(stderr, "%s: %d inputs, %d rules: OK\n", *conf, len(cfg.Inputs), len(cfg.Rules))
		return 0
	}
	s, err := syslogd.New(syslogd.Options{
		ConfigPath: *conf, UDP: udp.value(), TCP: tcp.value(), Unix: unix.value(),
		RotateConfig: *rotConf, Readers: *readers, RcvBuf: *rcvbuf, Logger: log,
	})
	if err != nil {
		fmt.Fprintln(stderr, "syslogd:", err)
		return 1
	}
	u, t, x := s.Addrs()
	log.Info("started", "udp", fmt.Sprint(u), "tcp", fmt.Sprint(t), "unix", fmt.Sprint(x), "files", len(s.Paths()))

	if *cpuprof != "" {
		f, err := os.Create(*cpuprof)
		if err != nil {
			fmt.Fprintln(stderr, "syslogd:", err)
			return 1
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintln(stderr, "syslogd:", err)
			return 1
		}
		defer func() { pprof.StopCPUProfile(); _ = f.Close() }()
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	if *metrics != "" {
		l, err := net.Listen("tcp", *metrics)
		if err != nil {
			fmt.Fprintln(stderr, "syslogd: metrics:", err)
			return 1
		}
		srv := &http.Server{Handler: s.MetricsHandler(), ReadHeaderTimeout: 5 * time.Second}
		go func() { _ = srv.Serve(l) }()
		defer srv.Close()
	}
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case <-hup:
				if err := s.Reload(); err != nil {
					log.Error("reload failed; the previous configuration stays in force", "err", err)
				} else {
					log.Info("reloaded", "files", len(s.Paths()))
				}
			}
		}
	}()
	if err := s.Run(ctx); err != nil && !errors.Is(err, context.Canceled) {
		fmt.Fprintln(stderr, "syslogd:", err)
		return 1
	}
	return 0
}

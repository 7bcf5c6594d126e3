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
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/haplog/haplog/internal/sdnotify"
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
		rotConf  = fs.String("rotate-config", "", "logrotate configuration giving the rotation policy of each file, re-read on SIGUSR2 (default: daily, rotate 90, compress)")
		pidFile  = fs.String("i", "", "write the process id to this file once listening, remove it at exit (rsyslogd's -i; \"NONE\" or \"\": no pid file)")
		metrics  = fs.String("metrics", "", "serve Prometheus metrics on this address (e.g. 127.0.0.1:9514)")
		readers  = fs.Int("readers", 0, "reader goroutines per UDP socket (0: one on 64-bit Linux, else one per CPU)")
		rcvbuf   = fs.Int("rcvbuf", 0, "UDP receive buffer in bytes (0: 32 MiB; -1: kernel default)")
		check    = fs.Bool("check", false, "check the configuration and exit")
		verbose  = fs.Bool("v", false, "log informational messages")
		cpuprof  = fs.String("cpuprofile", "", "write a CPU profile to this file until exit")
		noRotate = fs.Bool("no-rotate", false, "never rotate, compress or remove: an outside logrotate rotates the files, syslogd only follows them (reopens a file renamed, removed or truncated within a second)")
		_        = fs.Bool("n", false, "run in the foreground (rsyslogd's -n; always the case, accepted for rsyslogd command lines)")
		udp, tcp listFlag
		unix     listFlag
	)
	fs.Var(&udp, "udp", "UDP listen addresses, comma-separated (overrides the config; \"\" disables)")
	fs.Var(&tcp, "tcp", "TCP listen addresses, comma-separated (overrides the config; \"\" disables)")
	fs.Var(&unix, "unix", "unix datagram socket paths, comma-separated (overrides the config; \"\" disables)")
	if err := fs.Parse(rsyslogdArgs(args)); err != nil {
		return 2
	}
	if *noRotate && *rotConf != "" {
		fmt.Fprintln(stderr, "syslogd: -no-rotate and -rotate-config exclude each other")
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
				fmt.Fprintln(stderr, "rotate config:", w)
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
			fmt.Fprintln(stderr, w)
		}
		if cfg.Process != (syslogd.Process{}) {
			fmt.Fprintf(stderr, "%s: once bound: %s\n", *conf, cfg.Process)
		}
		fmt.Fprintf(stderr, "%s: %d inputs, %d rules: OK\n", *conf, len(cfg.Inputs), len(cfg.Rules))
		return 0
	}
	usePid := *pidFile != "" && *pidFile != "NONE"
	if usePid {
		if err := checkPidFile(*pidFile); err != nil {
			fmt.Fprintln(stderr, "syslogd:", err)
			return 1
		}
	}
	passed, err := sdnotify.Listeners() // systemd socket activation
	if err != nil {
		fmt.Fprintln(stderr, "syslogd:", err)
		return 1
	}
	s, err := syslogd.New(syslogd.Options{
		ConfigPath: *conf, UDP: udp.value(), TCP: tcp.value(), Unix: unix.value(),
		RotateConfig: *rotConf, Readers: *readers, RcvBuf: *rcvbuf, Logger: log,
		Rotation: rotation(*noRotate), Listeners: passed,
	})
	if err != nil {
		fmt.Fprintln(stderr, "syslogd:", err)
		return 1
	}
	if usePid {
		if err := writePidFile(*pidFile); err != nil {
			fmt.Fprintln(stderr, "syslogd:", err)
			return 1
		}
		defer removePidFile(*pidFile)
	}
	// Every socket is bound: drop privileges as the configuration asks
	// (files are opened at their first line, as the new user).
	if err := applyProcess(s.Process(), log); err != nil {
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
	// Signals as rsyslogd: HUP closes and reopens the files (a logrotate
	// postrotate script), it does not re-read the configuration (rsyslogd
	// cannot). Ours: USR1 rotates every file in process, USR2 re-reads
	// the rsyslog and logrotate configurations (Server.Reload).
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGHUP, syscall.SIGUSR1, syscall.SIGUSR2)
	defer signal.Stop(sigs)
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case sig := <-sigs:
				handleSignal(sig, s, log, *noRotate)
			}
		}
	}()
	// Under systemd (Type=notify): ready once the sockets are bound,
	// stopping when asked to end. Not under systemd: nothing is sent.
	notify(log, sdnotify.Ready(os.Getpid()))
	go func() {
		<-ctx.Done()
		notify(log, sdnotify.Stopping)
	}()
	if err := s.Run(ctx); err != nil && !errors.Is(err, context.Canceled) {
		fmt.Fprintln(stderr, "syslogd:", err)
		return 1
	}
	return 0
}

// notify sends state to systemd's NOTIFY_SOCKET when it is set.
func notify(log *slog.Logger, state string) {
	if err := sdnotify.Notify(state); err != nil && !errors.Is(err, sdnotify.ErrNoSocket) {
		log.Warn("sd_notify failed", "err", err)
	}
}

// handleSignal does what sig asks of the running server.
func handleSignal(sig os.Signal, s *syslogd.Server, log *slog.Logger, noRotate bool) {
	switch sig {
	case syscall.SIGHUP:
		if err := s.Reopen(); err != nil {
			log.Error("SIGHUP: reopen failed", "err", err)
		} else {
			log.Info("SIGHUP: files reopened", "files", len(s.Paths()))
		}
	case syscall.SIGUSR1:
		if noRotate {
			log.Warn("SIGUSR1 ignored: -no-rotate leaves rotation to another program")
			return
		}
		if err := s.Rotate(); err != nil {
			log.Error("SIGUSR1: rotation failed", "err", err)
		} else {
			log.Info("SIGUSR1: files rotated")
		}
	case syscall.SIGUSR2:
		// systemd sees the reload begin and end (READY=1 also after a
		// failed one: the previous configuration keeps serving).
		notify(log, sdnotify.Reloading)
		defer notify(log, sdnotify.Ready(os.Getpid()))
		if err := s.Reload(); err != nil {
			log.Error("SIGUSR2: reload failed; the previous configuration stays in force", "err", err)
		} else {
			log.Info("SIGUSR2: reloaded", "files", len(s.Paths()))
		}
	}
}

// checkPidFile refuses, as rsyslogd, a pid file naming another process
// that is still running (checked before anything is bound).
func checkPidFile(path string) error {
	if b, err := os.ReadFile(path); err == nil {
		if pid, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil && pid > 0 && pid != os.Getpid() {
			if err := syscall.Kill(pid, 0); err == nil || errors.Is(err, syscall.EPERM) {
				return fmt.Errorf("pid file %s names process %d, which is running: another instance? (use -i with another file)", path, pid)
			}
		}
	}
	return nil
}

// writePidFile writes our pid to path (via a temporary file and a rename,
// so that a reader never sees it half written).
func writePidFile(path string) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(strconv.Itoa(os.Getpid())+"\n"), 0o644); err != nil {
		return fmt.Errorf("pid file: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("pid file: %w", err)
	}
	return nil
}

// removePidFile removes path if it still holds our pid.
func removePidFile(path string) {
	b, err := os.ReadFile(path)
	if err == nil && strings.TrimSpace(string(b)) == strconv.Itoa(os.Getpid()) {
		os.Remove(path)
	}
}

// rotation is the policy of -no-rotate (nil otherwise: -rotate-config or
// the default). The zero rotate.Options never rotates, compresses or
// removes anything; the Writer still follows a file another program
// renamed, removed or truncated.
func rotation(none bool) syslogd.RotationFunc {
	if !none {
		return nil
	}
	return func(string) rotate.Options { return rotate.Options{} }
}

// rsyslogdArgs rewrites the forms of rsyslogd's command line that Go's
// flag package reads differently: "-iPIDFILE" (Debian's unit runs
// `rsyslogd -n -iNONE`) becomes "-i PIDFILE", and rsyslogd's
// configuration check "-N1" (or "-N 1") becomes -check.
func rsyslogdArgs(args []string) []string {
	out := make([]string, 0, len(args))
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			return append(out, args[i:]...)
		case len(a) > 2 && strings.HasPrefix(a, "-i") && !strings.HasPrefix(a, "-i=") && a[2] != '-':
			out = append(out, "-i", a[2:])
		case len(a) == 3 && strings.HasPrefix(a, "-N") && a[2] >= '0' && a[2] <= '9':
			out = append(out, "-check")
		case a == "-N" && i+1 < len(args) && len(args[i+1]) == 1 && args[i+1][0] >= '0' && args[i+1][0] <= '9':
			out = append(out, "-check")
			i++
		default:
			out = append(out, a)
		}
	}
	return out
}

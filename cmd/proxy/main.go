package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/haplog/haplog/internal/diag"
	"github.com/haplog/haplog/proxy"
	"github.com/haplog/haplog/proxy/config"
)

// version is reported by -v.
const version = "haplog proxy (HAProxy 2.6 compatible subset)"

type options struct {
	files      []string
	check      bool
	quiet      bool
	daemon     bool
	pidfile    string
	softPIDs   []int
	hardPIDs   []int
	showVer    bool
	notes      []string
	foreground bool
	// masterWorker is set by -W/-Ws, zeroWarning by -dW.
	masterWorker bool
	zeroWarning  bool
	// systemd is -Ws: the master sends sd_notify messages.
	systemd bool
}

func main() {
	exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// killedBy is the signal (SIGTERM, SIGINT) that hard-stopped a process
// outside master-worker mode; 0 otherwise.
var killedBy atomic.Int32

// exit ends the process with code or, after a hard stop by signal, by
// that signal: haproxy 2.6 -db dies of SIGTERM/SIGINT (its parent sees
// "killed by signal 15", not an exit status; measured), so supervisors
// and shells see the same end. serve's deferred cleanups (pid file) have
// run by then.
func exit(code int) {
	if sig := syscall.Signal(killedBy.Load()); sig != 0 {
		signal.Reset(sig)
		syscall.Kill(os.Getpid(), sig)
		time.Sleep(time.Second) // the default action ends the process first
		code = 128 + int(sig)
	}
	os.Exit(code)
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "Usage : proxy [-f <cfgfile>]* [ -vdV] [ -D ] [ -W ] [ -Ws ] [ -q ] [-c] [ -p <pidfile> ] [ -sf <pidlist>* ] [ -st <pidlist>* ]")
}

// parseArgs reads HAProxy's command line. -sf and -st take every following
// numeric argument as a pid.
func parseArgs(args []string) (*options, error) {
	o := &options{}
	for i := 0; i < len(args); i++ {
		a := args[i]
		next := func() (string, error) {
			if i+1 >= len(args) {
				return "", fmt.Errorf("option %s requires an argument", a)
			}
			i++
			return args[i], nil
		}
		switch a {
		case "-f":
			v, err := next()
			if err != nil {
				return nil, err
			}
			o.files = append(o.files, v)
		case "--":
			o.files = append(o.files, args[i+1:]...)
			i = len(args)
		case "-c":
			o.check = true
		case "-q":
			o.quiet = true
		case "-db":
			o.foreground = true
		case "-D":
			o.daemon = true
		case "-W", "-Ws":
			o.masterWorker = true
			o.systemd = o.systemd || a == "-Ws"
		case "-dW":
			o.zeroWarning = true
		case "-p":
			v, err := next()
			if err != nil {
				return nil, err
			}
			o.pidfile = v
		case "-sf", "-st":
			for i+1 < len(args) {
				pid, err := strconv.Atoi(args[i+1])
				if err != nil {
					break
				}
				i++
				if a == "-sf" {
					o.softPIDs = append(o.softPIDs, pid)
				} else {
					o.hardPIDs = append(o.hardPIDs, pid)
				}
			}
		case "-v", "-vv", "-V":
			o.showVer = a != "-V"
		case "-N", "-n":
			o.notes = append(o.notes, "option "+a+" ignored")
			if a == "-N" || a == "-n" {
				if _, err := next(); err != nil {
					return nil, err
				}
			}
		default:
			if strings.HasPrefix(a, "-") {
				return nil, fmt.Errorf("unknown option '%s'", a)
			}
			o.files = append(o.files, a)
		}
	}
	return o, nil
}

func alertf(w io.Writer, format string, args ...any) {
	fmt.Fprintf(w, "[ALERT]    (%d) : "+format+"\n", append([]any{os.Getpid()}, args...)...)
}

func notef(w io.Writer, format string, args ...any) {
	fmt.Fprintf(w, "[NOTICE]   (%d) : "+format+"\n", append([]any{os.Getpid()}, args...)...)
}

func run(args []string, stdout, stderr io.Writer) int {
	o, err := parseArgs(args)
	if err != nil {
		alertf(stderr, "%v", err)
		usage(stderr)
		return 1
	}
	if o.showVer {
		fmt.Fprintln(stdout, version)
		return 0
	}
	if len(o.files) == 0 {
		alertf(stderr, "No configuration file specified.")
		usage(stderr)
		return 1
	}
	if o.check {
		return checkConfig(o, stdout, stderr)
	}
	// A worker of a master, or a daemon's child, re-reads a configuration
	// whose warnings were already printed.
	wc, inherited, err := inheritWorker()
	if err != nil {
		alertf(stderr, "%v", err)
		return 1
	}
	daemonReady := daemonChild()
	silent := o.quiet || wc != nil || daemonReady != nil
	cfg, ok := loadConfig(o, stderr, silent)
	if !ok {
		return 1
	}
	if !silent {
		for _, n := range o.notes {
			notef(stderr, "%s", n)
		}
	}
	if wc != nil {
		return serve(cfg, o, stderr, &serveHooks{worker: wc, inherited: inherited})
	}
	if o.pidfile == "" {
		o.pidfile = cfg.Global.PidFile
	}
	daemon := !o.foreground && (o.daemon || cfg.Global.Daemon)
	if daemon && daemonReady == nil {
		return daemonize(args, stderr)
	}
	if o.masterWorker || cfg.Global.MasterWorker {
		return runMaster(o, args, stderr, daemonReady)
	}
	return serve(cfg, o, stderr, &serveHooks{ready: daemonReady})
}

// loadConfig parses the configuration and asks the runtime for its
// verdict. Fatal diagnostics are always printed; warnings unless silent.
func loadConfig(o *options, stderr io.Writer, silent bool) (*config.Config, bool) {
	cfg, err := config.Options{ZeroWarning: o.zeroWarning}.Parse(o.files...)
	if err != nil {
		// Every diagnostic on its own line in HAProxy's layout, as -c.
		config.CheckOptions{PID: os.Getpid(), Options: config.Options{ZeroWarning: o.zeroWarning}}.Check(io.Discard, stderr, o.files)
		return nil, false
	}
	rt := proxy.Validate(cfg)
	if hasLevel(rt, diag.Error) {
		for _, d := range rt {
			writeDiag(stderr, d)
		}
		alertf(stderr, "Fatal errors found in configuration.")
		return nil, false
	}
	if o.zeroWarning && hasLevel(rt, diag.Warning) {
		for _, d := range rt {
			writeDiag(stderr, d)
		}
		alertf(stderr, "Some warnings were found and 'zero-warning' is set. Aborting.")
		return nil, false
	}
	if !silent {
		for _, d := range cfg.Warnings {
			writeDiag(stderr, d)
		}
		for _, d := range rt {
			writeDiag(stderr, d)
		}
	}
	return cfg, true
}

// checkConfig is "-c": the configuration package's check (HAProxy's
// messages, layout and exit statuses), completed by the runtime's own
// verdict on what it cannot do (proxy.Validate).
func checkConfig(o *options, stdout, stderr io.Writer) int {
	co := config.CheckOptions{Quiet: o.quiet, PID: os.Getpid(), MasterWorker: o.masterWorker,
		Options: config.Options{ZeroWarning: o.zeroWarning}}
	var out, errs bytes.Buffer
	rc := co.Check(&out, &errs, o.files)
	if rc == 1 {
		stdout.Write(out.Bytes())
		stderr.Write(errs.Bytes())
		return rc
	}
	// The files parsed cleanly: ask the runtime.
	var rt []*config.Diag
	if cfg, err := co.Options.Parse(o.files...); err == nil {
		rt = proxy.Validate(cfg)
	}
	if o.quiet {
		stderr = io.Discard
		stdout = io.Discard
	}
	stderr.Write(errs.Bytes())
	for _, d := range rt {
		writeDiag(stderr, d)
	}
	switch {
	case hasLevel(rt, diag.Error):
		alertf(stderr, "config : Fatal errors found in configuration.")
		return 1
	case o.zeroWarning && hasLevel(rt, diag.Warning):
		alertf(stderr, "config : Some warnings were found and 'zero-warning' is set. Aborting.")
		return 1
	}
	verdict := out.Bytes()
	if hasLevel(rt, diag.Warning) && !bytes.HasPrefix(verdict, []byte("Warnings were found.")) {
		fmt.Fprintln(stdout, "Warnings were found.")
	}
	stdout.Write(verdict)
	return rc
}

func hasLevel(ds []*config.Diag, s diag.Severity) bool {
	for _, d := range ds {
		if d.Severity == s {
			return true
		}
	}
	return false
}

// writeDiag prints a diagnostic in HAProxy's layout.
func writeDiag(w io.Writer, d *config.Diag) {
	diag.WriteHAProxy(w, os.Getpid(), d)
}

// serveHooks adapt serve to the process model: a master's worker gets
// its listening sockets from the previous worker and reports to the
// master; a daemon's child tells its parent once it serves.
type serveHooks struct {
	worker    *workerControl
	inherited map[string]net.Listener
	ready     func()
}

func serve(cfg *config.Config, o *options, stderr io.Writer, h *serveHooks) int {
	// Descriptors first, as HAProxy: "Cannot raise FD limit" is fatal.
	if err := proxy.RaiseFDLimit(cfg); err != nil {
		alertf(stderr, "%v", err)
		return 1
	}
	logger := slog.New(proxy.NewStderrHandler(stderr, os.Getpid(), slog.LevelWarn))
	opts := proxy.Options{Logger: logger, Inherited: h.inherited}
	if !o.quiet {
		opts.Stderr = stderr
	}
	p, err := proxy.New(cfg, opts)
	if err != nil {
		alertf(stderr, "%v", err)
		return 1
	}
	if err := p.Listen(); err != nil {
		alertf(stderr, "Starting %v", err)
		return 1
	}
	// Sockets handed over but no longer in the configuration.
	for _, l := range h.inherited {
		l.Close()
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGUSR1, syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP)
	defer signal.Stop(sigs)
	if h.worker != nil {
		// Bound: chroot and drop privileges as HAProxy's workers do.
		if err := proxy.DropPrivileges(&cfg.Global, stderr); err != nil {
			alertf(stderr, "%v", err)
			return 1
		}
		if err := h.worker.ready(p); err != nil {
			alertf(stderr, "%v", err)
			return 1
		}
		gone := h.worker.masterGone()
		go func() {
			<-gone
			cancel()
		}()
	} else {
		if o.pidfile != "" {
			if err := os.WriteFile(o.pidfile, []byte(strconv.Itoa(os.Getpid())+"\n"), 0o644); err != nil {
				alertf(stderr, "cannot create pidfile %s: %v", o.pidfile, err)
				return 1
			}
			defer removePidfile(o.pidfile)
		}
		// Bound and pid file written: chroot and drop privileges as HAProxy.
		if err := proxy.DropPrivileges(&cfg.Global, stderr); err != nil {
			alertf(stderr, "%v", err)
			return 1
		}
		// Listening: now ask the previous process to leave.
		for _, pid := range o.softPIDs {
			syscall.Kill(pid, syscall.SIGUSR1)
		}
		for _, pid := range o.hardPIDs {
			syscall.Kill(pid, syscall.SIGTERM)
		}
		if h.ready != nil {
			h.ready()
		}
	}
	var terminated atomic.Bool
	go func() {
		for sig := range sigs {
			switch sig {
			case syscall.SIGUSR1:
				p.SoftStop()
				if d := cfg.Global.HardStopAfter; d > 0 {
					time.AfterFunc(d, cancel)
				}
			case syscall.SIGHUP:
				// HAProxy dumps server states; nothing to reopen here.
			default:
				terminated.Store(sig == syscall.SIGTERM)
				if h.worker == nil {
					killedBy.Store(int32(sig.(syscall.Signal)))
				}
				cancel()
			}
		}
	}()
	if err := p.Serve(ctx); err != nil {
		alertf(stderr, "%v", err)
		return 1
	}
	if h.worker != nil && terminated.Load() {
		// haproxy's worker ends on SIGTERM; its master reports code 143.
		return 128 + int(syscall.SIGTERM)
	}
	return 0
}

// removePidfile removes path if it still holds our pid: after a reload
// with -sf the file already names the new process.
func removePidfile(path string) {
	if b, err := os.ReadFile(path); err == nil && strings.TrimSpace(string(b)) == strconv.Itoa(os.Getpid()) {
		os.Remove(path)
	}
}

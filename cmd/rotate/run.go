package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/haplog/haplog/rotate"
)

// run is the whole command, with its inputs injected for tests.
func run(args []string, stdin io.Reader, stderr io.Writer, sig <-chan os.Signal) int {
	path, opts, code := parseArgs(args, stderr)
	if code >= 0 {
		return code
	}
	w, err := rotate.New(path, opts)
	if err != nil {
		fmt.Fprintf(stderr, "rotate: %v\n", err)
		return 2
	}
	log := opts.Logger
	done := make(chan error, 1)
	var stopping sync.Mutex // held by the copier while it owns a read buffer
	go func() { done <- copyLines(w, stdin, &stopping, log) }()
	for {
		select {
		case err := <-done:
			return finish(w, err, stderr)
		case s := <-sig:
			switch s {
			case syscall.SIGUSR1:
				// Off this loop: a rotation with logrotate scripts
				// takes as long as they do, and SIGTERM must not wait.
				go func() {
					if err := w.Rotate(); err != nil && !errors.Is(err, rotate.ErrClosed) {
						log.Error("rotate: rotation failed", "err", err)
					}
				}()
			case syscall.SIGHUP:
				if err := w.Reopen(); err != nil {
					log.Error("rotate: reopen failed", "err", err)
				}
			default:
				return finish(w, stop(stdin, done, &stopping), stderr)
			}
		}
	}
}

// stop ends the copy on SIGTERM/SIGINT. With a pollable stdin, a read
// deadline wakes the copier, which hands over what it read; otherwise the
// copier is stopped between two reads.
func stop(stdin io.Reader, done chan error, stopping *sync.Mutex) error {
	if f, ok := stdin.(*os.File); ok && f.SetReadDeadline(time.Now()) == nil {
		return <-done
	}
	stopping.Lock() // the copier is between reads; it never gets the lock back
	return nil
}

// copyLines copies stdin to w until EOF. When w refuses data because the
// file is not writable, it waits and retries, so the producer is slowed down
// by the pipe instead of losing lines.
func copyLines(w *rotate.Writer, r io.Reader, stopping *sync.Mutex, log *slog.Logger) error {
	buf := make([]byte, 64<<10)
	for {
		n, err := r.Read(buf)
		stopping.Lock()
		for p := buf[:n]; len(p) > 0; {
			if _, werr := w.Write(p); werr != nil {
				if !errors.Is(werr, rotate.ErrBufferFull) {
					stopping.Unlock()
					return werr
				}
				log.Error("rotate: file not writable, waiting", "err", werr)
				time.Sleep(100 * time.Millisecond) // back-pressure on the producer
				continue
			}
			p = nil
		}
		stopping.Unlock()
		switch {
		case errors.Is(err, io.EOF), errors.Is(err, os.ErrDeadlineExceeded):
			return nil
		case err != nil:
			return fmt.Errorf("read standard input: %w", err)
		}
	}
}

func finish(w *rotate.Writer, err error, stderr io.Writer) int {
	cerr := w.Close()
	if err = errors.Join(err, cerr); err != nil {
		fmt.Fprintf(stderr, "rotate: %v\n", err)
		return 1
	}
	return 0
}

// parseArgs returns the file, its options, and -1, or an exit code.
func parseArgs(args []string, stderr io.Writer) (string, rotate.Options, int) {
	fs := flag.NewFlagSet("rotate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: producer | rotate [flags] FILE\n\nSIGUSR1 rotates, SIGHUP reopens, SIGTERM or end of input flush and exit.\n\n")
		fs.PrintDefaults()
	}
	var (
		hourly   = fs.Bool("hourly", false, "rotate at the top of every hour")
		daily    = fs.Bool("daily", false, "rotate at local midnight")
		weekly   = fs.Bool("weekly", false, "rotate at midnight starting Sunday")
		monthly  = fs.Bool("monthly", false, "rotate at midnight on the 1st")
		size     = fs.String("size", "", "rotate before the file exceeds `SIZE` (100k, 100M, 1G)")
		keep     = fs.Int("keep", 0, "backups to keep (0: all, -1: none)")
		maxAge   = fs.Int("maxage", 0, "remove backups older than `DAYS` (0: no limit)")
		codec    = fs.String("compress", "none", "compression of backups: gzip, zstd or none")
		level    = fs.Int("level", 0, "compression level (0: gzip 5, zstd 1)")
		threads  = fs.Int("threads", 0, "goroutines compressing one backup (0: half the cores, 1 to 4)")
		delay    = fs.Bool("delaycompress", false, "leave the newest backup uncompressed")
		dateExt  = fs.Bool("dateext", false, "name backups FILE-YYYYMMDD instead of FILE.1")
		dateFmt  = fs.String("dateformat", "", "dateext `FORMAT` (default -%Y%m%d, hourly -%Y%m%d%H)")
		mode     = fs.String("mode", "", "octal `MODE` of created files (default 0644)")
		notEmpty = fs.Bool("notifempty", false, "do not rotate an empty file")
		flush    = fs.Duration("flush", 0, "flush interval (default 200ms; negative: every line)")
		utc      = fs.Bool("utc", false, "use UTC for period boundaries and backup dates")
		config   = fs.String("config", "", "logrotate `FILE` giving the options for the log file; flags override it")
		verbose  = fs.Bool("v", false, "log rotations and compressions to standard error")
	)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return "", rotate.Options{}, 0
		}
		return "", rotate.Options{}, 2
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return "", rotate.Options{}, 2
	}
	path := fs.Arg(0)
	fail := func(format string, a ...any) (string, rotate.Options, int) {
		fmt.Fprintf(stderr, "rotate: "+format+"\n", a...)
		return "", rotate.Options{}, 2
	}
	var o rotate.Options
	if *config != "" {
		cfg, err := rotate.LoadConfig(*config)
		if err != nil {
			return fail("%v", err)
		}
		for _, w := range cfg.Warnings {
			fmt.Fprintf(stderr, "rotate: %s\n", w)
		}
		var ok bool
		if o, ok = cfg.OptionsFor(path); !ok {
			return fail("%s: no block matches %s", *config, path)
		}
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	for _, f := range []struct {
		on *bool
		p  rotate.Period
	}{{hourly, rotate.Hourly}, {daily, rotate.Daily}, {weekly, rotate.Weekly}, {monthly, rotate.Monthly}} {
		if *f.on {
			o.Every = f.p
		}
	}
	if set["size"] {
		n, err := rotate.ParseSize(*size)
		if err != nil {
			return fail("-size: %v", err)
		}
		o.MaxSize = n
	}
	if set["keep"] {
		o.Keep = *keep
	}
	if set["maxage"] {
		o.MaxAge = time.Duration(*maxAge) * 24 * time.Hour
	}
	if set["compress"] || o.Compress == rotate.Unset {
		c, err := rotate.ParseCodec(*codec)
		if err != nil {
			return fail("-compress: %v", err)
		}
		o.Compress = c
	}
	if set["level"] {
		o.Level = *level
	}
	if set["threads"] {
		if *threads < 0 {
			return fail("-threads %d: want 0 or more", *threads)
		}
		o.CompressConcurrency = *threads
	}
	if set["delaycompress"] {
		o.DelayCompress = *delay
	}
	if set["dateext"] {
		o.DateExt = *dateExt
	}
	if set["dateformat"] {
		o.DateFormat = *dateFmt
	}
	if set["mode"] {
		m, err := strconv.ParseUint(*mode, 8, 32)
		if err != nil || m > 0o777 {
			return fail("-mode %q: want an octal mode like 0640", *mode)
		}
		o.Mode = os.FileMode(m)
	}
	if set["notifempty"] {
		o.NotIfEmpty = *notEmpty
	}
	o.FlushInterval = *flush
	if *utc {
		o.Location = time.UTC
	}
	logLevel := slog.LevelWarn
	if *verbose {
		logLevel = slog.LevelInfo
	}
	o.Logger = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: logLevel}))
	return path, o, -1
}

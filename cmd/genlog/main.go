package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/haplog/haplog/internal/genlog"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	d := genlog.DefaultConfig()
	fs := flag.NewFlagSet("genlog", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		lines     = fs.Int64("lines", 0, "number of lines (default 1000000 when -mb is not given)")
		mb        = fs.Float64("mb", 0, "stop once this many MB (10^6 bytes) are written")
		seed      = fs.Uint64("seed", d.Seed, "random seed")
		tcpRatio  = fs.Float64("tcp-ratio", d.TCPRatio, "fraction of tcplog lines")
		servers   = fs.Int("servers", d.Servers, "HTTP servers over the 10 HTTP backends")
		urls      = fs.Int("urls", d.URLs, "distinct URL paths")
		clients   = fs.Int("clients", d.Clients, "distinct client addresses")
		zipf      = fs.Float64("zipf", d.Zipf, "Zipf exponent of URL popularity (0 = uniform)")
		rate      = fs.Float64("rate", d.Rate, "requests per second of simulated time")
		uaLen     = fs.Int("ua-len", d.UALen, "User-Agent capture length")
		cacheBust = fs.Float64("cachebust", d.CacheBust, "fraction of API requests with a unique _=<ms> query")
		start     = fs.String("start", d.Start.Format(time.RFC3339), "accept time of the first request (RFC 3339; its offset is the log's zone)")
		prefix    = fs.String("prefix", "classic", "syslog prefix: classic, rfc3339 or none")
		host      = fs.String("host", "lb1", "syslog hostname in the prefix")
		out       = fs.String("o", "", "output file (default stdout)")
		stats     = fs.Bool("stats", false, "print counts and throughput to stderr")
	)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "genlog: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	st, err := time.Parse(time.RFC3339, *start)
	if err != nil {
		fmt.Fprintf(stderr, "genlog: -start: %v\n", err)
		return 2
	}
	pfx, err := genlog.ParsePrefix(*prefix)
	if err != nil {
		fmt.Fprintf(stderr, "genlog: -prefix: %v\n", err)
		return 2
	}
	if *lines < 0 || *mb < 0 {
		fmt.Fprintln(stderr, "genlog: -lines and -mb must not be negative")
		return 2
	}
	if *lines == 0 && *mb == 0 {
		*lines = 1000000
	}
	g, err := genlog.New(genlog.Config{
		Seed: *seed, TCPRatio: *tcpRatio, CacheBust: *cacheBust, Zipf: *zipf,
		Servers: *servers, URLs: *urls, Clients: *clients, Rate: *rate, UALen: *uaLen,
		Start: st, Prefix: pfx, Host: *host,
	})
	if err != nil {
		fmt.Fprintf(stderr, "genlog: %v\n", err)
		return 2
	}

	w := stdout
	var f *os.File
	if *out != "" {
		f, err = os.Create(*out)
		if err != nil {
			fmt.Fprintf(stderr, "genlog: %v\n", err)
			return 1
		}
		w = f
	}
	t0 := time.Now()
	n, nb, err := g.Write(w, *lines, int64(*mb*1e6))
	if f != nil {
		if cerr := f.Close(); err == nil && cerr != nil {
			err = cerr
		}
	}
	el := time.Since(t0)
	if err != nil {
		fmt.Fprintf(stderr, "genlog: %v\n", err)
		return 1
	}
	if *stats {
		s := g.Stats()
		sec := el.Seconds()
		fmt.Fprintf(stderr, "genlog: %d lines (%d tcplog), %d bytes, %.1f B/line, %.3f s, %.1f MB/s, %.2f M lines/s\n",
			n, s.TCPLines, nb, float64(nb)/float64(max(n, 1)), sec, float64(nb)/1e6/sec, float64(n)/1e6/sec)
	}
	return 0
}

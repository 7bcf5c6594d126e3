package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/klauspost/compress/zstd"
)

// checkResult counts the lines of one output file (and its backups).
type checkResult struct {
	files      []string
	lines      int // lines of this run
	lost       int // expected sequence numbers not found
	dup        int // extra copies
	unexpected int // lines whose severity the file should not hold
	outOfOrder int // lines whose seq is lower than the previous line's, per file
}

func (r checkResult) String() string {
	return fmt.Sprintf("%d lines in %d files: lost %d, duplicated %d, misrouted %d, out of order %d",
		r.lines, len(r.files), r.lost, r.dup, r.unexpected, r.outOfOrder)
}

// wanted returns the predicate of the severities a file should hold.
func wanted(want string) (func(sev int) bool, error) {
	switch want {
	case "all":
		return func(int) bool { return true }, nil
	case "notice": // notice and more severe
		return func(s int) bool { return s <= 5 }, nil
	case "info-only":
		return func(s int) bool { return s == 6 }, nil
	case "err":
		return func(s int) bool { return s <= 3 }, nil
	}
	return nil, fmt.Errorf("unknown -want %q (all, notice, err, info-only)", want)
}

// backups returns path and its rotated copies.
func backups(path string) ([]string, error) {
	m, err := filepath.Glob(path + "*")
	if err != nil {
		return nil, err
	}
	var out []string
	for _, f := range m {
		rest := strings.TrimPrefix(f, path)
		if rest == "" || rest[0] == '.' || rest[0] == '-' {
			out = append(out, f)
		}
	}
	return out, nil
}

func openMaybeCompressed(path string) (io.ReadCloser, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	var z io.Reader
	zclose := func() {}
	switch {
	case strings.HasSuffix(path, ".gz"):
		z, err = gzip.NewReader(f)
	case strings.HasSuffix(path, ".zst"):
		var d *zstd.Decoder
		if d, err = zstd.NewReader(f); err == nil {
			z, zclose = d, d.Close
		}
	default:
		return f, nil
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return struct {
		io.Reader
		io.Closer
	}{z, closerFunc(func() error { zclose(); return f.Close() })}, nil
}

type closerFunc func() error

func (c closerFunc) Close() error { return c() }

// check counts the sequence numbers of run rid in path and its backups.
func check(path, rid string, n int, want func(int) bool) (checkResult, error) {
	var r checkResult
	files, err := backups(path)
	if err != nil {
		return r, err
	}
	r.files = files
	seen := make([]uint8, n)
	key := []byte("rid=" + rid + "&seq=")
	for _, f := range files {
		rc, err := openMaybeCompressed(f)
		if err != nil {
			return r, err
		}
		sc := bufio.NewScanner(rc)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		prev := -1
		for sc.Scan() {
			line := sc.Bytes()
			i := bytes.Index(line, key)
			if i < 0 {
				continue
			}
			seq := 0
			for _, c := range line[i+len(key):] {
				if c < '0' || c > '9' {
					break
				}
				seq = seq*10 + int(c-'0')
			}
			r.lines++
			if seq >= n {
				r.unexpected++
				continue
			}
			if seq < prev {
				r.outOfOrder++
			}
			prev = seq
			if !want(severity(seq)) {
				r.unexpected++
			}
			if seen[seq] < 255 {
				seen[seq]++
			}
		}
		err = sc.Err()
		if cerr := rc.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return r, fmt.Errorf("%s: %w", f, err)
		}
	}
	for seq, c := range seen {
		switch {
		case c == 0 && want(severity(seq)):
			r.lost++
		case c > 1:
			r.dup += int(c) - 1
		}
	}
	return r, nil
}

func cmdCheck(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("check", flag.ContinueOnError)
	fs.SetOutput(stderr)
	n := fs.Int("n", 100000, "number of messages sent")
	rid := fs.String("rid", "run", "run id")
	wantS := fs.String("want", "all", "severities the files should hold: all, notice (notice and above), err, info-only")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	want, err := wanted(*wantS)
	if err != nil || fs.NArg() == 0 {
		fmt.Fprintln(stderr, "syslogload check: want -want all|notice|err|info-only and at least one file")
		return 2
	}
	bad := false
	for _, p := range fs.Args() {
		r, err := check(p, *rid, *n, want)
		if err != nil {
			fmt.Fprintln(stderr, "syslogload check:", err)
			return 1
		}
		fmt.Fprintf(stdout, "%s: %v\n", p, r)
		bad = bad || r.lost != 0 || r.dup != 0 || r.unexpected != 0
	}
	if bad {
		return 1
	}
	return 0
}

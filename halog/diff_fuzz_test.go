package halog_test

// Differential fuzzing against the reference halog 2.6 binary: the same
// input and arguments must give the same stdout, stderr and exit status.
// Skipped when halog is not installed (CI). Run it with
//
//	go test ./halog -run '^$' -fuzz FuzzAgainstReference -fuzztime 5m

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/haplog/haplog/formats"
	"github.com/haplog/haplog/halog"
	"github.com/haplog/haplog/internal/genlog"
	"github.com/haplog/haplog/internal/testbin"
	"github.com/haplog/haplog/internal/testkit"
)

// diffOutputs are the output selections the fuzzer picks from: every mode
// alone, plus the multi-mode combinations whose 2.6 result is deterministic
// (spec/halog.md §5). The ✗ combinations (-cc/-tc with -srv, -st/-ac/-pct/-gt
// with -ic, -pct with -hdr) are never generated. "#" is replaced by a number.
var diffOutputs = [][]string{
	{}, {"-c"}, {"-st"}, {"-tc"}, {"-cc"}, {"-srv"}, {"-u"}, {"-uc"}, {"-ue"}, {"-ua"},
	{"-ut"}, {"-uao"}, {"-uto"}, {"-uba"}, {"-ubt"}, {"-ic"}, {"-pct"}, {"-gt"},
	{"-hdr", "#hdr"}, {"-ac", "#"}, {"-ad", "#"}, {"-ac", "#", "-ad", "#"},
	{"-c", "-pct"}, {"-c", "-st"}, {"-c", "-ic"}, {"-c", "-hdr", "1:1"}, {"-u", "-ic"},
	{"-st", "-u"}, {"-tc", "-cc"}, {"-srv", "-ac", "1"}, {"-hdr", "1:1", "-st"},
	{"-gt", "-hdr", "1:1"}, {"-srv", "-hdr", "1:1"}, {"-uc", "-ue", "-ubt"}, {"-u", "-uc"},
}

var (
	diffCodes  = []string{"--", "CD", "cD", "SC", "sH", "LR", "PR", "cR", "-", "C", "", "--VN"}
	diffRanges = []string{"500:599", "200", "400:", "404", ":299", ":", "-1:0", "0", "300:399", "abc", "-1", "1:65536"}
	diffTimes  = []int64{1795248000, 1795267800, 1233922454, 1793491200, 0, 4294967295}
)

// diffArgs turns the fuzzed selectors into a halog command line.
func diffArgs(out uint8, filt uint32, n1, n2 int32, sel uint8) []string {
	var args []string
	num := func(v int32, mod int32) string { return strconv.Itoa(int(v % mod)) }
	add := func(bit int, a ...string) {
		if filt&(1<<bit) != 0 {
			args = append(args, a...)
		}
	}
	add(0, "-H")
	add(1, "-e")
	add(2, "-E")
	add(3, "-rt", num(n1, 3000))
	add(4, "-RT", num(n2, 3000))
	add(5, "-Q")
	add(6, "-QS")
	add(7, "-tcn", diffCodes[int(sel)%len(diffCodes)])
	add(8, "-TCN", diffCodes[int(sel/3)%len(diffCodes)])
	add(9, "-hs", diffRanges[int(sel)%len(diffRanges)])
	add(10, "-HS", diffRanges[int(sel/5)%len(diffRanges)])
	if filt&(1<<11) != 0 {
		base := diffTimes[int(sel)%len(diffTimes)]
		lo, hi := base+int64(n1%7200), base+int64(n1%7200)+int64(n2%86400)
		switch (filt >> 24) & 3 {
		case 0:
			args = append(args, "-time", strconv.FormatInt(lo, 10))
		case 1:
			args = append(args, "-time", fmt.Sprintf("%d:%d", lo, hi))
		case 2:
			args = append(args, "-time", fmt.Sprintf(":%d", hi))
		default:
			args = append(args, "-time", fmt.Sprintf("%d:", lo))
		}
	}
	add(12, "-v")
	add(13, "-q")
	add(14, "-m", num(n2, 60))
	add(15, "-query")
	add(16, "-s", strconv.Itoa(int(sel%14)-5))
	add(17, "-v") // a second -v cancels the first
	for _, a := range diffOutputs[int(out)%len(diffOutputs)] {
		switch a {
		case "#":
			a = strconv.Itoa(int(n1 % 1500))
		case "#hdr":
			switch sel % 8 {
			case 6:
				a = "0:1" // usage error
			case 7:
				a = "x" // missing colon
			default:
				a = fmt.Sprintf("%d:%d", sel%3+1, sel/3%3+1)
			}
		}
		args = append(args, a)
	}
	if filt&(1<<18) != 0 && len(args) > 0 {
		// an argument that does not start with '-' ends option parsing
		args = append(args[:len(args)-1], "stop", args[len(args)-1])
	}
	return args
}

// ccUndefined reports whether halog's -cc would read past the end of a
// line of in (a termination-code field shorter than 4 bytes at the very end
// of the line): the C code then reads whatever follows in its buffer.
func ccUndefined(in []byte, args []string) bool {
	cc, skip := false, 1
scan:
	for i := 0; i < len(args); i++ {
		switch a := args[i]; {
		case a == "-cc":
			cc = true
		case a == "-s" && i+1 < len(args):
			skip = int(int32(atol(args[i+1])))
			i++
		case a == "-m" || a == "-rt" || a == "-RT" || a == "-tcn" || a == "-TCN" || a == "-hs" ||
			a == "-HS" || a == "-time" || a == "-hdr" || a == "-ac" || a == "-ad":
			i++
		case len(a) == 0 || a[0] != '-':
			break scan // halog stops parsing at the first non-option
		}
	}
	if !cc {
		return false
	}
	var l formats.Line
	for line := range bytes.Lines(in) {
		line = bytes.TrimSuffix(line, []byte("\n"))
		if i := bytes.IndexByte(line, 0); i >= 0 {
			line = line[:i]
		}
		l.Reset(line)
		// TERM_CODES is field 14 + skip (spec/halog.md §3).
		if p, ok := l.Field(formats.FieldTermState + 4 + skip); ok && p+3 > len(line) {
			return true
		}
	}
	return false
}

// atol is C's atol for the -s argument: optional spaces and sign, digits.
func atol(s string) int64 {
	i := 0
	for i < len(s) && (s[i] == ' ' || (s[i] >= '\t' && s[i] <= '\r')) {
		i++
	}
	neg := false
	if i < len(s) && (s[i] == '-' || s[i] == '+') {
		neg = s[i] == '-'
		i++
	}
	var v int64
	for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
		v = v*10 + int64(s[i]-'0')
	}
	if neg {
		return -v
	}
	return v
}

type diffResult struct {
	stdout, stderr []byte
	exit           int
}

func runReference(t *testing.T, bin string, args []string, in []byte) diffResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append(os.Environ(), "TZ=UTC", "LC_ALL=C")
	cmd.Stdin = bytes.NewReader(in)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return diffResult{o.Bytes(), e.Bytes(), 0}
	case errors.As(err, &ee) && ee.ExitCode() >= 0:
		return diffResult{o.Bytes(), e.Bytes(), ee.ExitCode()}
	case errors.As(err, &ee):
		// Killed by a signal: the reference crashed (undefined behaviour
		// in C, e.g. an unlisted mode combination), nothing to compare.
		t.Skipf("reference halog %q died: %v", args, err)
	}
	t.Fatalf("reference halog %q: %v", args, err)
	return diffResult{}
}

func runCandidate(args []string, in []byte, workers int) diffResult {
	var o, e bytes.Buffer
	rc := halog.Main(args, halog.Env{Stdin: bytes.NewReader(in), Stdout: &o, Stderr: &e,
		Location: time.UTC, Workers: workers})
	return diffResult{o.Bytes(), e.Bytes(), rc}
}

// diffSeeds returns windows of the vendored logs and generated lines.
func diffSeeds(f *testing.F) [][]byte {
	var seeds [][]byte
	files := []string{
		"http/haproxy-traffic.log", "tcp/haproxy-traffic.log", "custom/haproxy-traffic.log",
		"clf/haproxy-traffic.log", "synth/synth-s1-20k.log", "synth/synth-s2-12k-rfc3339.log",
		"rfc5424/wire-rfc5424-raw.log", "edge/edge-codes.log", "edge/edge-dates.log", "edge/edge-fields.log",
		"edge/edge-srv.log", "edge/edge-ties.log", "edge/edge-timers.log", "edge/edge-urls.log",
	}
	for _, name := range files {
		data, err := os.ReadFile(filepath.Join("..", "testdata", "logs", name))
		if err != nil {
			f.Logf("seed %s: %v", name, err)
			continue
		}
		lines := bytes.SplitAfter(data, []byte("\n"))
		for _, start := range []int{0, len(lines) / 3, 2 * len(lines) / 3} {
			end := min(start+40, len(lines))
			seeds = append(seeds, bytes.Join(lines[start:end], nil))
		}
	}
	for _, c := range []genlog.Config{
		{Seed: 3, TCPRatio: 0.2, CacheBust: 0.3, Zipf: 1.2, URLs: 40, Clients: 30, Servers: 12},
		{Seed: 4, TCPRatio: 0.05, Zipf: 1, URLs: 20, Clients: 10, Prefix: genlog.PrefixNone},
	} {
		g, err := genlog.New(c)
		if err != nil {
			f.Fatal(err)
		}
		var b []byte
		for range 60 {
			b = append(g.Next(b), '\n')
		}
		seeds = append(seeds, b)
	}
	return seeds
}

func FuzzAgainstReference(f *testing.F) {
	bin := testbin.Need(f, "halog")
	for i, s := range diffSeeds(f) {
		// A few output modes per seed; all filter bits off but one.
		for k := range 3 {
			f.Add(s, uint8(i*3+k), uint32(1)<<((i+k*5)%19), int32(137*i+k), int32(50+i), uint8(i*7+k))
		}
	}
	f.Fuzz(func(t *testing.T, in []byte, out uint8, filt uint32, n1, n2 int32, sel uint8) {
		if bytes.HasPrefix(in, []byte{0x1f, 0x8b}) || bytes.HasPrefix(in, []byte{0x28, 0xb5, 0x2f, 0xfd}) {
			t.Skip("compressed input: the Go halog decompresses it (an intended extension)")
		}
		if len(in) > 4<<20 {
			t.Skip("input too large")
		}
		args := diffArgs(out, filt, n1, n2, sel)
		if ccUndefined(in, args) {
			t.Skip("-cc reads past the end of a line: undefined in the reference")
		}
		want := runReference(t, bin, args, in)
		for _, workers := range []int{1, 3} {
			got := runCandidate(args, in, workers)
			if got.exit != want.exit || !bytes.Equal(got.stdout, want.stdout) || !bytes.Equal(got.stderr, want.stderr) {
				t.Fatalf("halog %q (workers %d) differs from the reference:\nexit %d, want %d\nstdout %s\nstderr %s",
					args, workers, got.exit, want.exit, testkit.LineDiff(got.stdout, want.stdout), testkit.LineDiff(got.stderr, want.stderr))
			}
		}
	})
}

// TestDiffHarnessDetects checks that the comparison can fail: on gzip
// input (which the Go halog decompresses, and the reference reads as
// garbage) the two must differ.
func TestDiffHarnessDetects(t *testing.T) {
	bin := testbin.Need(t, "halog")
	g, err := genlog.New(genlog.Config{Seed: 5})
	if err != nil {
		t.Fatal(err)
	}
	var plain []byte
	for range 200 {
		plain = append(g.Next(plain), '\n')
	}
	var z bytes.Buffer
	zw := gzip.NewWriter(&z)
	zw.Write(plain)
	zw.Close()
	args := diffArgs(1, 1, 0, 0, 0) // -H -c
	if fmt.Sprint(args) != "[-H -c]" {
		t.Fatalf("diffArgs(1, 1, ...) = %q, want [-H -c]", args)
	}
	want := runReference(t, bin, args, plain)
	if got := runCandidate(args, plain, 1); !bytes.Equal(got.stdout, want.stdout) {
		t.Fatalf("plain input: candidate %q, reference %q", got.stdout, want.stdout)
	}
	if got, ref := runCandidate(args, z.Bytes(), 1), runReference(t, bin, args, z.Bytes()); bytes.Equal(got.stdout, ref.stdout) {
		t.Fatalf("gzip input: candidate and reference agree (%q): the comparison cannot see differences", got.stdout)
	}
}

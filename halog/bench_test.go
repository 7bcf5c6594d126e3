package halog

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/haplog/haplog/internal/testbin"
)

// benchInput is the classic-syslog synthetic corpus, repeated to ~45 MB.
func benchInput(b *testing.B) []byte {
	b.Helper()
	in, err := os.ReadFile(logDir + "/synth/synth-s1-20k.log")
	if err != nil {
		b.Fatal(err)
	}
	return bytes.Repeat(in, 10)
}

func benchMode(b *testing.B, args string, workers int) {
	in := benchInput(b)
	o, err := Parse(strings.Fields(args))
	if err != nil {
		b.Fatal(err)
	}
	o.Workers = workers
	o.Quiet = true
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		if err := Run(o, bytes.NewReader(in), io.Discard, io.Discard); err != nil {
			b.Fatal(err)
		}
	}
}

var benchModes = []string{"-c", "-c -H", "-st", "-e -st", "-tc", "-srv -H", "-pct", "-gt",
	"-u", "-uc -query", "-ua", "-ic", "-hs 500:599 -u", "-ac 1", "-hdr 1:2", "-H", "-time 1793491200 -c"}

func BenchmarkRun(b *testing.B) {
	for _, m := range benchModes {
		b.Run(strings.ReplaceAll(m, " ", "_"), func(b *testing.B) { benchMode(b, m, 0) })
	}
}

func BenchmarkRunSingle(b *testing.B) {
	for _, m := range benchModes {
		b.Run(strings.ReplaceAll(m, " ", "_"), func(b *testing.B) { benchMode(b, m, 1) })
	}
}

// BenchmarkCustomFormat reads 200k generated requests logged with issue
// 14's custom format (-log-format, header detected per line) and reports,
// next to our time, the real halog's on the same requests logged with
// option httplog (ref-ns/line, the best of 3 runs; absent without
// /usr/sbin/halog) and the ratio ref/ours (x-ref, > 1: faster).
func BenchmarkCustomFormat(b *testing.B) {
	recs := genRecords(200000, 3)
	httpLog, customLog := writeLogs(b, recs, issueFormat)
	st, err := os.Stat(customLog)
	if err != nil {
		b.Fatal(err)
	}
	ref, haveRef := testbin.Path("halog")
	for _, m := range []string{"-srv -H", "-st", "-u", "-pct", "-ic"} {
		b.Run(strings.ReplaceAll(m, " ", "_"), func(b *testing.B) {
			refNs := 0.0
			if haveRef {
				for range 3 {
					in, _ := os.Open(httpLog)
					cmd := exec.Command(ref, strings.Fields(m)...)
					cmd.Stdin, cmd.Stdout, cmd.Stderr = in, io.Discard, io.Discard
					t0 := time.Now()
					if err := cmd.Run(); err != nil {
						b.Fatal(err)
					}
					d := float64(time.Since(t0).Nanoseconds()) / float64(len(recs))
					in.Close()
					if refNs == 0 || d < refNs {
						refNs = d
					}
				}
			}
			args := append([]string{"-log-format", issueFormat, "-q"}, strings.Fields(m)...)
			args = append(args, customLog)
			b.SetBytes(st.Size())
			b.ReportAllocs()
			for b.Loop() {
				if Main(args, Env{Stdout: io.Discard, Stderr: io.Discard, Location: time.UTC}) != 0 {
					b.Fatal("exit")
				}
			}
			ours := float64(b.Elapsed().Nanoseconds()) / float64(b.N) / float64(len(recs))
			b.ReportMetric(ours, "ns/line")
			if refNs > 0 {
				b.ReportMetric(refNs, "ref-ns/line")
				b.ReportMetric(refNs/ours, "x-ref")
			}
		})
	}
}

// TestWriteBenchPair writes, when HALOG_BENCH_PAIR=DIR[:LINES] is set,
// DIR/http.log (option httplog, RFC 3164 headers, for the C halog) and
// DIR/custom.log (issue 14's custom format, mixed headers) for the same
// generated requests: bench/halog-vs.sh's custom-format comparison.
func TestWriteBenchPair(t *testing.T) {
	spec := os.Getenv("HALOG_BENCH_PAIR")
	if spec == "" {
		t.Skip("HALOG_BENCH_PAIR=DIR[:LINES] not set")
	}
	dir, n := spec, 1000000
	if d, l, ok := strings.Cut(spec, ":"); ok {
		v, err := strconv.Atoi(l)
		if err != nil || v <= 0 {
			t.Fatalf("HALOG_BENCH_PAIR: bad line count %q", l)
		}
		dir, n = d, v
	}
	httpLog, customLog := writeLogs(t, genRecords(n, 3), issueFormat)
	for _, f := range [][2]string{{httpLog, "http.log"}, {customLog, "custom.log"}} {
		if err := os.Rename(f[0], filepath.Join(dir, f[1])); err != nil {
			t.Fatal(err)
		}
	}
}

package rotate

import (
	"bufio"
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/haplog/haplog/internal/genlog"
	"github.com/haplog/haplog/internal/testbin"
	"github.com/haplog/haplog/internal/testkit"
)

// corpus returns about size bytes of HAProxy log lines: the captured sample
// lines with client ports, timers and byte counts re-drawn at random (a
// plain repetition would compress unrealistically well).
func corpus(tb testing.TB, size int) [][]byte {
	tb.Helper()
	raw, err := os.ReadFile("testdata/haproxy-traffic.log")
	if err != nil {
		tb.Fatal(err)
	}
	sample := bytes.Split(bytes.TrimSpace(raw), []byte("\n"))
	r := rand.New(rand.NewPCG(1, 2))
	var out [][]byte
	for total := 0; total < size; {
		l := sample[r.IntN(len(sample))]
		f := bytes.Fields(l)
		if len(f) > 10 && bytes.IndexByte(f[5], ':') > 0 {
			f[5] = fmt.Appendf(nil, "%s:%d", f[5][:bytes.LastIndexByte(f[5], ':')], 1024+r.IntN(60000))
			f[9] = fmt.Appendf(nil, "%d/%d/%d/%d/%d", r.IntN(5), r.IntN(3), r.IntN(2), r.IntN(200), r.IntN(300))
			f[11] = fmt.Appendf(nil, "%d", r.IntN(50000))
		}
		line := append(bytes.Join(f, []byte(" ")), '\n')
		out = append(out, line)
		total += len(line)
	}
	return out
}

func TestWriteAllocatesNothing(t *testing.T) {
	w, err := New(filepath.Join(t.TempDir(), "a.log"), Options{FlushInterval: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	line := corpus(t, 200)[0]
	for range 10000 { // grow both buffers
		w.Write(line)
	}
	if n := testing.AllocsPerRun(20000, func() { w.Write(line) }); n != 0 {
		t.Fatalf("Write allocates %v times per call", n)
	}
}

// benchDir is where write benchmarks put files: RAM (/dev/shm) when
// available, so that they measure the writer and not the disk.
func benchDir(b *testing.B) string {
	if fi, err := os.Stat("/dev/shm"); err == nil && fi.IsDir() {
		d, err := os.MkdirTemp("/dev/shm", "rotate-bench")
		if err == nil {
			b.Cleanup(func() { os.RemoveAll(d) })
			return d
		}
	}
	return b.TempDir()
}

// BenchmarkWrite compares Writer (64 MiB files, backups deleted) with a
// bufio.Writer on an *os.File truncated at 64 MiB, one line per call.
func BenchmarkWrite(b *testing.B) {
	const fileSize = 64 << 20
	lines := corpus(b, 4<<20)
	b.Run("rotate.Writer", func(b *testing.B) {
		w, err := New(filepath.Join(benchDir(b), "w.log"), Options{MaxSize: fileSize, Keep: -1})
		if err != nil {
			b.Fatal(err)
		}
		benchLines(b, lines, func(p []byte) { w.Write(p) })
		if err := w.Close(); err != nil {
			b.Fatal(err)
		}
	})
	for _, size := range []int{4096, 64 << 10} {
		b.Run(fmt.Sprintf("bufio-%dk", size>>10), func(b *testing.B) {
			f, err := os.Create(filepath.Join(benchDir(b), "f.log"))
			if err != nil {
				b.Fatal(err)
			}
			bw := bufio.NewWriterSize(f, size)
			n := 0
			benchLines(b, lines, func(p []byte) {
				bw.Write(p)
				if n += len(p); n > fileSize {
					bw.Flush()
					f.Truncate(0)
					f.Seek(0, 0)
					n = 0
				}
			})
			bw.Flush()
			f.Close()
		})
	}
}

func benchLines(b *testing.B, lines [][]byte, write func([]byte)) {
	var n int64
	for _, l := range lines {
		n += int64(len(l))
	}
	b.SetBytes(n / int64(len(lines)))
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		write(lines[i])
		if i++; i == len(lines) {
			i = 0
		}
	}
}

func BenchmarkWriteParallel(b *testing.B) {
	lines := corpus(b, 1<<20)
	w, err := New(filepath.Join(benchDir(b), "p.log"), Options{MaxSize: 64 << 20, Keep: -1})
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(lines[0])))
	b.ReportAllocs()
	var seq atomic.Int64
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			w.Write(lines[seq.Add(1)%int64(len(lines))])
		}
	})
	b.StopTimer()
	w.Close()
}

// countWriter counts and discards what is written.
type countWriter struct{ n int64 }

func (c *countWriter) Write(p []byte) (int, error) { c.n += int64(len(p)); return len(p), nil }

// benchCompress measures compressBlocks in memory (no disk) on 16 MB of
// genlog output, for each level, with 1 and GOMAXPROCS workers.
func benchCompress(b *testing.B, c Codec, levels []int) {
	data := genCorpus(b, 16<<20)
	for _, level := range levels {
		for _, workers := range []int{1, runtime.GOMAXPROCS(0)} {
			name := fmt.Sprintf("level=%d/workers=%d", level, workers)
			b.Run(name, func(b *testing.B) {
				var out countWriter
				b.SetBytes(int64(len(data)))
				b.ReportAllocs()
				for b.Loop() {
					out.n = 0
					if _, err := compressBlocks(&out, bytes.NewReader(data), compressParams{codec: c, level: level, workers: workers}, new(atomic.Bool)); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(len(data))/float64(out.n), "ratio")
			})
		}
	}
}

// BenchmarkCompressGzip: level 0 is the default (5); 6 and 1 for comparison.
func BenchmarkCompressGzip(b *testing.B) { benchCompress(b, Gzip, []int{0, 6, 1}) }

// BenchmarkCompressZstd: level 0 is the default (1, SpeedFastest); 3 is SpeedDefault.
func BenchmarkCompressZstd(b *testing.B) { benchCompress(b, Zstd, []int{0, 3}) }

// TestCompressVsGzipCLI compares backup compression (compressFile: file to
// file, with its fsyncs) with `gzip -6` as logrotate runs it (stdin from the
// log file, stdout to the backup) and `zstd -3 -T1`, on genlog output. Both
// wall time and CPU time (user+sys of the process or child) are measured,
// round-robin over the methods, median of HAPLOG_ROUNDS rounds (5). The
// corpus is HAPLOG_CORPUS (a file) or HAPLOG_LINES genlog lines (200000,
// about 48 MB); HAPLOG_METHODS, a regular expression, selects methods by
// name. Every output is checked to decompress to the input. It only
// runs with HAPLOG_LOAD=1.
func TestCompressVsGzipCLI(t *testing.T) {
	if os.Getenv("HAPLOG_LOAD") == "" {
		t.Skip("set HAPLOG_LOAD=1 to run the compression comparison")
	}
	gzipBin := testkit.Need(t, "gzip")
	envInt := func(name string, def int) int {
		if v := os.Getenv(name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n <= 0 {
				t.Fatalf("%s=%q: want a positive integer", name, v)
			}
			return n
		}
		return def
	}
	rounds := envInt("HAPLOG_ROUNDS", 5)
	var data []byte
	if path := os.Getenv("HAPLOG_CORPUS"); path != "" {
		var err error
		if data, err = os.ReadFile(path); err != nil {
			t.Fatal(err)
		}
	} else {
		g, err := genlog.New(genlog.DefaultConfig())
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if _, _, err := g.Write(&buf, int64(envInt("HAPLOG_LINES", 200000)), 0); err != nil {
			t.Fatal(err)
		}
		data = buf.Bytes()
	}
	dir := t.TempDir()
	src := filepath.Join(dir, "in")
	type result struct{ cpu, wall time.Duration }
	type method struct {
		name  string
		codec Codec
		run   func() (r result, out string, err error)
	}
	cli := func(name string, args ...string) func() (result, string, error) {
		return func() (result, string, error) {
			dst := filepath.Join(dir, "cli.out")
			out, err := os.Create(dst)
			if err != nil {
				return result{}, "", err
			}
			defer out.Close()
			in, err := os.Open(src)
			if err != nil {
				return result{}, "", err
			}
			defer in.Close()
			cmd := exec.Command(name, args...)
			cmd.Stdin, cmd.Stdout = in, out
			t0 := time.Now()
			if err := cmd.Run(); err != nil {
				return result{}, "", err
			}
			wall := time.Since(t0)
			return result{cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime(), wall}, dst, nil
		}
	}
	ours := func(c Codec, level, workers int) func() (result, string, error) {
		return func() (result, string, error) {
			c0, t0 := cpuTime(), time.Now()
			dst, _, err := compressFile(src, compressParams{codec: c, level: level, workers: workers}, new(atomic.Bool))
			return result{cpuTime() - c0, time.Since(t0)}, dst, err
		}
	}
	methods := []method{{"gzip -6 (CLI)", Gzip, cli(gzipBin, "-6", "-c")}}
	procs := runtime.GOMAXPROCS(0)
	for _, v := range []struct {
		codec          Codec
		level, workers int
	}{{Gzip, 0, 0}, {Gzip, 5, procs}, {Gzip, 6, 1}, {Gzip, 6, procs}, {Zstd, 0, 0}, {Zstd, 1, procs}, {Zstd, 3, 1}, {Zstd, 3, procs}} {
		name := fmt.Sprintf("rotate %v -%d, %d worker(s)", v.codec, v.level, v.workers)
		if v.level == 0 {
			lv := defaultGzipLevel
			if v.codec == Zstd {
				lv = 1
			}
			name = fmt.Sprintf("rotate %v default (-%d, %d)", v.codec, lv, defaultConcurrency())
		}
		methods = append(methods, method{name, v.codec, ours(v.codec, v.level, v.workers)})
	}
	if zstdBin, ok := testbin.Path("zstd"); ok {
		methods = append(methods, method{"zstd -3 -T1 (CLI)", Zstd, cli(zstdBin, "-q", "-3", "-T1", "-c")})
	}
	if re := os.Getenv("HAPLOG_METHODS"); re != "" { // keep gzip -6 (CLI), the reference
		keep, err := regexp.Compile(re)
		if err != nil {
			t.Fatalf("HAPLOG_METHODS: %v", err)
		}
		methods = slices.DeleteFunc(methods, func(m method) bool { return m.name != methods[0].name && !keep.MatchString(m.name) })
	}
	res := make([][]result, len(methods))
	sizes := make([]int64, len(methods))
	for round := range rounds {
		for i, m := range methods {
			if err := os.WriteFile(src, data, 0o644); err != nil {
				t.Fatal(err)
			}
			r, dst, err := m.run()
			if err != nil {
				t.Fatalf("%s: %v", m.name, err)
			}
			fi, err := os.Stat(dst)
			if err != nil {
				t.Fatal(err)
			}
			if round == 0 {
				b, err := os.ReadFile(dst)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(decode(t, m.codec, b), data) {
					t.Fatalf("%s: output does not decompress to the input", m.name)
				}
			}
			os.Remove(dst)
			res[i], sizes[i] = append(res[i], r), fi.Size()
		}
	}
	median := func(rs []result, f func(result) time.Duration) float64 {
		d := make([]time.Duration, len(rs))
		for i, r := range rs {
			d[i] = f(r)
		}
		slices.Sort(d)
		return d[len(d)/2].Seconds()
	}
	cpuOf := func(r result) time.Duration { return r.cpu }
	wallOf := func(r result) time.Duration { return r.wall }
	mb := float64(len(data)) / 1e6
	refCPU, refWall, refSize := median(res[0], cpuOf), median(res[0], wallOf), float64(sizes[0])
	t.Logf("input %.1f MB, GOMAXPROCS %d, median of %d rounds; speed and size relative to gzip -6 (CLI)", mb, runtime.GOMAXPROCS(0), rounds)
	t.Logf("%-36s %9s %7s %9s %7s %6s %6s", "method", "wall MB/s", "speed", "CPU MB/s", "speed", "ratio", "size")
	for i, m := range methods {
		c, w := median(res[i], cpuOf), median(res[i], wallOf)
		t.Logf("%-36s %9.1f %6.2fx %9.1f %6.2fx %6.2f %5.3fx", m.name, mb/w, refWall/w, mb/c, refCPU/c, float64(len(data))/float64(sizes[i]), float64(sizes[i])/refSize)
	}
}

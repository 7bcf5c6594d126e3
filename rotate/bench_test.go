package rotate

import (
	"bufio"
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sync/atomic"
	"testing"
	"time"
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

// BenchmarkCompress measures backup compression, file to file, with fsync.
func BenchmarkCompress(b *testing.B) {
	data := bytes.Join(corpus(b, 32<<20), nil)
	for _, c := range []struct {
		codec Codec
		level int
	}{{Gzip, 6}, {Gzip, 1}, {Zstd, 3}, {Zstd, 1}} {
		b.Run(fmt.Sprintf("%v-%d", c.codec, c.level), func(b *testing.B) {
			dir := b.TempDir()
			src := filepath.Join(dir, "in")
			var out int64
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				b.StopTimer()
				os.WriteFile(src, data, 0o644)
				b.StartTimer()
				dst, _, err := compressFile(src, c.codec, c.level, new(atomic.Bool))
				if err != nil {
					b.Fatal(err)
				}
				fi, _ := os.Stat(dst)
				out = fi.Size()
				os.Remove(dst)
			}
			b.ReportMetric(float64(len(data))/float64(out), "ratio")
		})
	}
}

// TestCompressVsGzipCLI compares backup compression with `gzip -6` (what
// logrotate runs) and `zstd -3` on the same data, by CPU time (user+sys,
// which a loaded machine distorts far less than wall time), round-robin over
// the methods, median of 5 rounds. It only runs with HAPLOG_LOAD=1.
func TestCompressVsGzipCLI(t *testing.T) {
	if os.Getenv("HAPLOG_LOAD") == "" {
		t.Skip("set HAPLOG_LOAD=1 to run the compression comparison")
	}
	if _, err := exec.LookPath("gzip"); err != nil {
		t.Skip("no gzip")
	}
	data := bytes.Join(corpus(t, 32<<20), nil)
	dir := t.TempDir()
	src := filepath.Join(dir, "in")
	type method struct {
		name string
		run  func() (cpu time.Duration, size int64, err error)
	}
	cli := func(name string, args ...string) func() (time.Duration, int64, error) {
		return func() (time.Duration, int64, error) {
			out, err := os.Create(filepath.Join(dir, "cli.out"))
			if err != nil {
				return 0, 0, err
			}
			defer out.Close()
			in, _ := os.Open(src)
			defer in.Close()
			cmd := exec.Command(name, args...)
			cmd.Stdin, cmd.Stdout = in, out
			if err := cmd.Run(); err != nil {
				return 0, 0, err
			}
			fi, _ := out.Stat()
			return cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime(), fi.Size(), nil
		}
	}
	ours := func(c Codec, level int) func() (time.Duration, int64, error) {
		return func() (time.Duration, int64, error) {
			before := cpuTime()
			dst, _, err := compressFile(src, c, level, new(atomic.Bool))
			cpu := cpuTime() - before
			if err != nil {
				return 0, 0, err
			}
			fi, _ := os.Stat(dst)
			os.Remove(dst)
			return cpu, fi.Size(), nil
		}
	}
	methods := []method{{"gzip -6 (CLI)", cli("gzip", "-6", "-c")}, {"rotate gzip -6", ours(Gzip, 6)}, {"rotate gzip -1", ours(Gzip, 1)},
		{"rotate zstd -3", ours(Zstd, 3)}, {"rotate zstd -1", ours(Zstd, 1)}}
	if _, err := exec.LookPath("zstd"); err == nil {
		methods = append(methods, method{"zstd -3 (CLI)", cli("zstd", "-q", "-3", "-T1", "-c")})
	}
	cpus := make([][]time.Duration, len(methods))
	sizes := make([]int64, len(methods))
	for range 5 {
		for i, m := range methods {
			os.WriteFile(src, data, 0o644)
			cpu, size, err := m.run()
			if err != nil {
				t.Fatalf("%s: %v", m.name, err)
			}
			cpus[i], sizes[i] = append(cpus[i], cpu), size
		}
	}
	mb := float64(len(data)) / 1e6
	med := func(d []time.Duration) float64 { slices.Sort(d); return d[len(d)/2].Seconds() }
	ref, refSize := med(cpus[0]), float64(sizes[0])
	t.Logf("input %.1f MB; MB/s of input per CPU-second (median of 5)", mb)
	for i, m := range methods {
		c := med(cpus[i])
		t.Logf("%-15s %6.1f MB/s  ratio %.2f  speed %.2fx gzip -6  size %.3fx gzip -6", m.name, mb/c, float64(len(data))/float64(sizes[i]), ref/c, float64(sizes[i])/refSize)
	}
}

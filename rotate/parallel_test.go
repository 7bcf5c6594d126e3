package rotate

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/haplog/haplog/internal/genlog"
	"github.com/haplog/haplog/internal/testkit"
	kgzip "github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

// genCorpus returns about size bytes of HAProxy log lines as rsyslog stores
// them, from internal/genlog's default traffic model. The result is shared
// between tests of one run (read-only).
func genCorpus(tb testing.TB, size int) []byte {
	tb.Helper()
	corpusMu.Lock()
	defer corpusMu.Unlock()
	if b, ok := corpusCache[size]; ok {
		return b
	}
	g, err := genlog.New(genlog.DefaultConfig())
	if err != nil {
		tb.Fatal(err)
	}
	var buf bytes.Buffer
	buf.Grow(size + 4096)
	if _, _, err := g.Write(&buf, 0, int64(size)); err != nil {
		tb.Fatal(err)
	}
	corpusCache[size] = buf.Bytes()
	return buf.Bytes()
}

var (
	corpusMu    sync.Mutex
	corpusCache = map[int][]byte{}
)

// decode decompresses b with a decoder that does not share code with the
// encoder where one exists: the standard library for gzip (reading a single
// member only, so a multi-member file would fail), klauspost for zstd.
func decode(t *testing.T, c Codec, b []byte) []byte {
	t.Helper()
	switch c {
	case Gzip:
		zr, err := gzip.NewReader(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		zr.Multistream(false)
		out, err := io.ReadAll(zr)
		if err != nil {
			t.Fatalf("gzip: %v", err)
		}
		if rest, _ := io.ReadAll(zr); len(rest) != 0 {
			t.Fatal("data after the first gzip member")
		}
		if err := zr.Close(); err != nil {
			t.Fatal(err)
		}
		return out
	case Zstd:
		zr, err := zstd.NewReader(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		defer zr.Close()
		out, err := io.ReadAll(zr)
		if err != nil {
			t.Fatalf("zstd: %v", err)
		}
		return out
	}
	t.Fatalf("codec %v", c)
	return nil
}

// Small blocks make multi-block inputs small, which keeps the tests fast
// under the race detector; TestCompressBlocksDefaultSizes covers the real ones.
const (
	testGzipBlock = 48 << 10
	testZstdBlock = 96 << 10
)

func testParams(c Codec, level, workers int) compressParams {
	bs := testGzipBlock
	if c == Zstd {
		bs = testZstdBlock
	}
	return compressParams{codec: c, level: level, workers: workers, blockSize: bs}
}

func compressBytes(t testing.TB, p compressParams, in []byte) []byte {
	t.Helper()
	var out bytes.Buffer
	n, err := compressBlocks(&out, bytes.NewReader(in), p, new(atomic.Bool))
	if err != nil {
		t.Fatal(err)
	}
	if n != int64(len(in)) {
		t.Fatalf("compressBlocks read %d bytes, want %d", n, len(in))
	}
	return out.Bytes()
}

// TestCompressBlocksRoundTrip checks that every block layout (empty input,
// one byte, exact block multiples, a partial last block) decompresses to
// the input, and that the output does not depend on the number of workers.
func TestCompressBlocksRoundTrip(t *testing.T) {
	data := genCorpus(t, 5*testZstdBlock+testZstdBlock/2)
	for _, c := range []Codec{Gzip, Zstd} {
		bs := testParams(c, 0, 1).blockSize
		for _, size := range []int{0, 1, 1000, bs - 1, bs, bs + 1, 2 * bs, len(data)} {
			in := data[:size]
			var first []byte
			for _, workers := range []int{1, 2, 3, 8} {
				t.Run(fmt.Sprintf("%v/size=%d/workers=%d", c, size, workers), func(t *testing.T) {
					out := compressBytes(t, testParams(c, 0, workers), in)
					if got := decode(t, c, out); !bytes.Equal(got, in) {
						t.Fatalf("round trip: got %d bytes, want %d (equal prefix: %v)", len(got), len(in), bytes.HasPrefix(in, got))
					}
					if first == nil {
						first = out
					} else if !bytes.Equal(out, first) {
						t.Fatalf("output with %d workers differs from output with 1 worker", workers)
					}
				})
			}
		}
	}
}

// TestCompressBlocksDefaultSizes round-trips inputs a little longer than
// the production block sizes.
func TestCompressBlocksDefaultSizes(t *testing.T) {
	for _, tc := range []struct {
		codec Codec
		size  int
	}{{Gzip, 2*gzipBlockSize + 1}, {Zstd, zstdBlockSize + 1}} {
		in := genCorpus(t, tc.size)[:tc.size]
		out := compressBytes(t, compressParams{codec: tc.codec, workers: 2}, in)
		if !bytes.Equal(decode(t, tc.codec, out), in) {
			t.Fatalf("%v: round trip failed", tc.codec)
		}
	}
}

// TestCompressBlocksGzipDictionary checks that a deflate block may refer to
// the end of the previous block. The input repeats a random 16 KiB pattern:
// without the dictionary every block would start with 16 KiB of
// literals that the single stream encodes as matches.
func TestCompressBlocksGzipDictionary(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	pat := make([]byte, 16<<10)
	for i := range pat {
		pat[i] = byte(r.Uint32())
	}
	in := bytes.Repeat(pat, 8*testGzipBlock/len(pat))
	out := compressBytes(t, testParams(Gzip, 6, 2), in)
	if got := decode(t, Gzip, out); !bytes.Equal(got, in) {
		t.Fatal("round trip failed")
	}
	// klauspost's own single stream sees the whole input; without the
	// dictionary each of the 7 later blocks would add 16 KiB of literals.
	var ref bytes.Buffer
	zw, _ := kgzip.NewWriterLevel(&ref, 6)
	zw.Write(in)
	zw.Close()
	if len(out) > ref.Len()+ref.Len()/20 {
		t.Fatalf("compressed %d bytes to %d, single stream %d: blocks do not use the previous block as dictionary", len(in), len(out), ref.Len())
	}
}

// TestCompressBlocksLevels checks every accepted level and that the
// block-parallel stream stays within 1% of klauspost's own single-stream
// gzip at the same level on log data.
func TestCompressBlocksLevels(t *testing.T) {
	data := genCorpus(t, 4*testZstdBlock)[:4*testZstdBlock-777]
	for level := 1; level <= 9; level++ {
		out := compressBytes(t, testParams(Gzip, level, 2), data)
		if !bytes.Equal(decode(t, Gzip, out), data) {
			t.Fatalf("gzip level %d: round trip failed", level)
		}
		var ref bytes.Buffer
		zw, _ := kgzip.NewWriterLevel(&ref, level)
		zw.Write(data)
		zw.Close()
		if float64(len(out)) > 1.01*float64(ref.Len()) {
			t.Errorf("gzip level %d: %d bytes, single stream %d", level, len(out), ref.Len())
		}
	}
	for _, level := range []int{1, 3, 6, 19} {
		out := compressBytes(t, testParams(Zstd, level, 2), data)
		if !bytes.Equal(decode(t, Zstd, out), data) {
			t.Fatalf("zstd level %d: round trip failed", level)
		}
	}
}

func TestCompressBlocksGzipHeader(t *testing.T) {
	out := compressBytes(t, testParams(Gzip, 0, 1), []byte("x\n"))
	zr, err := gzip.NewReader(bytes.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	if zr.Name != "" || !zr.ModTime.IsZero() || zr.OS != 255 {
		t.Fatalf("header: name %q mtime %v OS %d", zr.Name, zr.ModTime, zr.OS)
	}
}

// errReader returns data, then an error.
type errReader struct {
	data []byte
	err  error
}

func (e *errReader) Read(p []byte) (int, error) {
	if len(e.data) == 0 {
		return 0, e.err
	}
	n := copy(p, e.data)
	e.data = e.data[n:]
	return n, nil
}

func TestCompressBlocksErrors(t *testing.T) {
	data := genCorpus(t, 6*testZstdBlock)
	boom := errors.New("boom")
	for _, c := range []Codec{Gzip, Zstd} {
		_, err := compressBlocks(io.Discard, &errReader{data, boom}, testParams(c, 0, 2), new(atomic.Bool))
		if !errors.Is(err, boom) {
			t.Errorf("%v: read error: got %v", c, err)
		}
		stop := new(atomic.Bool)
		stop.Store(true)
		if _, err := compressBlocks(io.Discard, bytes.NewReader(data), testParams(c, 0, 2), stop); !errors.Is(err, errAborted) {
			t.Errorf("%v: stop: got %v", c, err)
		}
		if _, err := compressBlocks(failWriter{boom}, bytes.NewReader(data), testParams(c, 0, 2), new(atomic.Bool)); !errors.Is(err, boom) {
			t.Errorf("%v: write error: got %v", c, err)
		}
	}
	if _, err := compressBlocks(io.Discard, bytes.NewReader(data), testParams(NoCompression, 0, 2), new(atomic.Bool)); err == nil {
		t.Error("NoCompression: no error")
	}
	if _, err := compressBlocks(io.Discard, bytes.NewReader(data), testParams(Gzip, 42, 2), new(atomic.Bool)); err == nil {
		t.Error("gzip level 42: no error")
	}
}

type failWriter struct{ err error }

func (f failWriter) Write([]byte) (int, error) { return 0, f.err }

// TestCompressedReadableByCLI decompresses compressFile's output with the
// real zcat and zstd -d, when installed.
func TestCompressedReadableByCLI(t *testing.T) {
	data := genCorpus(t, 5*testZstdBlock+777)
	for _, tc := range []struct {
		codec Codec
		cmd   string
		args  []string
	}{{Gzip, "gzip", []string{"-dc"}}, {Gzip, "zcat", nil}, {Zstd, "zstd", []string{"-dc"}}} {
		t.Run(tc.cmd, func(t *testing.T) {
			bin := testkit.Need(t, tc.cmd)
			for _, size := range []int{0, len(data)} {
				src := filepath.Join(t.TempDir(), "b.log")
				if err := os.WriteFile(src, data[:size], 0o644); err != nil {
					t.Fatal(err)
				}
				dst, _, err := compressFile(src, testParams(tc.codec, 0, 2), new(atomic.Bool))
				if err != nil {
					t.Fatal(err)
				}
				out, err := exec.Command(bin, append(tc.args, dst)...).Output()
				if err != nil {
					t.Fatalf("%s %s: %v", tc.cmd, dst, err)
				}
				if !bytes.Equal(out, data[:size]) {
					t.Fatalf("%s: %d bytes, want %d", tc.cmd, len(out), size)
				}
				if tc.cmd == "gzip" {
					if msg, err := exec.Command(bin, "-t", dst).CombinedOutput(); err != nil {
						t.Fatalf("gzip -t: %v %s", err, msg)
					}
				}
			}
		})
	}
}

func TestCompressConcurrencyOption(t *testing.T) {
	if _, err := New(filepath.Join(t.TempDir(), "a.log"), Options{Compress: Gzip, CompressConcurrency: -1}); err == nil {
		t.Fatal("negative CompressConcurrency accepted")
	}
}

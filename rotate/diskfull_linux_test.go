//go:build linux

package rotate

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/haplog/haplog/internal/testfs"
	"github.com/haplog/haplog/internal/testkit"
)

// These tests fill a real, size-limited tmpfs (ENOSPC from the kernel, with
// its partial writes), which the /dev/full test (TestDiskFull) cannot show.
// Mounting needs CAP_SYS_ADMIN: without it they skip.

// freeSpace is the number of bytes an unprivileged write can still use in dir.
func freeSpace(t *testing.T, dir string) int64 {
	t.Helper()
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		t.Fatal(err)
	}
	return int64(st.Bavail) * int64(st.Bsize)
}

// fillTo writes a filler file so that about leave bytes stay free in dir.
func fillTo(t *testing.T, dir, name string, leave int64) string {
	t.Helper()
	free := freeSpace(t, dir)
	if free <= leave {
		t.Fatalf("%s has %d bytes free, want more than %d", dir, free, leave)
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, make([]byte, free-leave), 0o644); err != nil {
		t.Fatalf("filler: %v", err)
	}
	return p
}

// lockedLog is a slog destination safe to read while handlers write to it.
type lockedLog struct{ testfs.LockedBuffer }

// count returns how many records have the message msg.
func (l *lockedLog) count(msg string) int {
	return strings.Count(l.String(), fmt.Sprintf("msg=%q", msg))
}

// diskLineLen is the length of a diskLine.
const diskLineLen = len("seq=000000 ") + 12*16 + 1

// diskLine is line seq: a number and a pseudo-random hex payload (hex
// compresses to about half, so a gzip backup needs real space).
func diskLine(rng *rand.Rand, seq int) []byte {
	b := fmt.Appendf(nil, "seq=%06d ", seq)
	for range 12 {
		b = fmt.Appendf(b, "%016x", rng.Uint64())
	}
	return append(b, '\n')
}

// diskFullRun writes numbered lines until Write refuses one with
// ErrBufferFull, then a few more (all refused), checking on every call that
// the memory held for the file (accepted bytes not yet written) stays
// bounded. It returns the refusal.
type diskFullRun struct {
	t        *testing.T
	w        *Writer
	rng      *rand.Rand
	per      int // lines per Write call
	seq      int
	accepted bytes.Buffer // every byte Write accepted, in order
	rejected int64        // bytes Write refused
	maxHeld  int64        // most bytes accepted and not yet written
	maxBuf   int          // largest Stats().Buffered seen
	// settle, if set, runs after the first refusal, until the disk's free
	// space no longer changes by itself (a compression that failed frees
	// its temporary file); the run then writes until refused again.
	settle func()
	// bufferedAtRefusal is Stats().Buffered just after the refusal
	// untilFull returns (on a full disk, nothing is written meanwhile).
	bufferedAtRefusal int
}

func (r *diskFullRun) write() error {
	r.t.Helper()
	var l []byte
	for range max(r.per, 1) {
		l = append(l, diskLine(r.rng, r.seq)...)
		r.seq++
	}
	_, err := r.w.Write(l)
	if err == nil {
		r.accepted.Write(l)
	} else {
		r.rejected += int64(len(l))
	}
	r.observe()
	return err
}

// observe records the memory held for the file: the bytes accepted and not
// yet written (Stats().BytesWritten counts partial writes too) and the
// buffer Stats reports.
func (r *diskFullRun) observe() {
	st := r.w.Stats()
	r.maxHeld = max(r.maxHeld, int64(r.accepted.Len())-st.BytesWritten)
	r.maxBuf = max(r.maxBuf, st.Buffered)
}

// closeAndCheck closes the writer and checks that path holds every byte
// Write accepted, once and in order.
func (r *diskFullRun) closeAndCheck(path string) {
	r.t.Helper()
	if err := r.w.Close(); err != nil {
		r.t.Fatalf("Close: %v", err)
	}
	got, err := os.ReadFile(path)
	if err != nil {
		r.t.Fatal(err)
	}
	checkContent(r.t, got, r.accepted.Bytes())
}

func (r *diskFullRun) untilFull(limit int) error {
	r.t.Helper()
	for range limit {
		if err := r.write(); err != nil {
			if !errors.Is(err, ErrBufferFull) || !errors.Is(err, syscall.ENOSPC) {
				r.t.Fatalf("Write: %v, want ErrBufferFull wrapping ENOSPC", err)
			}
			if r.settle != nil {
				r.settle()
				r.settle = nil
				continue
			}
			r.bufferedAtRefusal = r.w.Stats().Buffered
			// The disk stays full: every further line is refused too.
			for range 20 {
				if err := r.write(); !errors.Is(err, ErrBufferFull) {
					r.t.Fatalf("Write on a full disk and a full buffer: %v, want ErrBufferFull", err)
				}
			}
			return err
		}
	}
	r.t.Fatalf("%d lines (%d bytes) accepted and the disk is not full", limit, r.accepted.Len())
	return nil
}

// checkContent compares what the files hold with what was accepted.
func checkContent(t *testing.T, got, want []byte) {
	t.Helper()
	if bytes.Equal(got, want) {
		return
	}
	g := bytes.SplitAfter(got, []byte("\n"))
	w := bytes.SplitAfter(want, []byte("\n"))
	for i := range min(len(g), len(w)) {
		if !bytes.Equal(g[i], w[i]) {
			t.Fatalf("files differ from the accepted lines at line %d: %.20q, want %.20q (%d lines, want %d)", i, g[i], w[i], len(g), len(w))
		}
	}
	t.Fatalf("files hold %d lines (%d bytes), %d lines (%d bytes) were accepted", len(g), len(got), len(w), len(want))
}

// writeSizes are the two ways callers write: a line per call (buffered by
// the Writer) and runs of whole lines larger than BufferSize, as syslogd's
// flusher hands over (which the Writer may write without buffering).
var writeSizes = []struct {
	name string
	per  int
}{{"lines", 1}, {"chunks", 30}}

// heldLimit is the most data the Writer may hold for a file that cannot be
// written, when one goroutine writes whole lines: MaxBuffer, or a single
// Write larger than that (accepted when nothing was held). It counts the
// batch buffer and the unwritten rest of a failed write alike.
func heldLimit(maxBuffer, per int) int64 {
	return int64(max(maxBuffer, per*diskLineLen))
}

// TestDiskFullTmpfs fills a small tmpfs until write(2) fails with ENOSPC:
// Write keeps accepting up to MaxBuffer, then refuses with ErrBufferFull;
// the error is counted and logged once; when space returns the writer
// resumes by itself, and every accepted line is in the file once, in order.
func TestDiskFullTmpfs(t *testing.T) {
	for _, ws := range writeSizes {
		t.Run(ws.name, func(t *testing.T) { testDiskFullTmpfs(t, ws.per) })
	}
}

func testDiskFullTmpfs(t *testing.T, per int) {
	dir := testfs.MountTmpfs(t, "256k")
	filler := fillTo(t, dir, "filler", 64<<10)
	const bufSize, maxBuffer = 4 << 10, 32 << 10
	var logs lockedLog
	path := filepath.Join(dir, "app.log")
	w := mustNew(t, path, Options{BufferSize: bufSize, MaxBuffer: maxBuffer, FlushInterval: 5 * time.Millisecond,
		Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	t.Cleanup(func() { w.Close() })
	r := &diskFullRun{t: t, w: w, rng: rand.New(rand.NewPCG(1, 2)), per: per}

	full := r.untilFull(10000)
	t.Logf("full after %d lines: %d bytes accepted, %d written: %v", r.seq, r.accepted.Len(), w.Stats().BytesWritten, full)
	// The refusal names the file once and the bytes really waiting, which
	// leave no room for the refused Write.
	if n := strings.Count(full.Error(), path); n != 1 {
		t.Errorf("the refusal names the file %d times, want once: %v", n, full)
	}
	var waiting int
	if _, err := fmt.Sscanf(full.Error()[len(ErrBufferFull.Error()):], " (%d bytes waiting", &waiting); err != nil {
		t.Errorf("no byte count after %q in %q: %v", ErrBufferFull, full, err)
	} else if waiting != r.bufferedAtRefusal || waiting > maxBuffer || waiting+per*diskLineLen <= maxBuffer {
		t.Errorf("the refusal says %d bytes waiting (Stats().Buffered %d): want Buffered, and no room in MaxBuffer %d for the %d bytes refused",
			waiting, r.bufferedAtRefusal, maxBuffer, per*diskLineLen)
	}
	if fi, err := os.Stat(path); err != nil || fi.Size() < 32<<10 {
		t.Fatalf("the file did not take the free space before the buffer filled: %v %v", fi, err)
	}
	if err := w.Flush(); !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("Flush on a full disk: %v, want ENOSPC", err)
	}
	// The tick retries by itself; each retry is counted, the error is logged once.
	before := w.Stats().WriteErrors
	testkit.Eventually(t, "write retries", func() bool { return w.Stats().WriteErrors >= before+3 })
	st := w.Stats()
	if st.BytesRejected != r.rejected {
		t.Errorf("Stats().BytesRejected = %d, %d bytes were refused", st.BytesRejected, r.rejected)
	}
	if st.Buffered == 0 || st.Buffered > maxBuffer {
		t.Errorf("Stats().Buffered = %d on a full disk, want 1..%d", st.Buffered, maxBuffer)
	}
	if n := logs.count("rotate: write failed, buffering"); n != 1 {
		t.Errorf("write failure logged %d times for %d failed attempts, want once:\n%s", n, st.WriteErrors, logs.String())
	}
	if !strings.Contains(logs.String(), "no space left on device") {
		t.Errorf("the log does not name the cause:\n%s", logs.String())
	}
	if logs.count("rotate: writing again") != 0 {
		t.Error("recovery logged while the disk is full")
	}

	// Space returns: the writer catches up without being asked.
	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	testkit.Eventually(t, "the buffered lines to be written", func() bool {
		r.observe()
		return w.Stats().BytesWritten == int64(r.accepted.Len())
	})
	testkit.Eventually(t, "the recovery to be logged", func() bool { return logs.count("rotate: writing again") == 1 })
	for range 300 / per {
		if err := r.write(); err != nil {
			t.Fatalf("Write after space returned: %v", err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatalf("Flush after space returned: %v", err)
	}
	r.closeAndCheck(path)

	// Memory: all the data held (buffer plus the write that failed) and
	// Stats().Buffered, which reports it, stay within MaxBuffer.
	t.Logf("most held: %d bytes (Stats().Buffered at most %d); MaxBuffer %d, BufferSize %d", r.maxHeld, r.maxBuf, maxBuffer, bufSize)
	if r.maxBuf > maxBuffer {
		t.Errorf("Stats().Buffered reached %d > MaxBuffer %d", r.maxBuf, maxBuffer)
	}
	if limit := heldLimit(maxBuffer, per); r.maxHeld > limit {
		t.Errorf("%d bytes held in memory, more than MaxBuffer = %d", r.maxHeld, limit)
	}
}

// TestDiskFullRotationCompress: a size rotation on a full disk. The backup
// cannot be compressed (the temporary .gz does not fit): the compression
// fails cleanly, leaving no .tmp and no .gz; after space returns, the next
// rotation and Close compress every backup, and the current file plus the
// decompressed backups hold every accepted line exactly once, in order.
func TestDiskFullRotationCompress(t *testing.T) {
	for _, ws := range writeSizes {
		t.Run(ws.name, func(t *testing.T) { testDiskFullRotationCompress(t, ws.per) })
	}
}

func testDiskFullRotationCompress(t *testing.T, per int) {
	dir := testfs.MountTmpfs(t, "256k")
	const maxSize, bufSize, maxBuffer = 32 << 10, 4 << 10, 32 << 10
	// Room for one full file and 8 KiB: the compressed backup (about half
	// of 32 KiB) cannot fit.
	filler := fillTo(t, dir, "filler", maxSize+8<<10)
	var logs lockedLog
	path := filepath.Join(dir, "app.log")
	w := mustNew(t, path, Options{MaxSize: maxSize, Compress: Gzip, Level: 1, CompressConcurrency: 1,
		BufferSize: bufSize, MaxBuffer: maxBuffer, FlushInterval: 5 * time.Millisecond,
		Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	t.Cleanup(func() { w.Close() })
	r := &diskFullRun{t: t, w: w, rng: rand.New(rand.NewPCG(3, 4)), per: per}
	// The compression competes with the writer for the last bytes and frees
	// them when it fails: wait for that before checking that the disk stays
	// full. The worker retries only after defaultRetryDelay (30s).
	r.settle = func() {
		testkit.Eventually(t, "the compression to fail", func() bool { return w.Stats().BackgroundErrors >= 1 })
	}

	full := r.untilFull(10000)
	t.Logf("full after %d lines: %v", r.seq, full)
	if w.Stats().Rotations < 1 {
		t.Fatal("no size rotation before the disk filled")
	}
	if n := w.Stats().BackgroundErrors; n != 1 {
		t.Errorf("%d background errors, want 1 (no retry before %v)", n, defaultRetryDelay)
	}
	if !compressENOSPC(logs.String()) {
		t.Errorf("the failed compression is not logged with its cause:\n%s", logs.String())
	}
	if c := w.Stats().Compressed; c != 0 {
		t.Errorf("%d backups compressed on a full disk", c)
	}
	names := testfs.Names(t, dir)
	for _, n := range names {
		if strings.HasSuffix(n, ".tmp") || strings.HasSuffix(n, ".gz") {
			t.Errorf("%s left by the failed compression (files: %v)", n, names)
		}
	}
	t.Logf("on the full disk: %v", names)

	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	testkit.Eventually(t, "the buffered lines to be written", func() bool {
		r.observe()
		return w.Stats().BytesWritten == int64(r.accepted.Len())
	})
	// Enough lines for at least one more rotation, which retries the
	// compression of the first backup.
	rot := w.Stats().Rotations
	for i := 0; w.Stats().Rotations < rot+1 || i < 100/per; i++ {
		if i >= 10000 {
			t.Fatal("no rotation after space returned")
		}
		if err := r.write(); err != nil {
			t.Fatalf("Write after space returned: %v", err)
		}
		if i%(50/per+1) == 0 {
			_ = w.Flush() // let size rotations happen as the lines go out
		}
	}
	if err := w.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	names = testfs.Names(t, dir)
	backups := 0
	for _, n := range names {
		switch {
		case n == "app.log":
		case strings.HasSuffix(n, ".tmp"):
			t.Errorf("temporary file %s left after space returned (files: %v)", n, names)
		case strings.HasSuffix(n, ".gz"):
			backups++
		default:
			t.Errorf("%s not compressed after space returned and Close (files: %v)", n, names)
		}
	}
	if backups < 2 || w.Stats().Compressed < 2 {
		t.Errorf("%d .gz backups, %d compressed, want at least 2 (files: %v)", backups, w.Stats().Compressed, names)
	}
	t.Logf("after recovery: %v; stats %+v; logged %d write failures, %d recoveries", names, w.Stats(),
		logs.count("rotate: write failed, buffering"), logs.count("rotate: writing again"))
	checkContent(t, numberedChain(t, path), r.accepted.Bytes())
	if limit := heldLimit(maxBuffer, per); r.maxHeld > limit {
		t.Errorf("%d bytes held in memory, more than MaxBuffer = %d", r.maxHeld, limit)
	}
}

// compressENOSPC reports whether the log has a failed compression for lack
// of space.
func compressENOSPC(log string) bool {
	for _, l := range strings.Split(log, "\n") {
		if strings.Contains(l, "rotate: background compress failed") && strings.Contains(l, "no space left on device") {
			return true
		}
	}
	return false
}

// TestDiskFullMemoryBound checks the documented bound (Options.MaxBuffer:
// "bounds the data held in memory while the file cannot be written";
// Stats.Buffered: "bytes accepted and not yet written") in two cases where
// a write fails with data left over:
//   - partial: space comes back only partly while the buffer is full; the
//     tick writes what fits, and Write then accepts a whole MaxBuffer again
//     while the rest of the failed batch is still held;
//   - big: each Write is a run of lines larger than MaxBuffer (as syslogd
//     hands over its pending lines); the first is written directly and
//     fails half-way, the next is accepted whole into the empty buffer.
//
// The data held must stay within MaxBuffer (or one Write, when a single
// Write is larger and nothing was held), and Stats().Buffered must report it.
func TestDiskFullMemoryBound(t *testing.T) {
	t.Run("partial", func(t *testing.T) { testDiskFullMemoryBound(t, 1, 64<<10, true) })
	t.Run("big", func(t *testing.T) { testDiskFullMemoryBound(t, 320, 16<<10, false) })
}

func testDiskFullMemoryBound(t *testing.T, per int, free int64, partial bool) {
	dir := testfs.MountTmpfs(t, "256k")
	small := filepath.Join(dir, "small")
	if err := os.WriteFile(small, make([]byte, 16<<10), 0o644); err != nil {
		t.Fatal(err)
	}
	big := fillTo(t, dir, "filler", free)
	const bufSize, maxBuffer = 4 << 10, 32 << 10
	path := filepath.Join(dir, "app.log")
	w := mustNew(t, path, Options{BufferSize: bufSize, MaxBuffer: maxBuffer, FlushInterval: 5 * time.Millisecond})
	t.Cleanup(func() { w.Close() })
	r := &diskFullRun{t: t, w: w, rng: rand.New(rand.NewPCG(5, 6)), per: per}
	r.untilFull(10000)
	if partial {
		// 16 KiB come back: the tick fills them and fails again.
		written := w.Stats().BytesWritten
		if err := os.Remove(small); err != nil {
			t.Fatal(err)
		}
		testkit.Eventually(t, "the freed space to be used", func() bool {
			return w.Stats().BytesWritten >= written+12<<10 && freeSpace(t, dir) < 4<<10
		})
		r.untilFull(10000)
	}
	held := int64(r.accepted.Len()) - w.Stats().BytesWritten
	buffered := w.Stats().Buffered

	// Space returns: everything accepted arrives once, in order.
	os.Remove(small)
	if err := os.Remove(big); err != nil {
		t.Fatal(err)
	}
	testkit.Eventually(t, "the buffered lines to be written", func() bool {
		r.observe()
		return w.Stats().BytesWritten == int64(r.accepted.Len())
	})
	r.closeAndCheck(path)
	if r.maxHeld > heldLimit(maxBuffer, per) {
		t.Errorf("%d bytes held, more than %d", r.maxHeld, heldLimit(maxBuffer, per))
	}

	t.Logf("on the full disk: %d bytes held, Stats().Buffered %d; MaxBuffer %d, %d lines per Write", held, buffered, maxBuffer, per)
	if limit := heldLimit(maxBuffer, per); held > limit {
		t.Errorf("%d bytes held on a full disk, more than MaxBuffer (or the one Write larger than it) = %d", held, limit)
	}
	if int64(buffered) != held {
		t.Errorf("Stats().Buffered = %d on a full disk, %d bytes are accepted and not written", buffered, held)
	}
}

// TestDiskFullCompressRetry: a backup that cannot be compressed for lack of
// space is retried by the worker by itself while the disk stays full, less
// and less often, and compressed as soon as a retry finds room, with no
// rotation, Write, Flush or Close to prompt it.
func TestDiskFullCompressRetry(t *testing.T) {
	dir := testfs.MountTmpfs(t, "256k")
	var logs lockedLog
	path := filepath.Join(dir, "app.log")
	const first = 2 * time.Millisecond
	w := mustNew(t, path, Options{Compress: Gzip, Level: 1, CompressConcurrency: 1, FlushInterval: time.Hour,
		Logger: slog.New(slog.NewTextHandler(&logs, nil)), retryDelay: first})
	t.Cleanup(func() { w.Close() })
	rng := rand.New(rand.NewPCG(7, 8))
	var want bytes.Buffer
	for seq := 0; want.Len() < 32<<10; seq++ {
		l := diskLine(rng, seq)
		if _, err := w.Write(l); err != nil {
			t.Fatal(err)
		}
		want.Write(l)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	// 4 KiB free: the rotation needs none, the .gz (about half of 32 KiB)
	// does not fit.
	filler := fillTo(t, dir, "filler", 4<<10)
	start := time.Now()
	if err := w.Rotate(); err != nil {
		t.Fatal(err)
	}
	// Six failed attempts: the first at the rotation, then retries after
	// first, 2, 4, 8 and 16 times first. Spinning would get there sooner.
	testkit.Eventually(t, "the worker to retry on the full disk", func() bool { return w.Stats().BackgroundErrors >= 6 })
	if took, least := time.Since(start), (1+2+4+8+16)*first; took < least {
		t.Errorf("6 failed attempts in %v, want at least %v: the retries do not back off", took, least)
	}
	if c := w.Stats().Compressed; c != 0 {
		t.Fatalf("%d backups compressed on a full disk", c)
	}
	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	testkit.Eventually(t, "a retry to compress the backup", func() bool { return w.Stats().Compressed == 1 })
	elapsed := time.Since(start)
	st := w.Stats()
	t.Logf("compressed after %d failed attempts in %v (first retry after %v)", st.BackgroundErrors, elapsed, first)
	if n := int64(strings.Count(logs.String(), `msg="rotate: background compress failed"`)); n != st.BackgroundErrors || !compressENOSPC(logs.String()) {
		t.Errorf("%d compression failures logged for %d background errors, or without their cause:\n%s", n, st.BackgroundErrors, logs.String())
	}
	if st.Rotations != 1 || st.WriteErrors != 0 {
		t.Errorf("stats %+v: want 1 rotation and no write error (nothing but the retry could compress)", st)
	}
	names := testfs.Names(t, dir)
	if !slices.Equal(names, []string{"app.log", "app.log.1.gz"}) {
		t.Errorf("files %v, want app.log and app.log.1.gz", names)
	}
	if got := readAny(t, path+".1.gz"); !bytes.Equal(got, want.Bytes()) {
		checkContent(t, got, want.Bytes())
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestRetryBackoff: the worker's retry delay starts at the first delay,
// doubles, and stops growing at retryMaxFactor times the first.
func TestRetryBackoff(t *testing.T) {
	const first = 30 * time.Second
	var got []time.Duration
	for d := time.Duration(0); len(got) < 7; {
		d = nextRetry(d, first)
		got = append(got, d)
	}
	want := []time.Duration{30 * time.Second, time.Minute, 2 * time.Minute, 4 * time.Minute, 8 * time.Minute, 10 * time.Minute, 10 * time.Minute}
	if !slices.Equal(got, want) {
		t.Errorf("retry delays %v, want %v", got, want)
	}
}

// TestDiskFullCloseWhileRetrying: Close while the worker waits to retry a
// failed compression stops the retry timer with the goroutines, and leaves
// the backup uncompressed with no temporary file.
func TestDiskFullCloseWhileRetrying(t *testing.T) {
	dir := testfs.MountTmpfs(t, "256k")
	path := filepath.Join(dir, "app.log")
	before := runtime.NumGoroutine()
	w := mustNew(t, path, Options{Compress: Gzip, Level: 1, CompressConcurrency: 1, FlushInterval: time.Hour,
		retryDelay: time.Millisecond})
	t.Cleanup(func() { w.Close() })
	rng := rand.New(rand.NewPCG(9, 10))
	for seq := 0; seq < 200; seq++ {
		if _, err := w.Write(diskLine(rng, seq)); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	fillTo(t, dir, "filler", 4<<10)
	if err := w.Rotate(); err != nil {
		t.Fatal(err)
	}
	// The goroutine that retries is the worker: once the goroutines are
	// back to their number before New, no retry can happen any more.
	testkit.Eventually(t, "the worker to retry on the full disk", func() bool { return w.Stats().BackgroundErrors >= 2 })
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	testkit.Eventually(t, "goroutines to exit", func() bool { return runtime.NumGoroutine() <= before })
	if names := testfs.Names(t, dir); !slices.Equal(names, []string{"app.log", "app.log.1", "filler"}) {
		t.Errorf("files %v after Close on a full disk, want app.log, app.log.1 (uncompressed) and filler", names)
	}
}

// TestFlappingDiskLogsRateLimited: a file that keeps failing and recovering
// (its path alternately a symlink to /dev/full and a regular file) logs one
// failure and its recovery per failLogEvery; a failure held back is logged,
// with the number held back before it, once the interval has passed if it
// lasts.
func TestFlappingDiskLogsRateLimited(t *testing.T) {
	if _, err := os.Stat("/dev/full"); err != nil {
		t.Skip("no /dev/full")
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "flap.log")
	// replace swaps the path atomically, so the writer never finds it
	// missing (and never creates it itself).
	replace := func(full bool) {
		t.Helper()
		tmp := filepath.Join(dir, "next")
		var err error
		if full {
			err = os.Symlink("/dev/full", tmp)
		} else {
			err = os.WriteFile(tmp, nil, 0o644)
		}
		if err == nil {
			err = os.Rename(tmp, path)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	replace(true)
	clock := &fakeClock{t: time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)}
	var logs lockedLog
	w := mustNew(t, path, Options{FlushInterval: time.Millisecond, BufferSize: 1024, MaxBuffer: 1 << 20,
		Now: clock.Now, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	t.Cleanup(func() { w.Close() })
	seq := 0
	// fail writes lines until a write attempt fails; heal waits until
	// everything buffered is written.
	fail := func() {
		t.Helper()
		replace(true)
		before := w.Stats().WriteErrors
		testkit.Eventually(t, "a failed write", func() bool {
			fmt.Fprintf(w, "line %d\n", seq)
			seq++
			return w.Stats().WriteErrors > before
		})
	}
	heal := func() {
		t.Helper()
		replace(false)
		testkit.Eventually(t, "the recovery", func() bool { return w.Stats().Buffered == 0 })
	}
	const failMsg, okMsg = "rotate: write failed, buffering", "rotate: writing again"
	check := func(when string, failures, recoveries int) {
		t.Helper()
		if f, r := logs.count(failMsg), logs.count(okMsg); f != failures || r != recoveries {
			t.Fatalf("%s: %d failures and %d recoveries logged, want %d and %d:\n%s", when, f, r, failures, recoveries, logs.String())
		}
	}

	fail()
	heal()
	check("first failure", 1, 1)
	const flaps = 3
	for range flaps {
		fail()
		heal()
	}
	check(fmt.Sprintf("%d more failures within %v", flaps, failLogEvery), 1, 1)
	fail()
	check("a failure within the interval", 1, 1)
	// The failure lasts past the interval: the next retry logs it, with
	// the failures held back before it.
	clock.Set(clock.Now().Add(failLogEvery))
	testkit.Eventually(t, "the lasting failure to be logged", func() bool { return logs.count(failMsg) == 2 })
	if !strings.Contains(logs.String(), fmt.Sprintf("unreported_failures=%d", flaps)) {
		t.Errorf("the failure logged after the interval does not count the %d held back:\n%s", flaps, logs.String())
	}
	heal()
	check("its recovery", 2, 2)
	if n := w.Stats().WriteErrors; n < flaps+2 {
		t.Errorf("%d write errors counted for %d failures", n, flaps+2)
	}
}

// TestDirectWriteInFlightCounted: while a direct write (a run of whole lines
// written without a copy) is under way, its bytes count as held (Stats().
// Buffered; Write checks the same count against MaxBuffer). The file is a
// FIFO nobody reads, so the write stays under way until the test reads.
func TestDirectWriteInFlightCounted(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "fifo.log")
	if err := syscall.Mkfifo(path, 0o644); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	rd, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		t.Fatal(err)
	}
	w, err := New(path, Options{BufferSize: 4 << 10, MaxBuffer: 64 << 10, FlushInterval: time.Hour})
	if err != nil {
		rd.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		rd.Close() // a write still blocked fails (EPIPE), so Close can finish
		w.Close()
	})
	var p []byte
	for len(p) < 256<<10 { // more than the pipe (64 KiB) and MaxBuffer
		p = append(p, lines(100, "fifo")...)
	}
	done := make(chan error, 1)
	go func() {
		_, err := w.Write(p)
		done <- err
	}()
	testkit.Eventually(t, "the direct write to be counted", func() bool { return w.Stats().Buffered == len(p) })
	got := make([]byte, len(p))
	if _, err := io.ReadFull(rd, got); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatalf("Write: %v", err)
	}
	if !bytes.Equal(got, p) {
		t.Fatalf("read %d bytes, differing from those written at %d", len(got), firstDiff(got, p))
	}
	if b := w.Stats().Buffered; b != 0 {
		t.Errorf("Stats().Buffered = %d after the direct write completed", b)
	}
}

// TestWritableFileNeverRefuses: a partial line waits for its end; a Write
// that completes it but does not fit in MaxBuffer with it is accepted, since
// the file is writable (refusing it would make a caller that retries, as
// cmd/rotate does, wait forever).
func TestWritableFileNeverRefuses(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a.log")
	w := mustNew(t, path, Options{BufferSize: 1024, MaxBuffer: 1024, FlushInterval: time.Hour})
	t.Cleanup(func() { w.Close() })
	want := []byte("a partial line")
	if _, err := w.Write(want); err != nil {
		t.Fatal(err)
	}
	rest := append([]byte(" ends here\n"), lines(40, "more")...) // more than MaxBuffer
	if _, err := w.Write(rest); err != nil {
		t.Fatalf("Write to a writable file: %v", err)
	}
	want = append(want, rest...)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if got, err := os.ReadFile(path); err != nil || !bytes.Equal(got, want) {
		t.Fatalf("file holds %d bytes (%v), want %d", len(got), err, len(want))
	}
}

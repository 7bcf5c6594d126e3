//go:build linux

package syslogd

import (
	"bytes"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/haplog/haplog/internal/testfs"
	"github.com/haplog/haplog/rotate"
)

// diskLog is a slog destination safe to read while handlers write to it.
type diskLog struct{ testfs.LockedBuffer }

// count returns how many records have message msg and mention path.
func (l *diskLog) count(msg, path string) int {
	n := 0
	for _, line := range strings.Split(l.String(), "\n") {
		if strings.Contains(line, fmt.Sprintf("msg=%q", msg)) && strings.Contains(line, path) {
			n++
		}
	}
	return n
}

// fileCounters reads the per-file written and dropped counters from the
// metrics text.
func fileCounters(t *testing.T, s *Server, path string) (written, dropped uint64) {
	t.Helper()
	text := s.metricsText()
	get := func(name string) uint64 {
		re := regexp.MustCompile(`(?m)^` + name + `\{path=` + regexp.QuoteMeta(strconv.Quote(path)) + `\} (\d+)$`)
		m := re.FindStringSubmatch(text)
		if m == nil {
			t.Fatalf("no %s for %s in the metrics:\n%s", name, path, text)
		}
		v, _ := strconv.ParseUint(m[1], 10, 64)
		return v
	}
	return get("syslogd_file_written_total"), get("syslogd_file_dropped_total")
}

// fileSeqs returns the seq= numbers of the lines of path, in file order.
func fileSeqs(t *testing.T, path string) []int {
	t.Helper()
	data := testfs.ReadFile(t, path)
	var seqs []int
	for _, line := range bytes.SplitAfter(data, []byte("\n")) {
		if len(line) == 0 {
			continue
		}
		i := bytes.Index(line, []byte("seq="))
		if i < 0 || line[len(line)-1] != '\n' {
			t.Fatalf("%s: bad line %.60q", path, line)
		}
		f := bytes.Fields(line[i+4:])
		v, err := strconv.Atoi(string(f[0]))
		if err != nil {
			t.Fatalf("%s: bad line %.60q", path, line)
		}
		seqs = append(seqs, v)
	}
	return seqs
}

// diskSender sends numbered datagrams of about 1 KiB, paced: it waits for
// each batch to be received (or counted as dropped by the kernel) before
// sending the next, so that the socket buffer does not overflow.
type diskSender struct {
	t    *testing.T
	s    *Server
	c    net.Conn
	pad  string
	sent int
}

func (d *diskSender) send(n int) {
	d.t.Helper()
	const batch = 64
	for i := 0; i < n; i += batch {
		for range min(batch, n-i) {
			if _, err := fmt.Fprintf(d.c, "<134>Nov 21 13:30:00 h t: seq=%06d %s", d.sent, d.pad); err != nil {
				d.t.Fatal(err)
			}
			d.sent++
		}
		d.waitCounted()
	}
}

// waitCounted waits until every datagram sent is received or dropped by the
// kernel.
func (d *diskSender) waitCounted() {
	d.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		st := d.s.Stats()
		if st.Received+st.KernelDrops >= uint64(d.sent) {
			return
		}
		if time.Now().After(deadline) {
			var dump strings.Builder
			_ = pprof.Lookup("goroutine").WriteTo(&dump, 1)
			d.t.Fatalf("%d sent, %d received, %d dropped by the kernel; goroutines:\n%s", d.sent, st.Received, st.KernelDrops, dump.String())
		}
		time.Sleep(100 * time.Microsecond) // polling interval, not synchronisation
	}
}

// waitAccounted waits until each file has written or dropped every
// message received (each message goes to every file).
func waitAccounted(t *testing.T, s *Server, paths ...string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		ok := true
		recv := s.Stats().Received
		for _, p := range paths {
			w, d := fileCounters(t, s, p)
			ok = ok && w+d == recv
		}
		if ok {
			return
		}
		if time.Now().After(deadline) {
			for _, p := range paths {
				w, d := fileCounters(t, s, p)
				t.Errorf("%s: %d written + %d dropped, %d received", p, w, d, recv)
			}
			t.FailNow()
		}
		time.Sleep(time.Millisecond) // polling interval, not synchronisation
	}
}

// liveHeap is the heap still in use after a collection.
func liveHeap() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// TestDiskFullTmpfs writes to a file on a small tmpfs until the disk is
// full, keeps sending while it is full, then frees space: the server keeps
// receiving, counts the lost lines, logs the error at its rate limit, holds
// bounded memory, and resumes writing by itself. Every message is written
// once or counted as dropped, per file; a second file on another disk
// loses nothing.
func TestDiskFullTmpfs(t *testing.T) {
	// 2 MiB, of which 64 KiB free: once freed, the disk takes what the
	// writer holds (a few hundred KiB) and what follows.
	fullDir := testfs.MountTmpfs(t, "2m")
	okDir := t.TempDir()
	filler := filepath.Join(fullDir, "filler")
	if err := os.WriteFile(filler, make([]byte, 2<<20-64<<10), 0o644); err != nil {
		t.Fatal(err)
	}
	fullLog, okLog := filepath.Join(fullDir, "full.log"), filepath.Join(okDir, "ok.log")
	conf := fmt.Sprintf("$template M,\"%%msg%%\\n\"\nlocal0.* %s;M\nlocal0.* %s;M\n", fullLog, okLog)
	const maxBuffer = 64 << 10
	var logs diskLog
	s, stop := testServer(t, conf, okDir, Options{
		Logger: slog.New(slog.NewTextHandler(&logs, nil)),
		Rotation: func(string) rotate.Options {
			return rotate.Options{BufferSize: 4 << 10, MaxBuffer: maxBuffer, FlushInterval: 10 * time.Millisecond}
		},
	})
	var once sync.Once
	stopOnce := func() { once.Do(stop) }
	t.Cleanup(stopOnce) // before the unmount
	udp, _, _ := s.Addrs()
	c := dialUDP(t, udp[0].String())
	snd := &diskSender{t: t, s: s, c: c, pad: strings.Repeat("x", 1000)}
	start := liveHeap()

	// Fill the disk: 64 KiB free, then the rotate buffer (64 KiB), then
	// lines are dropped.
	for s.Stats().Dropped == 0 {
		if snd.sent >= 20000 {
			t.Fatalf("%d messages sent to a 64 KiB disk and nothing dropped: %+v", snd.sent, s.Stats())
		}
		snd.send(64)
	}
	firstDrop := time.Now()
	t.Logf("first drop after %d messages", snd.sent)

	// Keep sending 16 MiB while the disk is full: all received, none
	// written to the full file, and the memory does not follow.
	base := liveHeap()
	var peak uint64
	recv0, drop0 := s.Stats().Received, s.Stats().Dropped
	const fullPhase = 16 << 10
	for range fullPhase / 256 {
		before := s.Stats()
		snd.send(256)
		if after := s.Stats(); after.Received <= before.Received && after.KernelDrops < before.KernelDrops+256 {
			t.Fatalf("reception stopped while the disk is full: %+v", s.Stats())
		}
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		peak = max(peak, m.HeapInuse)
	}
	end := liveHeap()
	grown := int64(end) - int64(base)
	st := s.Stats()
	waitAccounted(t, s, fullLog, okLog)
	// What the rotate.Writer holds: lines it accepted minus what is on disk
	// (all lines have the same length).
	fullW, _ := fileCounters(t, s, fullLog)
	lineLen := int64(len(fmt.Sprintf(" seq=%06d %s\n", 0, snd.pad)))
	fi, err := os.Stat(fullLog)
	if err != nil {
		t.Fatal(err)
	}
	rotHeld := int64(fullW)*lineLen - fi.Size()
	t.Logf("full phase: %d received, %d dropped; live heap %d at start, %d when full, %+d after 16 MiB more, peak HeapInuse %d; "+
		"the rotate.Writer of the full file holds %d bytes (MaxBuffer %d)",
		st.Received-recv0, st.Dropped-drop0, start, base, grown, peak, rotHeld, maxBuffer)
	if st.Received-recv0+st.KernelDrops < fullPhase {
		t.Errorf("received %d of %d while the disk was full", st.Received-recv0, fullPhase)
	}
	if st.Dropped-drop0 < fullPhase/2 {
		t.Errorf("only %d of %d lines dropped while the disk was full", st.Dropped-drop0, fullPhase)
	}
	// 16 MiB went to a file that cannot take it: what stays is the rotate
	// buffer (MaxBuffer) and what one flush period brings, not the stream.
	if grown > 4<<20 {
		t.Errorf("live heap grew by %d bytes while 16 MiB went to a full disk", grown)
	}
	// From an idle server to a full disk with 16 MiB more sent: the rotate
	// buffers of the full file and the flusher's spare buffers, a few MiB.
	if total := int64(end) - int64(start); total > 8<<20 {
		t.Errorf("live heap grew by %d bytes from the start to the end of the full phase", total)
	}
	if peak > 64<<20 {
		t.Errorf("HeapInuse reached %d bytes", peak)
	}

	// Rate-limited report: once per file and period, not per line or batch.
	elapsed := time.Since(firstDrop)
	errs := logs.count("write failed, lines dropped", fullLog)
	if errs < 1 || errs > 1+int(elapsed/errorLogEvery) {
		t.Errorf("%d error reports in %v for %d dropped lines, want 1 per %v:\n%s", errs, elapsed, st.Dropped, errorLogEvery, logs.String())
	}
	if n := logs.count("rotate: write failed, buffering", fullLog); n != 1 {
		t.Errorf("the rotate write failure is logged %d times, want once", n)
	}
	if !strings.Contains(logs.String(), "no space left on device") {
		t.Errorf("the log does not name the cause:\n%s", logs.String())
	}
	if n := logs.count("write failed, lines dropped", okLog); n != 0 {
		t.Errorf("errors reported for the file on the good disk")
	}

	// Space returns: the file is written again without any action.
	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for logs.count("rotate: writing again", fullLog) == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("no recovery 5s after space returned: %+v\n%s", s.Stats(), logs.String())
		}
		time.Sleep(time.Millisecond) // polling interval, not synchronisation
	}
	waitAccounted(t, s, fullLog, okLog)
	_, dropped := fileCounters(t, s, fullLog)
	resumeFrom := snd.sent
	snd.send(100) // 100 KiB: the 192 KiB freed are enough
	last := snd.sent - 1
	deadline = time.Now().Add(5 * time.Second)
	for {
		seqs := fileSeqs(t, fullLog)
		if len(seqs) > 0 && seqs[len(seqs)-1] == last {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("message %d not written 5s after space returned (%d lines)", last, len(seqs))
		}
		time.Sleep(time.Millisecond) // polling interval, not synchronisation
	}
	waitAccounted(t, s, fullLog, okLog)
	if _, d := fileCounters(t, s, fullLog); d != dropped {
		t.Errorf("%d lines dropped after the recovery", d-dropped)
	}
	fullW, fullD := fileCounters(t, s, fullLog)
	okW, okD := fileCounters(t, s, okLog)
	stopOnce()

	// Accounting, per file: written once (in order) or counted as dropped.
	st = s.Stats()
	t.Logf("sent %d; %+v; full.log %d written, %d dropped; ok.log %d written, %d dropped", snd.sent, st, fullW, fullD, okW, okD)
	if st.Received+st.KernelDrops != uint64(snd.sent) {
		t.Errorf("%d received + %d kernel drops, %d sent", st.Received, st.KernelDrops, snd.sent)
	}
	if st.Written != fullW+okW || st.Dropped != fullD+okD {
		t.Errorf("server counters %+v, files %d+%d written, %d+%d dropped", st, fullW, okW, fullD, okD)
	}
	if fullW+fullD != st.Received || okW+okD != st.Received {
		t.Errorf("written + dropped != received (%d): full.log %d + %d, ok.log %d + %d", st.Received, fullW, fullD, okW, okD)
	}
	if okD != 0 {
		t.Errorf("%d lines dropped on the good disk", okD)
	}
	for _, f := range []struct {
		path    string
		written uint64
	}{{fullLog, fullW}, {okLog, okW}} {
		seqs := fileSeqs(t, f.path)
		if uint64(len(seqs)) != f.written {
			t.Errorf("%s: %d lines, %d counted as written", f.path, len(seqs), f.written)
		}
		for i := 1; i < len(seqs); i++ {
			if seqs[i] <= seqs[i-1] {
				t.Fatalf("%s: line %d is seq %d after seq %d (duplicated or out of order)", f.path, i, seqs[i], seqs[i-1])
			}
		}
	}
	// After the recovery, the full file has every message received.
	seqs := fileSeqs(t, fullLog)
	have := map[int]bool{}
	for _, v := range seqs {
		have[v] = true
	}
	missing := 0
	for v := resumeFrom; v < snd.sent; v++ {
		if !have[v] {
			missing++
		}
	}
	if missing > int(st.KernelDrops) {
		t.Errorf("%d of the %d messages sent after the recovery are missing from %s", missing, snd.sent-resumeFrom, fullLog)
	}
}

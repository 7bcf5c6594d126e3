package syslogd

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/haplog/haplog/internal/testfs"
	"github.com/haplog/haplog/internal/testkit"
)

// checkSeqs verifies that data holds each "seq=N" for N in [0,n) exactly once.
func checkSeqs(t *testing.T, data []byte, n int) {
	t.Helper()
	seen := make([]int, n)
	for _, line := range bytes.Split(bytes.TrimSuffix(data, []byte("\n")), []byte("\n")) {
		i := bytes.Index(line, []byte("seq="))
		if i < 0 {
			t.Fatalf("line without seq: %q", line)
		}
		v, err := strconv.Atoi(string(line[i+4:]))
		if err != nil || v < 0 || v >= n {
			t.Fatalf("bad seq in %q", line)
		}
		seen[v]++
	}
	lost, dup := testkit.LostDup(seen)
	if lost != 0 || dup != 0 {
		t.Fatalf("%d lost, %d duplicated of %d", lost, dup, n)
	}
}

// TestReloadLosesNothing reloads the configuration (adding and removing a
// file) many times while messages stream in: every message is written once.
func TestReloadLosesNothing(t *testing.T) {
	dir := t.TempDir()
	confPath := filepath.Join(dir, "s.conf")
	write := func(extra bool) {
		c := fmt.Sprintf("$template M,\"%%msg%%\\n\"\nlocal0.* %s/all.log;M\n", dir)
		if extra {
			c += fmt.Sprintf("local0.err %s/extra.log;M\n", dir)
		}
		if err := os.WriteFile(confPath, []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(false)
	s, stop := testServer(t, "", dir, Options{ConfigPath: confPath, Readers: 2})
	udp, _, _ := s.Addrs()
	c := dialUDP(t, udp[0].String())
	const n, batch = 20000, 500
	for i := 0; i < n; i += batch {
		for j := i; j < i+batch; j++ {
			fmt.Fprintf(c, "<%d>Nov 21 13:30:00 h t: seq=%d", 16*8+3+3*(j%2), j)
		}
		write(i/batch%2 == 0)
		if err := s.Reload(); err != nil {
			t.Fatal(err)
		}
		waitReceived(t, s, uint64(i+batch))
	}
	stop()
	if d := s.Stats().KernelDrops; d != 0 {
		t.Fatalf("kernel dropped %d datagrams", d)
	}
	data := testfs.ReadFile(t, filepath.Join(dir, "all.log"))
	checkSeqs(t, data, n)
}

// flakySink fails every write while broken is set.
type flakySink struct {
	countSink
	broken atomic.Bool
}

func (f *flakySink) Write(p []byte) (int, error) {
	if f.broken.Load() {
		return 0, errors.New("no space left on device")
	}
	return f.countSink.Write(p)
}

func flushed(t *testing.T, s *Server) {
	t.Helper()
	_ = s.Flush() // the error is what is under test; counters tell
}

// TestWriteErrorsCounted: while a file cannot be written, messages are
// still received, the lost lines are counted, and writing resumes.
func TestWriteErrorsCounted(t *testing.T) {
	fs := &flakySink{}
	s, stop := testServer(t, msgOnlyConf, t.TempDir(), Options{Open: func(string) (Sink, error) { return fs, nil }})
	udp, _, _ := s.Addrs()
	msgs := func(k int) [][]byte {
		var m [][]byte
		for i := 0; i < k; i++ {
			m = append(m, []byte("<13>x"))
		}
		return m
	}
	sendUDP(t, udp[0], msgs(10))
	waitReceived(t, s, 10)
	flushed(t, s)
	fs.broken.Store(true)
	sendUDP(t, udp[0], msgs(7))
	waitReceived(t, s, 17)
	flushed(t, s)
	fs.broken.Store(false)
	sendUDP(t, udp[0], msgs(5))
	waitReceived(t, s, 22)
	stop()
	st := s.Stats()
	if st.Received != 22 || st.Dropped != 7 || st.Written != 15 || fs.lines.Load() != 15 {
		t.Fatalf("stats %+v, lines %d", st, fs.lines.Load())
	}
	if !bytes.Contains([]byte(s.metricsText()), []byte("syslogd_dropped_total 7\n")) {
		t.Fatalf("metrics:\n%s", s.metricsText())
	}
}

// TestUnopenableFile: a file that cannot be created (its directory is a
// regular file) does not stop the server; its lines are counted as dropped
// until it can be created.
func TestUnopenableFile(t *testing.T) {
	dir := t.TempDir()
	blocker := filepath.Join(dir, "missing")
	if err := os.WriteFile(blocker, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	conf := "$template M,\"%msg%\\n\"\n*.* OUTDIR/missing/a.log;M\n*.* OUTDIR/ok.log;M\n"
	s, stop := testServer(t, conf, dir, Options{})
	udp, _, _ := s.Addrs()
	sendUDP(t, udp[0], [][]byte{[]byte("<13>h t: one")})
	waitReceived(t, s, 1)
	flushed(t, s) // the first write opens the file: it fails
	if st := s.Stats(); st.Dropped != 1 {
		t.Fatalf("after the failed open: stats %+v", st)
	}
	if err := os.Remove(blocker); err != nil {
		t.Fatal(err)
	}
	if err := s.Reload(); err != nil { // SIGHUP: retry the open now
		t.Fatal(err)
	}
	sendUDP(t, udp[0], [][]byte{[]byte("<13>h t: two")})
	waitReceived(t, s, 2)
	stop()
	if st := s.Stats(); st.Dropped != 1 || st.Written != 3 {
		t.Fatalf("stats %+v", st)
	}
	for name, want := range map[string]string{"missing/a.log": " two\n", "ok.log": " one\n two\n"} {
		got, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil || string(got) != want {
			t.Errorf("%s = %q (%v), want %q", name, got, err, want)
		}
	}
}

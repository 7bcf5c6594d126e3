package testkit

import (
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// recorder is a testing.TB whose Fatalf and Errorf record the message;
// Fatalf ends the goroutine as the real one does (runtime.Goexit), so the
// code after it does not run.
type recorder struct {
	testing.TB
	failed string
}

func (r *recorder) Helper() {}

func (r *recorder) Errorf(format string, args ...any) { r.failed = fmt.Sprintf(format, args...) }

func (r *recorder) Fatalf(format string, args ...any) {
	r.failed = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

// run calls f with a recorder in its own goroutine (Fatalf exits it) and
// returns the recorded failure.
func run(t *testing.T, f func(tb testing.TB)) string {
	r := &recorder{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		f(r)
	}()
	<-done
	return r.failed
}

func TestPoll(t *testing.T) {
	var n atomic.Int32
	if !Poll(time.Second, func() bool { return n.Add(1) == 5 }) {
		t.Fatal("Poll gave up on a condition that holds at the 5th call")
	}
	start := time.Now()
	calls := 0
	if Poll(30*time.Millisecond, func() bool { calls++; return false }) {
		t.Fatal("Poll reported a condition that never holds")
	}
	if el := time.Since(start); el < 30*time.Millisecond {
		t.Errorf("Poll gave up after %v, before its deadline", el)
	}
	if calls < 2 {
		t.Errorf("cond called %d times", calls)
	}
}

func TestEventuallyFails(t *testing.T) {
	msg := run(t, func(tb testing.TB) {
		EventuallyWithin(tb, 10*time.Millisecond, "the sky to fall", func() bool { return false })
	})
	if msg != "timed out after 10ms waiting for the sky to fall" {
		t.Errorf("failure = %q", msg)
	}
	if msg := run(t, func(tb testing.TB) { Eventually(tb, "x", func() bool { return true }) }); msg != "" {
		t.Errorf("a holding condition failed: %q", msg)
	}
}

func TestWaitDial(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	WaitDial(t, "tcp", l.Addr().String())

	sock := filepath.Join(t.TempDir(), "s.sock")
	ul, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer ul.Close()
	WaitDial(t, "unix", sock)
}

func TestLineDiff(t *testing.T) {
	f := func(got, want, diff string) {
		t.Helper()
		if d := LineDiff([]byte(got), []byte(want)); d != diff {
			t.Errorf("LineDiff(%q, %q) =\n%s\nwant\n%s", got, want, d, diff)
		}
	}
	f("", "", "")
	f("a\nb\n", "a\nb\n", "")
	f("a\nx\nc\n", "a\nb\nc\n", "line 2:\n got: \"x\\n\"\nwant: \"b\\n\"\n(got 6 bytes in 3 lines, want 6 bytes in 3 lines)")
	f("a\nb", "a\nb\n", "line 2:\n got: \"b\"\nwant: \"b\\n\"\n(got 3 bytes in 2 lines, want 4 bytes in 2 lines)")
	f("a\n", "a\nb\n", "line 2:\n got: (no line)\nwant: \"b\\n\"\n(got 2 bytes in 1 lines, want 4 bytes in 2 lines)")
	long := strings.Repeat("z", 400)
	f(long, "", "line 1:\n got: \""+long[:300]+"\"...\nwant: (no line)\n(got 400 bytes in 1 lines, want 0 bytes in 0 lines)")

	// At most 10 differing lines are described.
	d := LineDiff([]byte(strings.Repeat("x\n", 20)), []byte(strings.Repeat("y\n", 20)))
	if n := strings.Count(d, "line "); n != 10 || !strings.Contains(d, "line 10:") || strings.Contains(d, "line 11:") || !strings.Contains(d, "...\n") {
		t.Errorf("20 differing lines described as:\n%s", d)
	}
}

func TestEqualLines(t *testing.T) {
	if msg := run(t, func(tb testing.TB) {
		if !EqualLines(tb, "out", []byte("a\n"), []byte("a\n")) {
			tb.Errorf("equal texts reported different")
		}
	}); msg != "" {
		t.Errorf("equal: %q", msg)
	}
	msg := run(t, func(tb testing.TB) { EqualLines(tb, "halog -srv output", []byte("a\n"), []byte("b\n")) })
	if !strings.HasPrefix(msg, "halog -srv output differs:\nline 1:\n got: \"a\\n\"\nwant: \"b\\n\"") {
		t.Errorf("different: %q", msg)
	}
}

func TestStart(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh")
	}
	// A program that writes to stderr and exits: Stderr has its words and
	// Process.Eventually fails with them instead of waiting.
	p := Start(t, exec.Command(sh, "-c", "echo cannot bind >&2; exit 3"))
	msg := run(t, func(tb testing.TB) { p.Eventually(tb, "something", func() bool { return false }) })
	if !strings.Contains(msg, "exited (exit status 3) while waiting for something") || !strings.Contains(msg, "cannot bind") {
		t.Errorf("failure = %q", msg)
	}
	if p.Running() {
		t.Error("Running after exit")
	}

	// A program that runs is stopped at cleanup.
	var q *Process
	t.Run("cleanup", func(t *testing.T) {
		q = Start(t, exec.Command(sh, "-c", "exec sleep 60"))
		if !q.Running() {
			t.Fatal("not running")
		}
	})
	select {
	case <-q.Exited():
	default:
		t.Error("still running after its test's cleanup")
	}
}

// TestServe: each connection reaches the handler and is closed after it;
// the listener is closed when the test ends.
func TestServe(t *testing.T) {
	var addr *net.TCPAddr
	t.Run("serve", func(t *testing.T) {
		addr = Serve(t, func(c net.Conn) { c.Write([]byte("hi\n")) })
		for range 2 {
			c, err := net.Dial("tcp", addr.String())
			if err != nil {
				t.Fatal(err)
			}
			b := make([]byte, 8)
			n, _ := io.ReadFull(c, b) // ends at EOF: the handler's close
			c.Close()
			if string(b[:n]) != "hi\n" {
				t.Fatalf("read %q, want %q then EOF", b[:n], "hi\n")
			}
		}
	})
	if c, err := net.Dial("tcp", addr.String()); err == nil {
		c.Close()
		t.Errorf("%s still accepts after the test ended", addr)
	}
}

// TestFreePortAndAddr: the ports returned can be listened on at once.
func TestFreePortAndAddr(t *testing.T) {
	l, err := net.Listen("tcp4", fmt.Sprintf("127.0.0.1:%d", FreePort(t)))
	if err != nil {
		t.Fatalf("FreePort: %v", err)
	}
	l.Close()
	if l, err = net.Listen("tcp", FreeAddr(t, "tcp")); err != nil {
		t.Fatalf("FreeAddr tcp: %v", err)
	}
	l.Close()
	c, err := net.ListenPacket("udp", FreeAddr(t, "udp"))
	if err != nil {
		t.Fatalf("FreeAddr udp: %v", err)
	}
	c.Close()
}

func TestWriteFile(t *testing.T) {
	p := WriteFile(t, filepath.Join(t.TempDir(), "a.cfg"), "global\n")
	if b, err := os.ReadFile(p); err != nil || string(b) != "global\n" || filepath.Base(p) != "a.cfg" {
		t.Errorf("%s: %q, %v", p, b, err)
	}
}

// TestRun: the exit status and both outputs; a program that does not
// exist fails the test.
func TestRun(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh")
	}
	rc, out, errOut := Run(t, exec.Command(sh, "-c", "echo out; echo err >&2; exit 3"))
	if rc != 3 || out != "out\n" || errOut != "err\n" {
		t.Errorf("Run = %d %q %q", rc, out, errOut)
	}
	if rc, _, _ := Run(t, exec.Command(sh, "-c", "true")); rc != 0 {
		t.Errorf("true: rc %d", rc)
	}
	msg := run(t, func(tb testing.TB) { Run(tb, exec.Command(filepath.Join(t.TempDir(), "missing"))) })
	if !strings.Contains(msg, "missing") {
		t.Errorf("failure = %q", msg)
	}
}

func TestLostDup(t *testing.T) {
	for _, tc := range []struct {
		counts    []int
		lost, dup int
	}{
		{nil, 0, 0},
		{[]int{1, 1, 1}, 0, 0},
		{[]int{0, 1, 0}, 2, 0},
		{[]int{3, 1, 2}, 0, 3},
		{[]int{0, 2, 0, 4}, 2, 4},
	} {
		if lost, dup := LostDup(tc.counts); lost != tc.lost || dup != tc.dup {
			t.Errorf("LostDup(%v) = %d, %d; want %d, %d", tc.counts, lost, dup, tc.lost, tc.dup)
		}
	}
}

func TestUDPSocketFile(t *testing.T) {
	f, addr := UDPSocketFile(t)
	pc, err := net.FilePacketConn(f)
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	if pc.LocalAddr().String() != addr {
		t.Errorf("file's socket at %s, returned address %s", pc.LocalAddr(), addr)
	}
	c, err := net.Dial("udp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := io.WriteString(c, "ping"); err != nil {
		t.Fatal(err)
	}
	pc.SetReadDeadline(time.Now().Add(Timeout))
	buf := make([]byte, 16)
	n, _, err := pc.ReadFrom(buf)
	if err != nil || string(buf[:n]) != "ping" {
		t.Errorf("read %q, %v; want the datagram sent to %s", buf[:n], err, addr)
	}
}

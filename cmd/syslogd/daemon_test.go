package main

import (
	"fmt"
	"net"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/haplog/haplog/internal/testfs"
	"github.com/haplog/haplog/internal/testkit"
)

// daemon is the command's run, started in the test process so that the
// signals a test sends itself reach it.
type daemon struct {
	t      *testing.T
	stderr testfs.LockedBuffer
	done   chan int
}

// startDaemon runs the command with args until [daemon.stop], or until the
// test ends (SIGTERM then, if it still runs).
func startDaemon(t *testing.T, args ...string) *daemon {
	d := &daemon{t: t, done: make(chan int, 1)}
	go func() { d.done <- run(args, &d.stderr) }()
	t.Cleanup(func() {
		select {
		case rc := <-d.done:
			d.done <- rc
		default:
			d.stop()
		}
	})
	return d
}

// eventually waits until cond holds, failing the test with what and the
// command's stderr after [testkit.Timeout].
func (d *daemon) eventually(what string, cond func() bool) {
	d.t.Helper()
	if !testkit.Poll(testkit.Timeout, cond) {
		d.t.Fatalf("timed out after %v waiting for %s; stderr: %s", testkit.Timeout, what, d.stderr.String())
	}
}

// logged waits until the command's stderr holds text.
func (d *daemon) logged(text string) {
	d.t.Helper()
	d.eventually(fmt.Sprintf("%q in the log", text), func() bool { return strings.Contains(d.stderr.String(), text) })
}

// signal sends sig to the command (this process) and waits until it logs
// text.
func (d *daemon) signal(sig syscall.Signal, text string) {
	d.t.Helper()
	if err := syscall.Kill(os.Getpid(), sig); err != nil {
		d.t.Fatal(err)
	}
	d.logged(text)
}

// sendUntilIn sends "<13>h t: MSG" on c until one of files holds msg: the
// server may not listen yet.
func (d *daemon) sendUntilIn(c net.Conn, msg string, files ...string) {
	d.t.Helper()
	d.eventually(fmt.Sprintf("%q written to %q", msg, files), func() bool {
		c.Write([]byte("<13>h t: " + msg))
		for _, f := range files {
			if b, _ := os.ReadFile(f); strings.Contains(string(b), msg) {
				return true
			}
		}
		return false
	})
}

// stop sends SIGTERM and returns the exit status, failing the test if the
// command has not ended 30 seconds later.
func (d *daemon) stop() int {
	d.t.Helper()
	if err := syscall.Kill(os.Getpid(), syscall.SIGTERM); err != nil {
		d.t.Fatal(err)
	}
	select {
	case rc := <-d.done:
		d.done <- rc // for the cleanup: it has ended
		return rc
	case <-time.After(30 * time.Second):
		d.t.Fatal("no exit after SIGTERM")
	}
	return -1
}

// dialUDP connects to a syslog UDP address, closed when the test ends.
func dialUDP(t *testing.T, addr string) net.Conn {
	t.Helper()
	c, err := net.Dial("udp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

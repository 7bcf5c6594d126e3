package main

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/haplog/haplog/internal/sdnotify"
	"github.com/haplog/haplog/internal/sdnotify/sdtest"
	"github.com/haplog/haplog/internal/testfs"
	"github.com/haplog/haplog/internal/testkit"
)

func TestCheckConfig(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.conf")
	bad := filepath.Join(dir, "bad.conf")
	testkit.WriteFile(t, good, "$template H,\"%msg%\\n\"\nlocal0.* "+dir+"/x.log;H\n")
	testkit.WriteFile(t, bad, "# x\nlocal0.* ^/bin/true\n")
	var out bytes.Buffer
	if rc := run([]string{"-check", "-f", good}, &out); rc != 0 {
		t.Fatalf("good config: rc %d: %s", rc, out.String())
	}
	out.Reset()
	if rc := run([]string{"-check", "-f", bad}, &out); rc != 1 || !strings.Contains(out.String(), bad+":2:") {
		t.Fatalf("bad config: rc %d: %s", rc, out.String())
	}
	if rc := run(nil, &out); rc != 2 {
		t.Fatalf("no -f: rc %d", rc)
	}
}

// TestSignals runs the command with -i PIDFILE and sends it HUP (reopen),
// USR1 (rotate now), USR2 (reload) and TERM (drain and exit 0).
func TestSignals(t *testing.T) {
	dir := t.TempDir()
	conf := filepath.Join(dir, "s.conf")
	out := filepath.Join(dir, "out.log")
	out2 := filepath.Join(dir, "out2.log")
	pidFile := filepath.Join(dir, "syslogd.pid")
	testkit.WriteFile(t, conf, "$template H,\"%msg%\\n\"\n*.* "+out+";H\n")
	addr := testkit.FreeAddr(t, "udp")
	// systemd's side of Type=notify: READY once bound, RELOADING/READY
	// around a USR2 reload, STOPPING at TERM, all from our pid.
	ns := sdtest.Listen(t, filepath.Join(dir, "notify"))
	t.Setenv(sdnotify.Env, ns.Path)
	ready := sdnotify.Ready(os.Getpid())
	expect := func(want string) {
		t.Helper()
		m := ns.Next(t)
		if m.State != want || m.PID != os.Getpid() {
			t.Errorf("notification %q from pid %d, want %q from %d", m.State, m.PID, want, os.Getpid())
		}
	}
	d := startDaemon(t, "-f", conf, "-udp", addr, "-tcp", "", "-unix", "", "-i", pidFile, "-v")
	c := dialUDP(t, addr)
	expect(ready)
	d.sendUntilIn(c, "before", out)
	if b, err := os.ReadFile(pidFile); err != nil || strings.TrimSpace(string(b)) != strconv.Itoa(os.Getpid()) {
		t.Fatalf("pid file: %q, %v", b, err)
	}
	// HUP: reopen, as after logrotate renamed the file.
	if err := os.Rename(out, out+".old"); err != nil {
		t.Fatal(err)
	}
	d.signal(syscall.SIGHUP, "SIGHUP: files reopened")
	d.sendUntilIn(c, "after-hup", out)
	if b, _ := os.ReadFile(out + ".old"); strings.Contains(string(b), "after-hup") {
		t.Errorf("written to the renamed file after HUP: %q", b)
	}
	// USR1: rotate in process (default policy: numbered, gzip).
	d.signal(syscall.SIGUSR1, "SIGUSR1: files rotated")
	d.eventually(out+".1.gz after SIGUSR1", func() bool { _, err := os.Stat(out + ".1.gz"); return err == nil })
	d.sendUntilIn(c, "after-usr1", out)
	// USR2: reload the configuration.
	testkit.WriteFile(t, conf, "$template H,\"%msg%\\n\"\n*.* "+out2+";H\n")
	d.signal(syscall.SIGUSR2, "SIGUSR2: reloaded")
	expect(sdnotify.Reloading)
	expect(ready)
	d.sendUntilIn(c, "after-usr2", out2)
	if rc := d.stop(); rc != 0 {
		t.Fatalf("rc %d: %s", rc, d.stderr.String())
	}
	expect(sdnotify.Stopping)
	if !ns.None() {
		t.Errorf("unexpected notification after STOPPING: %q", ns.Next(t).State)
	}
	if _, err := os.Stat(pidFile); !os.IsNotExist(err) {
		t.Errorf("pid file left at exit: %v", err)
	}
	if b, _ := os.ReadFile(out + ".old"); !strings.Contains(string(b), "before") {
		t.Errorf("the file renamed by another program was changed: %q", b)
	}
}

// TestPidFileInUse: a pid file naming a running process (another
// instance) stops the start, as rsyslogd does.
func TestPidFileInUse(t *testing.T) {
	dir, conf := catchAllConf(t)
	pidFile := filepath.Join(dir, "p.pid")
	testkit.WriteFile(t, pidFile, strconv.Itoa(os.Getppid())+"\n")
	var out bytes.Buffer
	if rc := run([]string{"-f", conf, "-udp", "127.0.0.1:0", "-tcp", "", "-unix", "", "-i", pidFile}, &out); rc != 1 || !strings.Contains(out.String(), "which is running") {
		t.Fatalf("rc %d: %s", rc, out.String())
	}
}

// catchAllConf writes a configuration s.conf sending every message to
// x.log, both in a new temporary directory, and returns the directory and
// the configuration's path.
func catchAllConf(t *testing.T) (dir, conf string) {
	t.Helper()
	dir = t.TempDir()
	conf = testkit.WriteFile(t, filepath.Join(dir, "s.conf"), "*.* "+dir+"/x.log\n")
	return dir, conf
}

// TestRotateConfigRejected: a logrotate file that `logrotate -d` rejects
// (unknown group, rotate/logrotate_check_test.go compares the verdicts)
// stops -check and the start, naming file:line.
func TestRotateConfigRejected(t *testing.T) {
	dir, conf := catchAllConf(t)
	rot := filepath.Join(dir, "rot.conf")
	testkit.WriteFile(t, rot, dir+"/x.log {\n daily\n rotate 7\n missingok\n notifempty\n compress\n delaycompress\n create 0644 nobody nosuchgroup\n}\n")
	for _, args := range [][]string{
		{"-check", "-f", conf, "-rotate-config", rot},
		{"-f", conf, "-rotate-config", rot, "-udp", "127.0.0.1:0", "-tcp", "", "-unix", ""},
	} {
		var out bytes.Buffer
		if rc := run(args, &out); rc != 1 || !strings.Contains(out.String(), rot+`:8: error: create: unknown group "nosuchgroup"`) {
			t.Errorf("%q: rc %d: %s", args, rc, out.String())
		}
	}
}

// TestRsyslogdCommandLine: rsyslogd's own command lines work: Debian's
// unit runs `rsyslogd -n -iNONE`, and `rsyslogd -N1 -f FILE` checks a
// configuration.
func TestRsyslogdCommandLine(t *testing.T) {
	for _, tc := range []struct{ in, want []string }{
		{[]string{"-n", "-iNONE"}, []string{"-n", "-i", "NONE"}},
		{[]string{"-i/run/x.pid", "-f", "c"}, []string{"-i", "/run/x.pid", "-f", "c"}},
		{[]string{"-N1", "-f", "c"}, []string{"-check", "-f", "c"}},
		{[]string{"-N", "1", "-f", "c"}, []string{"-check", "-f", "c"}},
		{[]string{"-i", "p", "-f", "-iNONE"}, []string{"-i", "p", "-f", "-i", "NONE"}},
		{[]string{"--", "-iNONE"}, []string{"--", "-iNONE"}},
	} {
		if got := rsyslogdArgs(tc.in); strings.Join(got, " ") != strings.Join(tc.want, " ") {
			t.Errorf("%q: got %q, want %q", tc.in, got, tc.want)
		}
	}
	_, conf := catchAllConf(t)
	var out bytes.Buffer
	if rc := run([]string{"-N1", "-f", conf}, &out); rc != 0 || !strings.Contains(out.String(), ": OK") {
		t.Errorf("-N1: rc %d: %s", rc, out.String())
	}
	out.Reset()
	if rc := run([]string{"-no-rotate", "-rotate-config", conf, "-f", conf}, &out); rc != 2 {
		t.Errorf("-no-rotate with -rotate-config: rc %d: %s", rc, out.String())
	}
}

// TestNoRotateIgnoresUSR1: with -no-rotate another program rotates, so
// SIGUSR1 rotates nothing (a NAME.1 of ours would take logrotate's name).
func TestNoRotateIgnoresUSR1(t *testing.T) {
	dir := t.TempDir()
	conf := filepath.Join(dir, "s.conf")
	out := filepath.Join(dir, "out.log")
	testkit.WriteFile(t, conf, "*.* "+out+"\n")
	addr := testkit.FreeAddr(t, "udp")
	d := startDaemon(t, "-f", conf, "-udp", addr, "-tcp", "", "-unix", "", "-no-rotate")
	d.sendUntilIn(dialUDP(t, addr), "first", out)
	d.signal(syscall.SIGUSR1, "SIGUSR1 ignored")
	if rc := d.stop(); rc != 0 {
		t.Fatalf("rc %d: %s", rc, d.stderr.String())
	}
	if names := strings.Join(testfs.Names(t, dir), " "); names != "out.log s.conf" {
		t.Errorf("files %q", names)
	}
}

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

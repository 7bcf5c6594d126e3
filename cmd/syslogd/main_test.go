package main

import (
	"bytes"
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
)

func TestCheckConfig(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.conf")
	bad := filepath.Join(dir, "bad.conf")
	os.WriteFile(good, []byte("$template H,\"%msg%\\n\"\nlocal0.* "+dir+"/x.log;H\n"), 0o644)
	os.WriteFile(bad, []byte("# x\nlocal0.* @remote\n"), 0o644)
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

func freePort(t *testing.T) string {
	t.Helper()
	c, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	return c.LocalAddr().String()
}

// TestSignals runs the command with -i PIDFILE and sends it HUP (reopen),
// USR1 (rotate now), USR2 (reload) and TERM (drain and exit 0).
func TestSignals(t *testing.T) {
	dir := t.TempDir()
	conf := filepath.Join(dir, "s.conf")
	out := filepath.Join(dir, "out.log")
	out2 := filepath.Join(dir, "out2.log")
	pidFile := filepath.Join(dir, "syslogd.pid")
	os.WriteFile(conf, []byte("$template H,\"%msg%\\n\"\n*.* "+out+";H\n"), 0o644)
	addr := freePort(t)
	var stderr testfs.LockedBuffer
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
	done := make(chan int, 1)
	go func() {
		done <- run([]string{"-f", conf, "-udp", addr, "-tcp", "", "-unix", "", "-i", pidFile, "-v"}, &stderr)
	}()
	c, err := net.Dial("udp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	waitIn := func(want string, files ...string) {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		for {
			c.Write([]byte("<13>h t: " + want)) // resent until seen: the server may not listen yet
			for _, f := range files {
				if b, _ := os.ReadFile(f); strings.Contains(string(b), want) {
					return
				}
			}
			if time.Now().After(deadline) {
				t.Fatalf("%q never written to %q; stderr: %s", want, files, stderr.String())
			}
			time.Sleep(50 * time.Millisecond) // polling interval
		}
	}
	signal := func(sig syscall.Signal, logged string) {
		t.Helper()
		if err := syscall.Kill(os.Getpid(), sig); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(20 * time.Second)
		for !strings.Contains(stderr.String(), logged) {
			if time.Now().After(deadline) {
				t.Fatalf("%v: no %q in the log: %s", sig, logged, stderr.String())
			}
			time.Sleep(10 * time.Millisecond) // polling interval
		}
	}
	expect(ready)
	waitIn("before", out)
	if b, err := os.ReadFile(pidFile); err != nil || strings.TrimSpace(string(b)) != strconv.Itoa(os.Getpid()) {
		t.Fatalf("pid file: %q, %v", b, err)
	}
	// HUP: reopen, as after logrotate renamed the file.
	if err := os.Rename(out, out+".old"); err != nil {
		t.Fatal(err)
	}
	signal(syscall.SIGHUP, "SIGHUP: files reopened")
	waitIn("after-hup", out)
	if b, _ := os.ReadFile(out + ".old"); strings.Contains(string(b), "after-hup") {
		t.Errorf("written to the renamed file after HUP: %q", b)
	}
	// USR1: rotate in process (default policy: numbered, gzip).
	signal(syscall.SIGUSR1, "SIGUSR1: files rotated")
	deadline := time.Now().Add(20 * time.Second)
	for {
		if _, err := os.Stat(out + ".1.gz"); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %s.1.gz after SIGUSR1; stderr: %s", out, stderr.String())
		}
		time.Sleep(10 * time.Millisecond) // polling interval
	}
	waitIn("after-usr1", out)
	// USR2: reload the configuration.
	os.WriteFile(conf, []byte("$template H,\"%msg%\\n\"\n*.* "+out2+";H\n"), 0o644)
	signal(syscall.SIGUSR2, "SIGUSR2: reloaded")
	expect(sdnotify.Reloading)
	expect(ready)
	waitIn("after-usr2", out2)
	if err := syscall.Kill(os.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case rc := <-done:
		if rc != 0 {
			t.Fatalf("rc %d: %s", rc, stderr.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("no exit after SIGTERM")
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
	dir := t.TempDir()
	conf := filepath.Join(dir, "s.conf")
	pidFile := filepath.Join(dir, "p.pid")
	os.WriteFile(conf, []byte("*.* "+dir+"/x.log\n"), 0o644)
	os.WriteFile(pidFile, []byte(strconv.Itoa(os.Getppid())+"\n"), 0o644)
	var out bytes.Buffer
	if rc := run([]string{"-f", conf, "-udp", "127.0.0.1:0", "-tcp", "", "-unix", "", "-i", pidFile}, &out); rc != 1 || !strings.Contains(out.String(), "which is running") {
		t.Fatalf("rc %d: %s", rc, out.String())
	}
}

// TestRotateConfigRejected: a logrotate file that `logrotate -d` rejects
// (unknown group, rotate/logrotate_check_test.go compares the verdicts)
// stops -check and the start, naming file:line.
func TestRotateConfigRejected(t *testing.T) {
	dir := t.TempDir()
	conf := filepath.Join(dir, "s.conf")
	rot := filepath.Join(dir, "rot.conf")
	os.WriteFile(conf, []byte("*.* "+dir+"/x.log\n"), 0o644)
	os.WriteFile(rot, []byte(dir+"/x.log {\n daily\n rotate 7\n missingok\n notifempty\n compress\n delaycompress\n create 0644 nobody nosuchgroup\n}\n"), 0o644)
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
	dir := t.TempDir()
	conf := filepath.Join(dir, "s.conf")
	os.WriteFile(conf, []byte("*.* "+dir+"/x.log\n"), 0o644)
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
	os.WriteFile(conf, []byte("*.* "+out+"\n"), 0o644)
	addr := freePort(t)
	var stderr testfs.LockedBuffer
	done := make(chan int, 1)
	go func() {
		done <- run([]string{"-f", conf, "-udp", addr, "-tcp", "", "-unix", "", "-no-rotate"}, &stderr)
	}()
	c, err := net.Dial("udp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	deadline := time.Now().Add(20 * time.Second)
	for {
		c.Write([]byte("<13>h t: first"))
		if b, _ := os.ReadFile(out); strings.Contains(string(b), "first") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("never written: %s", stderr.String())
		}
		time.Sleep(50 * time.Millisecond) // polling interval
	}
	syscall.Kill(os.Getpid(), syscall.SIGUSR1)
	for !strings.Contains(stderr.String(), "SIGUSR1 ignored") {
		if time.Now().After(deadline) {
			t.Fatalf("SIGUSR1 not logged as ignored: %s", stderr.String())
		}
		time.Sleep(10 * time.Millisecond) // polling interval
	}
	syscall.Kill(os.Getpid(), syscall.SIGTERM)
	if rc := <-done; rc != 0 {
		t.Fatalf("rc %d: %s", rc, stderr.String())
	}
	if names := strings.Join(testfs.Names(t, dir), " "); names != "out.log s.conf" {
		t.Errorf("files %q", names)
	}
}

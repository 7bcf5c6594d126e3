package main

import (
	"bytes"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
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

// TestSignals runs the command, sends it a message, SIGHUP (reload) and
// SIGTERM (drain and exit 0).
func TestSignals(t *testing.T) {
	dir := t.TempDir()
	conf := filepath.Join(dir, "s.conf")
	out := filepath.Join(dir, "out.log")
	os.WriteFile(conf, []byte("$template H,\"%msg%\\n\"\n*.* "+out+";H\n"), 0o644)
	addr := freePort(t)
	var stderr bytes.Buffer
	done := make(chan int, 1)
	go func() { done <- run([]string{"-f", conf, "-udp", addr, "-tcp", "", "-unix", ""}, &stderr) }()
	c, err := net.Dial("udp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	waitFor := func(want string) {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		for {
			c.Write([]byte("<13>h t: " + want)) // resent until seen: the server may not listen yet
			if b, _ := os.ReadFile(out); strings.Contains(string(b), want) {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%q never written; stderr: %s", want, stderr.String())
			}
			time.Sleep(50 * time.Millisecond) // polling interval
		}
	}
	waitFor("before")
	if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	waitFor("after-hup")
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
		if rc := run(args, &out); rc != 1 || !strings.Contains(out.String(), rot+`:8: create: unknown group "nosuchgroup"`) {
			t.Errorf("%q: rc %d: %s", args, rc, out.String())
		}
	}
}

package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/haplog/haplog/internal/testfs"
	"github.com/haplog/haplog/internal/testkit"
)

// debianLogrotate returns Debian's /etc/logrotate.conf globals and its
// /etc/logrotate.d/haproxy (testdata copies) for log, with the postrotate
// script (the HUP to rsyslogd) removed and the include dropped.
func debianLogrotate(t *testing.T, log string) string {
	t.Helper()
	globals := testfs.ReadFile(t, "testdata/debian-logrotate.conf")
	block := testfs.ReadFile(t, "testdata/debian-haproxy.logrotate")
	g := regexp.MustCompile(`(?m)^include .*$`).ReplaceAllString(string(globals), "")
	b := regexp.MustCompile(`(?s)\n\s*postrotate\n.*?endscript`).ReplaceAllString(string(block), "")
	if strings.Contains(b, "postrotate") || !strings.Contains(b, "delaycompress") {
		t.Fatalf("unexpected haproxy block:\n%s", b)
	}
	return g + strings.ReplaceAll(b, "/var/log/haproxy.log", log)
}

// TestOutsideLogrotate is the goal of issue 13 §4: 300,000 messages at
// 30,000/s (cmd/syslogload) through two runs of the real logrotate with
// Debian's logrotate.conf and /etc/logrotate.d/haproxy (daily, rotate 7,
// compress, delaycompress, create) and no HUP: syslogd notices each rename
// by itself, and every message is in exactly one of logrotate's files
// (haproxy.log, haproxy.log.1, haproxy.log.2.gz). At stop, syslogd leaves
// logrotate's haproxy.log.1 as logrotate left it (delaycompress: plain).
//
// It runs twice: with syslogd's default policy (it has rotations of its own
// to manage, and used to compress logrotate's haproxy.log.1 at stop), the
// 300,000-message goal, and with -no-rotate (60,000 messages).
func TestOutsideLogrotate(t *testing.T) {
	lr := testkit.Logrotate(t)
	testkit.Need(t, "gzip") // logrotate's compresscmd
	load := filepath.Join(testkit.GoBuild(t, "../syslogload"), "syslogload")
	for _, tc := range []struct {
		name  string
		n     int
		flags []string
	}{
		{"default-policy", 300000, nil},
		{"no-rotate", 60000, []string{"-no-rotate"}},
	} {
		t.Run(tc.name, func(t *testing.T) { outsideLogrotate(t, lr, load, tc.n, tc.flags) })
	}
}

func outsideLogrotate(t *testing.T, lr, load string, n int, flags []string) {
	dir := t.TempDir()
	log := filepath.Join(dir, "haproxy.log")
	conf := filepath.Join(dir, "rsyslog.conf")
	lrConf := filepath.Join(dir, "logrotate.conf")
	testkit.WriteFile(t, conf, "local0.* "+log+"\n")
	testkit.WriteFile(t, lrConf, debianLogrotate(t, log))
	addr := testkit.FreeAddr(t, "udp")
	d := startDaemon(t, append([]string{"-f", conf, "-udp", addr, "-tcp", "", "-unix", ""}, flags...)...)
	// Ready: a probe (another run id, not counted) reaches the file.
	d.eventually("syslogd writing the probe", func() bool {
		if out, err := exec.Command(load, "send", "-addr", addr, "-n", "1", "-rid", "probe").CombinedOutput(); err != nil {
			t.Fatalf("syslogload send: %v\n%s", err, out)
		}
		b, _ := os.ReadFile(log)
		return bytes.Contains(b, []byte("rid=probe&"))
	})

	const rate = 30000
	sender := exec.Command(load, "send", "-addr", addr, "-n", fmt.Sprint(n), "-rate", fmt.Sprint(rate), "-rid", "goal")
	var sendOut bytes.Buffer
	sender.Stdout, sender.Stderr = &sendOut, &sendOut
	if err := sender.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sender.Process.Kill() }) // a test that failed before Wait
	// Two logrotate runs while traffic flows, each once the live file
	// holds about a quarter of the messages (~250 bytes each).
	quarter := int64(n / 4 * 250)
	for i := range 2 {
		d.eventually(fmt.Sprintf("rotation %d: %s reaching %d bytes", i+1, log, quarter), func() bool {
			fi, err := os.Stat(log)
			return err == nil && fi.Size() >= quarter
		})
		out, err := exec.Command(lr, "-f", "-s", filepath.Join(dir, "logrotate.state"), lrConf).CombinedOutput()
		if err != nil || len(out) > 0 {
			t.Errorf("logrotate run %d: %v\n%s", i+1, err, out)
		}
	}
	if err := sender.Wait(); err != nil {
		t.Fatalf("syslogload send: %v\n%s", err, sendOut.String())
	}
	// Everything sent is in the kernel's socket buffer or beyond; stop
	// drains the socket and flushes.
	if rc := d.stop(); rc != 0 {
		t.Fatalf("syslogd rc %d: %s", rc, d.stderr.String())
	}
	var names []string
	for _, e := range testfs.Names(t, dir) {
		if strings.HasPrefix(e, "haproxy.log") {
			names = append(names, e)
		}
	}
	if got := strings.Join(names, " "); got != "haproxy.log haproxy.log.1 haproxy.log.2.gz" {
		t.Errorf("files %q, want logrotate's haproxy.log, haproxy.log.1 (left plain: delaycompress) and haproxy.log.2.gz", got)
	}
	out, err := exec.Command(load, "check", "-n", fmt.Sprint(n), "-rid", "goal", "-want", "all", log).CombinedOutput()
	t.Logf("syslogload check: %s", out)
	if err != nil {
		t.Fatalf("syslogload check: %v (lost or duplicated messages)\n%s\nsyslogd: %s", err, out, d.stderr.String())
	}
	// Each of logrotate's files holds part of the run (each rotation
	// happened mid-traffic), and the parts add up to n.
	total := 0
	for _, f := range names {
		b := testfs.ReadFile(t, filepath.Join(dir, f))
		c := bytes.Count(b, []byte("rid=goal&"))
		t.Logf("%s: %d messages", f, c)
		if c == 0 {
			t.Errorf("%s holds no message of the run", f)
		}
		total += c
	}
	if total != n {
		t.Errorf("%d messages in the files, want %d", total, n)
	}
}

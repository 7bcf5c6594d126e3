package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/haplog/haplog/internal/testfs"
	"github.com/haplog/haplog/internal/testkit"
	"github.com/haplog/haplog/rotate"
)

// chain concatenates FILE.N ... FILE.1 FILE (numbered backups, oldest first).
func chain(t *testing.T, path string) (all []byte, backups int) {
	t.Helper()
	ents, _ := os.ReadDir(filepath.Dir(path))
	max := 0
	for _, e := range ents {
		rest, ok := strings.CutPrefix(e.Name(), filepath.Base(path)+".")
		if !ok {
			continue
		}
		n, err := strconv.Atoi(strings.TrimSuffix(rest, ".gz"))
		if err != nil {
			t.Fatalf("unexpected file %s", e.Name())
		}
		max, backups = maxInt(max, n), backups+1
	}
	for n := max; n >= 1; n-- {
		p := fmt.Sprintf("%s.%d", path, n)
		if _, err := os.Stat(p + ".gz"); err == nil {
			p += ".gz"
		}
		all = append(all, testfs.ReadFile(t, p)...)
	}
	cur, _ := os.ReadFile(path)
	return append(all, cur...), backups
}

func maxInt(a, b int) int {
	if a > b {
		return a
	}
	return b
}

// TestMillionLinesForcedRotations pipes a million numbered lines while
// SIGUSR1 (rotate) arrives every 5ms and SIGHUP (reopen) now and then, and
// checks that every line is there exactly once, in order.
func TestMillionLinesForcedRotations(t *testing.T) {
	n := 1_000_000
	if testing.Short() || raceEnabled {
		n = 200_000
	}
	const maxSignals = 120 // bounds the number of backups (and fsyncs) on a slow machine
	path := filepath.Join(t.TempDir(), "x.log")
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	sig := make(chan os.Signal, 1)
	var stderr bytes.Buffer
	exit := make(chan int, 1)
	go func() {
		exit <- run([]string{"-compress", "gzip", "-level", "1", "-size", "1M", path}, pr, &stderr, sig)
	}()
	produced := make(chan struct{})
	go func() {
		defer close(produced)
		bw := bufio.NewWriter(pw)
		for i := range n {
			fmt.Fprintf(bw, "%07d\n", i)
		}
		bw.Flush()
		pw.Close()
	}()
	tk := time.NewTicker(5 * time.Millisecond)
	defer tk.Stop()
	sent := 0
	for done := false; !done; {
		select {
		case <-produced:
			done = true
		case <-tk.C:
			if sent == maxSignals {
				continue
			}
			s := os.Signal(syscall.SIGUSR1)
			if sent%10 == 9 {
				s = syscall.SIGHUP
			}
			select {
			case sig <- s:
				sent++
			default:
			}
		}
	}
	if code := <-exit; code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	all, backups := chain(t, path)
	t.Logf("%d signals, %d backups", sent, backups)
	if backups < 3 {
		t.Fatalf("only %d backups: rotations were not exercised", backups)
	}
	i := 0
	for l := range bytes.Lines(all) {
		if want := fmt.Sprintf("%07d\n", i); string(l) != want {
			t.Fatalf("line %d is %q, want %q", i, l, want)
		}
		i++
	}
	if i != n {
		t.Fatalf("%d lines, want %d", i, n)
	}
}

func TestTermKeepsPartialLine(t *testing.T) {
	path := filepath.Join(t.TempDir(), "p.log")
	pr, pw, _ := os.Pipe()
	defer pw.Close()
	sig := make(chan os.Signal, 1)
	var stderr bytes.Buffer
	exit := make(chan int, 1)
	go func() { exit <- run([]string{"-flush", "1ms", path}, pr, &stderr, sig) }()
	pw.Write([]byte("a\nb\npartial"))
	testkit.Eventually(t, "complete lines flushed", func() bool { b, _ := os.ReadFile(path); return string(b) == "a\nb\n" })
	sig <- syscall.SIGTERM
	if code := <-exit; code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if b, _ := os.ReadFile(path); string(b) != "a\nb\npartial" {
		t.Fatalf("content %q", b)
	}
}

func TestUsageAndConfigErrors(t *testing.T) {
	dir := t.TempDir()
	conf := filepath.Join(dir, "bad.conf")
	testkit.WriteFile(t, conf, "/x.log {\n  daily\n  frobnicate\n}\n")
	for _, args := range [][]string{{}, {"-compress", "bz2", "f"}, {"-size", "12Q", "f"}, {"-threads", "-1", "f"}, {"-config", conf, "/x.log"}, {"a", "b"}} {
		var stderr bytes.Buffer
		if code := run(args, strings.NewReader(""), &stderr, nil); code != 2 {
			t.Errorf("%q: exit %d, want 2", args, code)
		}
		if len(args) > 0 && args[0] == "-config" && !strings.Contains(stderr.String(), "bad.conf:3: error: frobnicate") {
			t.Errorf("config error lacks position: %s", stderr.String())
		}
	}
}

func TestThreadsFlag(t *testing.T) {
	path := filepath.Join(t.TempDir(), "t.log")
	var stderr bytes.Buffer
	_, o, code := parseArgs([]string{"-compress", "zstd", "-threads", "3", path}, &stderr)
	if code != -1 || o.CompressConcurrency != 3 || o.Compress != rotate.Zstd {
		t.Fatalf("code %d, options %+v: %s", code, o, stderr.String())
	}
}

func TestConfigFileOptions(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "h.log")
	conf := filepath.Join(dir, "h.conf")
	testkit.WriteFile(t, conf, dir+"/*.log {\n  size 10\n  rotate 2\n  compress\n  delaycompress\n  postrotate\n    kill -HUP $(cat /run/rsyslogd.pid)\n  endscript\n}\n")
	var stderr bytes.Buffer
	in := strings.NewReader(strings.Repeat("0123456789abcdef\n", 5))
	if code := run([]string{"-config", conf, path}, in, &stderr, nil); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if !strings.Contains(stderr.String(), "h.conf:8: warning: postrotate script is not run") {
		t.Errorf("no warning about postrotate: %s", stderr.String())
	}
	var names []string
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		names = append(names, e.Name())
	}
	if got, want := strings.Join(names, " "), "h.conf h.log h.log.1 h.log.2.gz"; got != want {
		t.Fatalf("files %q, want %q", got, want)
	}
}

// TestProcessSignals runs the real binary and sends it real signals.
func TestProcessSignals(t *testing.T) {
	bin := filepath.Join(testkit.GoBuild(t, "."), "rotate")
	dir := t.TempDir()
	path := filepath.Join(dir, "s.log")
	cmd := exec.Command(bin, "-flush", "1ms", path)
	stdin, _ := cmd.StdinPipe()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	io.WriteString(stdin, "one\n")
	testkit.Eventually(t, "first line", func() bool { b, _ := os.ReadFile(path); return string(b) == "one\n" })
	cmd.Process.Signal(syscall.SIGUSR1)
	testkit.Eventually(t, "rotation", func() bool { _, err := os.Stat(path + ".1"); return err == nil })
	io.WriteString(stdin, "two\n")
	testkit.Eventually(t, "second line", func() bool { b, _ := os.ReadFile(path); return string(b) == "two\n" })
	os.Rename(path, path+".ext")
	cmd.Process.Signal(syscall.SIGHUP)
	testkit.Eventually(t, "reopen", func() bool { _, err := os.Stat(path); return err == nil })
	io.WriteString(stdin, "three\npart")
	testkit.Eventually(t, "third line", func() bool { b, _ := os.ReadFile(path); return string(b) == "three\n" })
	cmd.Process.Signal(syscall.SIGTERM)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("exit: %v\n%s", err, stderr.String())
	}
	for name, want := range map[string]string{".1": "one\n", ".ext": "two\n", "": "three\npart"} {
		if b, _ := os.ReadFile(path + name); string(b) != want {
			t.Errorf("s.log%s = %q, want %q", name, b, want)
		}
	}
}

// TestConfigScriptRuns: a postrotate script that does real work (not only
// a reopen) is run by the command at a SIGUSR1 rotation, with $1 the log
// file and $2 its backup, and draws no "is not run" warning; nothing
// written is lost.
func TestConfigScriptRuns(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "h.log")
	trace := filepath.Join(t.TempDir(), "trace")
	conf := testkit.WriteFile(t, filepath.Join(dir, "h.conf"),
		path+" {\n  rotate 2\n  postrotate\n    echo \"$1 $2\" >> "+trace+"\n  endscript\n}\n")
	pr, pw := io.Pipe()
	sig := make(chan os.Signal, 1)
	var stderr testfs.LockedBuffer
	code := make(chan int, 1)
	go func() { code <- run([]string{"-config", conf, path}, pr, &stderr, sig) }()
	if _, err := io.WriteString(pw, "one\n"); err != nil {
		t.Fatal(err)
	}
	sig <- syscall.SIGUSR1
	testkit.Eventually(t, "the postrotate script has run", func() bool {
		_, err := os.Stat(trace)
		return err == nil
	})
	pw.Close()
	if c := <-code; c != 0 {
		t.Fatalf("exit %d: %s", c, stderr.String())
	}
	if got, want := string(testfs.ReadFile(t, trace)), path+" "+path+".1\n"; got != want {
		t.Errorf("postrotate saw %q, want %q", got, want)
	}
	if all := string(testfs.ReadFile(t, path+".1")) + string(testfs.ReadFile(t, path)); all != "one\n" {
		t.Errorf("h.log.1 then h.log hold %q, want \"one\\n\"", all)
	}
	if strings.Contains(stderr.String(), "is not run") {
		t.Errorf("warned that the script is not run:\n%s", stderr.String())
	}
}

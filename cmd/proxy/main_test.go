package main

import (
	"bytes"
	"context"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/haplog/haplog/internal/testkit"
)

// TestMain lets the test binary act as the proxy command when
// HAPLOG_PROXY_MAIN=1, so the tests run the real main (exit status,
// stdout, stderr) without a separate build step.
func TestMain(m *testing.M) {
	if os.Getenv("HAPLOG_PROXY_MAIN") == "1" {
		exit(run(os.Args[1:], os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// runProxy executes the command with args and returns its exit status and
// outputs.
func runProxy(t *testing.T, bin string, env []string, args ...string) (int, string, string) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	return testkit.Run(t, cmd)
}

// runCombined runs cmd to its end and returns its exit status and what it
// wrote on stdout and stderr, as one text in the order written.
func runCombined(t *testing.T, cmd *exec.Cmd) (int, string) {
	t.Helper()
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	rc, _, _ := testkit.Run(t, cmd)
	return rc, out.String()
}

// syslogSink is a UDP socket on a free port of 127.0.0.1 for the log
// lines of a program under test, closed when the test ends.
func syslogSink(t *testing.T) net.PacketConn {
	t.Helper()
	sink, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sink.Close() })
	return sink
}

// datagrams reads what sink has received until 100ms pass without a
// datagram: the program has sent all it will. Each is stripped to <PRI>
// and the message (date, tag and pid dropped), without its final newline.
func datagrams(t *testing.T, sink net.PacketConn) []string {
	t.Helper()
	var out []string
	buf := make([]byte, 65536)
	for {
		sink.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
		n, _, err := sink.ReadFrom(buf)
		if errors.Is(err, os.ErrDeadlineExceeded) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		d := string(buf[:n])
		if i := strings.Index(d, "]: "); i >= 0 {
			d = d[:min(5, i)] + d[i+3:]
		}
		out = append(out, strings.TrimSuffix(d, "\n"))
	}
}

// command is bin with args, run as the proxy when bin is this test binary
// (HAPLOG_PROXY_MAIN=1, which haproxy ignores).
func command(ctx context.Context, bin string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append(os.Environ(), "HAPLOG_PROXY_MAIN=1")
	return cmd
}

// dial connects to addr once something listens there, failing the test
// if p exits first.
func dial(t *testing.T, p *testkit.Process, addr string) net.Conn {
	t.Helper()
	var c net.Conn
	p.Eventually(t, addr+" listening", func() bool {
		var err error
		c, err = net.Dial("tcp", addr)
		return err == nil
	})
	return c
}

// selfPath is the absolute path of this test binary, which runs the
// proxy's main when HAPLOG_PROXY_MAIN=1 is set (TestMain).
func selfPath(t *testing.T) string {
	t.Helper()
	p, err := filepath.Abs(os.Args[0])
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func self(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	return runProxy(t, os.Args[0], []string{"HAPLOG_PROXY_MAIN=1"}, args...)
}

// checkCases: exit statuses and stdout recorded from haproxy 2.6.12 -c on
// the same files (TestCheckVsHAProxy re-checks them live).
var checkCases = []struct {
	file, flag string
	rc         int
	stdout     string
}{
	{"valid.cfg", "", 0, "Configuration file is valid\n"},
	{"valid.cfg", "-dW", 0, "Configuration file is valid\n"},
	{"valid.cfg", "-q", 0, ""},
	{"broken.cfg", "", 1, ""},
	{"broken.cfg", "-W", 1, ""},
	{"nolisten.cfg", "", 2, "Configuration file has no error but will not start (no listener) => exit(2).\n"},
	{"nolisten.cfg", "-dW", 2, "Configuration file has no error but will not start (no listener) => exit(2).\n"},
	{"nolisten.cfg", "-W", 0, "Configuration file is valid\n"},
	{"nolisten.cfg", "-Ws", 0, "Configuration file is valid\n"},
	{"warning.cfg", "", 0, "Warnings were found.\nConfiguration file is valid\n"},
	{"warning.cfg", "-dW", 1, ""},
	{"warning.cfg", "-q", 0, ""},
	{"tls.cfg", "", 0, "Configuration file is valid\n"},
	{"tls-noca.cfg", "", 1, ""},
}

func TestCheck(t *testing.T) {
	for _, c := range checkCases {
		args := []string{"-c", "-f", filepath.Join("testdata", c.file)}
		if c.flag != "" {
			args = append(args, c.flag)
		}
		rc, out, errs := self(t, args...)
		if rc != c.rc || out != c.stdout {
			t.Errorf("proxy %v: exit %d stdout %q, want %d %q (stderr %q)", args, rc, out, c.rc, c.stdout, errs)
		}
		if c.flag == "-q" && errs != "" {
			t.Errorf("proxy %v: -q printed %q on stderr", args, errs)
		}
		if c.rc == 1 && !strings.Contains(errs, "[ALERT]") {
			t.Errorf("proxy %v: exit 1 without an ALERT: %q", args, errs)
		}
	}
}

// TestCheckVsHAProxy runs the real haproxy on the same cases (skipped when
// it is not installed) so the recorded expectations cannot drift.
func TestCheckVsHAProxy(t *testing.T) {
	bin := testkit.HAProxy(t)
	for _, c := range checkCases {
		args := []string{"-c", "-f", filepath.Join("testdata", c.file)}
		if c.flag != "" {
			args = append(args, c.flag)
		}
		rc, out, _ := runProxy(t, bin, nil, args...)
		if rc != c.rc || out != c.stdout {
			t.Errorf("haproxy %v: exit %d stdout %q, recorded %d %q", args, rc, out, c.rc, c.stdout)
		}
	}
}

// TestCheckSeed: "-c" on the seed configuration (every construct of the
// config spec, "bind ... ssl crt" included) is valid with warnings, as
// with haproxy (compared live when it is installed).
func TestCheckSeed(t *testing.T) {
	dir := filepath.Join("..", "..", "proxy", "config")
	self := selfPath(t)
	want := "Warnings were found.\nConfiguration file is valid\n"
	run := func(bin string) (int, string) {
		cmd := command(context.Background(), bin, "-c", "-f", "testdata/seed/haproxy.cfg")
		cmd.Dir = dir
		rc, out, _ := testkit.Run(t, cmd)
		return rc, out
	}
	if rc, out := run(self); rc != 0 || out != want {
		t.Errorf("proxy -c seed: exit %d stdout %q, want 0 %q", rc, out, want)
	}
	bin := testkit.HAProxy(t)
	if rc, out := run(bin); rc != 0 || out != want {
		t.Errorf("haproxy -c seed: exit %d stdout %q, want 0 %q", rc, out, want)
	}
}

// TestCheckRuntime: settings the configuration package accepts but the
// runtime cannot honour fail "-c" (alerts with file:line) or warn.
func TestCheckRuntime(t *testing.T) {
	rc, out, errs := self(t, "-c", "-f", "testdata/runtime-alert.cfg")
	if rc != 1 || out != "" {
		t.Errorf("runtime-alert: exit %d stdout %q", rc, out)
	}
	for _, want := range []string{
		"parsing [testdata/runtime-alert.cfg:8] : 'bind' : 'accept-proxy' is not supported",
		"parsing [testdata/runtime-alert.cfg:9] : 'http-request set-header' : invalid value '%[no_such_fetch]'",
		"[ALERT]    (", ") : config : Fatal errors found in configuration.\n",
	} {
		if !strings.Contains(errs, want) {
			t.Errorf("runtime-alert stderr lacks %q:\n%s", want, errs)
		}
	}
	rc, out, errs = self(t, "-c", "-f", "testdata/runtime-warning.cfg")
	if rc != 0 || out != "Warnings were found.\nConfiguration file is valid\n" ||
		!strings.Contains(errs, "[WARNING]  (") || !strings.Contains(errs, "'defer-accept' and 'tfo' are ignored") {
		t.Errorf("runtime-warning: exit %d stdout %q stderr %q", rc, out, errs)
	}
	if rc, _, errs = self(t, "-c", "-dW", "-f", "testdata/runtime-warning.cfg"); rc != 1 || !strings.Contains(errs, "'zero-warning' is set. Aborting.") {
		t.Errorf("runtime-warning -dW: exit %d stderr %q", rc, errs)
	}
}

package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/haplog/haplog/internal/testbackend"
	"github.com/haplog/haplog/internal/testbin"
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
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0, out.String(), errb.String()
	case errors.As(err, &ee):
		return ee.ExitCode(), out.String(), errb.String()
	}
	t.Fatalf("run %s %v: %v", bin, args, err)
	return 0, "", ""
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

// freePort returns a port of 127.0.0.1 free now, for haproxy and the
// proxy, which are run on a configuration and cannot report a port 0.
func freePort(t *testing.T) int {
	t.Helper()
	port, err := testbackend.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	return port
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
	bin := testbin.Need(t, "haproxy")
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
	run := func(bin string, env []string) (int, string) {
		cmd := exec.Command(bin, "-c", "-f", "testdata/seed/haproxy.cfg")
		cmd.Dir, cmd.Env = dir, append(os.Environ(), env...)
		out, err := cmd.Output()
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return ee.ExitCode(), string(out)
		} else if err != nil {
			t.Fatal(err)
		}
		return 0, string(out)
	}
	if rc, out := run(self, []string{"HAPLOG_PROXY_MAIN=1"}); rc != 0 || out != want {
		t.Errorf("proxy -c seed: exit %d stdout %q, want 0 %q", rc, out, want)
	}
	bin := testbin.Need(t, "haproxy")
	if rc, out := run(bin, nil); rc != 0 || out != want {
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

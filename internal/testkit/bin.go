package testkit

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/haplog/haplog/internal/testbin"
)

// Need returns the path of the reference program name, or skips the test
// when it is absent (fails it under CI=true); see [testbin.Need] for the
// search and the HAPLOG_BIN_<NAME> overrides.
func Need(t testing.TB, name string, extra ...string) string {
	t.Helper()
	return testbin.Need(t, name, extra...)
}

// Want returns the path of the reference program name and true, or logs
// and returns false when it is absent (fails the test under CI=true): for
// a comparison with the reference that is one part of a larger test.
func Want(t testing.TB, name string, extra ...string) (string, bool) {
	t.Helper()
	return testbin.Want(t, name, extra...)
}

// InCI reports whether the tests run under CI=true, where a missing
// reference program is a failure.
func InCI() bool { return testbin.InCI() }

// HAProxy returns the path of the real haproxy (Debian package haproxy).
func HAProxy(t testing.TB) string { t.Helper(); return Need(t, "haproxy") }

// Halog returns the path of HAProxy's halog (Debian package haproxy).
func Halog(t testing.TB) string { t.Helper(); return Need(t, "halog") }

// Rsyslogd returns the path of rsyslogd (Debian package rsyslog).
func Rsyslogd(t testing.TB) string { t.Helper(); return Need(t, "rsyslogd") }

// Logrotate returns the path of logrotate (Debian package logrotate).
func Logrotate(t testing.TB) string { t.Helper(); return Need(t, "logrotate") }

// Chromium returns the path of a Chromium browser (Debian package
// chromium; chromium-browser and google-chrome are accepted too).
func Chromium(t testing.TB) string {
	t.Helper()
	return Need(t, "chromium", "chromium-browser", "google-chrome")
}

// Process is a reference program started by [Start].
type Process struct {
	Cmd    *exec.Cmd
	stderr string // file holding the program's stderr
	exited chan struct{}
}

// Start starts cmd for the rest of the test and stops it (SIGKILL, then
// wait) at cleanup. Unless cmd.Stderr is set, the program's stderr goes to
// a file in a temporary directory, read by [Process.Stderr]: a file, not
// a buffer, so that reading it while the program runs is not a data race.
func Start(t testing.TB, cmd *exec.Cmd) *Process {
	t.Helper()
	p := &Process{Cmd: cmd, exited: make(chan struct{})}
	if cmd.Stderr == nil {
		p.stderr = filepath.Join(t.TempDir(), filepath.Base(cmd.Path)+".stderr")
		f, err := os.Create(p.stderr)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close() // the child has its own descriptor
		cmd.Stderr = f
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", cmd.Path, err)
	}
	go func() {
		cmd.Wait()
		close(p.exited)
	}()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-p.exited
	})
	return p
}

// Exited is closed when the program has exited.
func (p *Process) Exited() <-chan struct{} { return p.exited }

// Running reports whether the program has not exited yet.
func (p *Process) Running() bool {
	select {
	case <-p.exited:
		return false
	default:
		return true
	}
}

// Stderr returns what the program wrote to its stderr so far ("" when the
// caller set cmd.Stderr).
func (p *Process) Stderr() string {
	if p.stderr == "" {
		return ""
	}
	b, _ := os.ReadFile(p.stderr)
	return string(b)
}

// WaitDial is [WaitDial], failing at once with the program's stderr if
// it exits first.
func (p *Process) WaitDial(t testing.TB, network, addr string) {
	t.Helper()
	p.Eventually(t, network+" "+addr+" accepting connections", func() bool {
		return dialOK(network, addr)
	})
}

// Eventually is [Eventually], failing at once with the program's stderr
// if it exits before cond holds.
func (p *Process) Eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	Eventually(t, what, func() bool {
		if !p.Running() {
			t.Fatalf("%s exited (%v) while waiting for %s; stderr:\n%s", p.Cmd.Path, p.Cmd.ProcessState, what, p.Stderr())
		}
		return cond()
	})
}

// HTTPLogDefaults is the defaults section of the side-by-side HTTP tests
// that compare log lines: mode http, the global log servers, option
// httplog and 5 s timeouts.
const HTTPLogDefaults = `defaults
    mode http
    log global
    option httplog
    timeout client 5s
    timeout server 5s
    timeout connect 5s
`

// StartHAProxy writes text to haproxy.cfg in a temporary directory and
// runs the real haproxy in the foreground on it (-db -q -f FILE, then
// args), for the rest of the test.
func StartHAProxy(t testing.TB, text string, args ...string) *Process {
	t.Helper()
	bin := HAProxy(t)
	path := filepath.Join(t.TempDir(), "haproxy.cfg")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return Start(t, exec.Command(bin, append([]string{"-db", "-q", "-f", path}, args...)...))
}

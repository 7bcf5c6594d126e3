package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/haplog/haplog/internal/testkit"
)

// stopRun is what one program did when stopped by a signal.
type stopRun struct {
	stderr string   // pids masked
	syslog []string // payloads of the datagrams, in order
	end    string   // "exit N" or "signal S"
}

// stopOnce runs bin -db on a configuration of three proxies with a
// frontend and two backends (declared interleaved), sends sig once every
// frontend listens, and records stderr, the syslog datagrams and how the
// process ended.
func stopOnce(t *testing.T, bin string, sig syscall.Signal) stopRun {
	t.Helper()
	sink := syslogSink(t)
	var ports [3]int
	for i := range ports {
		ports[i] = testkit.FreePort(t)
	}
	cfg := testkit.WriteFile(t, filepath.Join(t.TempDir(), "stop.cfg"), fmt.Sprintf(`global
    log %s local0
defaults
    mode http
    log global
    timeout client 5s
    timeout server 5s
    timeout connect 1s
backend be1
    server s1 127.0.0.1:9
frontend fe1
    bind 127.0.0.1:%d
    http-request return status 200 if { path /ready }
    default_backend be1
listen li1
    bind 127.0.0.1:%d
    http-request return status 200 if { path /ready }
    server s2 127.0.0.1:9
backend be2
    server s1 127.0.0.1:9
frontend fe2
    bind 127.0.0.1:%d
    http-request return status 200 if { path /ready }
    default_backend be2
`, sink.LocalAddr(), ports[0], ports[1], ports[2]))
	cmd := command(context.Background(), bin, "-db", "-f", cfg)
	var errb bytes.Buffer
	cmd.Stderr = &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	// One complete request per frontend once it listens: every process
	// has then accepted, counted and logged it before the signal.
	for _, port := range ports {
		testkit.Eventually(t, "listening", func() bool {
			c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port))
			if err != nil {
				return false
			}
			defer c.Close()
			c.SetDeadline(time.Now().Add(5 * time.Second))
			io.WriteString(c, "GET /ready HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
			resp, _ := io.ReadAll(c)
			if !bytes.HasPrefix(resp, []byte("HTTP/1.1 200")) {
				t.Fatalf("ready probe answered %q", resp)
			}
			return true
		})
	}
	cmd.Process.Signal(sig)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatalf("%s did not end after %v", filepath.Base(bin), sig)
	}
	var r stopRun
	ws := cmd.ProcessState.Sys().(syscall.WaitStatus)
	if ws.Signaled() {
		r.end = "signal " + ws.Signal().String()
	} else {
		r.end = fmt.Sprintf("exit %d", ws.ExitStatus())
	}
	r.stderr = regexp.MustCompile(`\(\d+\)`).ReplaceAllString(errb.String(), "(PID)")
	// The process has ended: whatever it sent is in the socket's buffer.
	addr := regexp.MustCompile(`127\.0\.0\.1:\d+`)
	for _, d := range datagrams(t, sink) {
		r.syslog = append(r.syslog, addr.ReplaceAllString(d, "ADDR"))
	}
	return r
}

// TestStopNoticesVsHAProxy: on SIGUSR1 (soft stop) haproxy 2.6.12 logs
// "Proxy X stopped" on stderr and syslog, the proxies with a frontend
// first, then the backends; on SIGTERM and SIGINT it logs nothing and
// dies of the signal. The proxy must do the same.
func TestStopNoticesVsHAProxy(t *testing.T) {
	hap := testkit.HAProxy(t)
	self := selfPath(t)
	for _, sig := range []syscall.Signal{syscall.SIGUSR1, syscall.SIGTERM, syscall.SIGINT} {
		t.Run(sig.String(), func(t *testing.T) {
			want, got := stopOnce(t, hap, sig), stopOnce(t, self, sig)
			t.Logf("haproxy: %s\n%s%q", want.end, want.stderr, want.syslog)
			if got.stderr != want.stderr {
				t.Errorf("stderr:\n got %q\nwant %q", got.stderr, want.stderr)
			}
			if strings.Join(got.syslog, "\n") != strings.Join(want.syslog, "\n") {
				t.Errorf("syslog:\n got %q\nwant %q", got.syslog, want.syslog)
			}
			if got.end != want.end {
				t.Errorf("end: got %s, want %s", got.end, want.end)
			}
			if sig == syscall.SIGUSR1 && !strings.Contains(want.stderr, "Proxy fe1 stopped") {
				t.Errorf("haproxy printed no stop notice: %q", want.stderr)
			}
		})
	}
}
